/**
 * Alerts of every event kind with the evidence a deep look records (addresses, TLS and certificate,
 * MQTT CONNACK, plaintext listener), for the tests of what the sinks send: Security Hub findings,
 * EventBridge events, chat messages.
 */
import { degradedAlert } from '../../lambda/monitor/alert';
import type { Alert, AlertEvent, Evidence, Reach } from '../../lambda/monitor/model';

const CERT = {
  subject: 'CN=broker.example.com',
  issuer: "CN=Let's Encrypt R11, O=Let's Encrypt, C=US",
  subjectAltNames: ['DNS:broker.example.com'],
  validFrom: '2026-10-01T00:00:00.000Z',
  validTo: '2026-12-30T00:00:00.000Z',
  daysLeft: 36,
  fingerprint256: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
  selfSigned: false,
  keyType: 'ec',
  keyBits: 256,
  signatureAlgorithm: 'ecdsa-with-SHA384',
};

export const DEEP_EVIDENCE: Evidence = {
  reason: 'connected',
  latencyMs: 42,
  addresses: [{ address: '203.0.113.10', family: 4, status: 'open', reason: 'connected', latencyMs: 21 }],
  tls: {
    version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', authorized: true, authorizationError: null, hostnameMatch: true,
    cert: CERT, legacyTls: false, clientCertRequired: false,
  },
  mqtt: { transport: 'tls', protocolVersion: 4, connack: 0, anonymous: true, reason: 'CONNACK 0 (accepted)' },
  plaintextListener: { port: 1883, status: 'closed', connack: null, anonymous: false, reason: 'ECONNREFUSED' },
};

const CLOSED_EVIDENCE: Evidence = {
  reason: 'ECONNREFUSED', latencyMs: 1, addresses: [{ address: '203.0.113.10', family: 4, status: 'closed', reason: 'ECONNREFUSED', latencyMs: 1 }], tls: null, mqtt: null,
};

/** An anonymous broker opened against `expect: closed`: the incident the sinks exist for. */
export const OPENED: Alert = {
  id: 'broker.example.com@7',
  event: 'opened',
  target: 'broker.example.com',
  display: 'broker.example.com:8883',
  status: 'open',
  previous: 'closed',
  open: true,
  expected: 'closed',
  severity: 'critical',
  at: '2026-11-24T10:05:00.000Z',
  previousSince: '2026-11-21T06:00:00.000Z',
  findings: ['anonymous-access'],
  addedFindings: ['anonymous-access'],
  removedFindings: [],
  reason: 'connected',
  labels: { env: 'prod', resourceArn: 'arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-0abc1234def567890' },
  description: 'factory gateway',
  evidence: DEEP_EVIDENCE,
};

/** The same target closed again: the exposure and the anonymous access are over. */
export const RECOVERED: Alert = {
  ...OPENED,
  id: 'broker.example.com@8',
  event: 'recovered',
  status: 'closed',
  previous: 'open',
  open: false,
  severity: 'info',
  at: '2026-11-24T11:00:00.000Z',
  previousSince: '2026-11-24T10:05:00.000Z',
  findings: [],
  addedFindings: [],
  removedFindings: ['anonymous-access'],
  reason: 'ECONNREFUSED',
  evidence: CLOSED_EVIDENCE,
};

/** A broker open from two of three regions and refused from the third. */
export const PARTIAL_REACH: Reach = { open: ['eu-west-1', 'us-east-1'], notOpen: ['ap-southeast-2'], unknown: [], partialSince: '2026-11-24T10:05:00.000Z' };

/** One alert of each event kind. */
export function alertOfEachKind(): Record<AlertEvent, Alert> {
  const posture: Alert = { ...OPENED, id: 'broker.example.com@9', event: 'posture', previous: 'open', severity: 'warning', expected: 'open', findings: ['anonymous-access', 'cert-expiring'], addedFindings: ['cert-expiring'], removedFindings: [] };
  return {
    opened: OPENED,
    closed: { ...RECOVERED, event: 'closed', expected: null, severity: 'warning' },
    recovered: RECOVERED,
    baseline: { ...OPENED, event: 'baseline', previous: null, previousSince: null, id: 'broker.example.com@1' },
    posture,
    'cert-changed': { ...posture, event: 'cert-changed', addedFindings: [], certChange: { before: { ...DEEP_EVIDENCE.tls!.cert!, fingerprint256: '00:11' }, reasons: ['new-key'] } },
    reminder: { ...OPENED, event: 'reminder', previous: 'open', addedFindings: [] },
    'window-end': { ...OPENED, event: 'window-end' },
    degraded: degradedAlert('2026-11-24T10:05:00.000Z', 40, 60),
    partial: { ...OPENED, id: 'broker.example.com@10', event: 'partial', previous: 'open', expected: 'open', severity: 'warning', addedFindings: [], reach: PARTIAL_REACH },
    reachable: { ...OPENED, id: 'broker.example.com@11', event: 'reachable', previous: 'open', expected: 'open', severity: 'info', addedFindings: [], reach: { open: ['ap-southeast-2', 'eu-west-1', 'us-east-1'], notOpen: [], unknown: [], partialSince: null } },
  };
}
