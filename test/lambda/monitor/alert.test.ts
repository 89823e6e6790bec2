import { degradedAlert, formatAlert } from '../../../lambda/monitor/alert';
import type { Alert, AlertEvent, Expect } from '../../../lambda/monitor/model';
import type { CertFacts, Finding, ProbeStatus, TlsEvidence } from '../../../lambda/probe/types';
import { OPENED } from '../../helpers/sample-alerts';

/** The anonymous broker opened against `expect: closed` (sample-alerts.ts), with this suite's labels and a connect-level evidence. */
function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    ...OPENED,
    labels: { team: 'iot', prod: '' },
    description: 'Factory gateway',
    evidence: {
      reason: 'connected',
      latencyMs: 21,
      addresses: [{ address: '203.0.113.10', family: 4, status: 'open', reason: 'connected', latencyMs: 21 }],
      tls: null,
      mqtt: { transport: 'tls', protocolVersion: 4, connack: 0, anonymous: true, reason: 'CONNACK 0 (accepted)' },
    },
    ...overrides,
  };
}

/** The subject SNS gets for a headline: prefixed, and cut to 100 characters with "..." when longer. */
function snsSubject(headline: string): string {
  const full = `[portwatch] ${headline}`;
  return full.length > 100 ? `${full.slice(0, 97)}...` : full;
}

describe('formatAlert', () => {
  it('a port that opened against expectation: subject, readable body with duration and advice', () => {
    // Act
    const f = formatAlert(alert());
    // Assess
    expect(f.subject).toBe('[portwatch] OPEN broker.example.com:8883 (expected closed; accepts MQTT clients without credentials)');
    expect(f.text).toContain('Status: open (was closed for 3 days 4 h)');
    expect(f.text).toContain('[anonymous-access]');
    expect(f.text).toContain('Target: broker.example.com:8883 (Factory gateway)');
    expect(f.text).toContain('203.0.113.10: open (connected, 21 ms)');
    expect(f.text).toContain('MQTT (tls, v3.1.1): CONNACK 0 (accepted)');
    expect(f.text).toContain('Require authentication');
    expect(f.text).toContain('Labels: team=iot, prod');
  });

  it('a weak-crypto posture change names each finding, its evidence and the fix', () => {
    // Prepare
    const cert: CertFacts = {
      subject: 'CN=broker.example.com',
      issuer: 'CN=broker.example.com',
      subjectAltNames: [],
      validFrom: '2026-01-01T00:00:00.000Z',
      validTo: '2027-01-01T00:00:00.000Z',
      daysLeft: 40,
      fingerprint256: 'AA',
      selfSigned: false,
      keyType: 'rsa',
      keyBits: 1024,
      signatureAlgorithm: 'sha1WithRSAEncryption',
    };
    const tls: TlsEvidence = { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', authorized: true, authorizationError: null, hostnameMatch: true, cert, legacyTls: false, clientCertRequired: false, tls12Cipher: 'AES128-SHA' };
    const weak: Finding[] = ['weak-cipher', 'weak-key', 'weak-signature'];

    // Act
    const f = formatAlert(alert({ event: 'posture', severity: 'warning', expected: 'open', findings: weak, addedFindings: weak, evidence: { ...alert().evidence, mqtt: null, tls } }));

    // Assess
    expect(f.subject).toBe('[portwatch] broker.example.com:8883 posture: weak-cipher, weak-key, weak-signature');
    expect(f.text).toContain('New: the certificate key is weak (RSA under 2048 bits, DSA, or EC under 224 bits) [weak-key]');
    expect(f.text).toContain('New: the certificate is signed with SHA-1 or MD5 [weak-signature]');
    expect(f.text).toContain('[weak-cipher]');
    expect(f.text).toContain('key rsa 1024 bits, signed sha1WithRSAEncryption');
    expect(f.text).toContain('TLS 1.2 suite picked: AES128-SHA');
    // One fix per finding, in the findings' order.
    expect(f.text).toMatch(/What to do: Restrict the TLS 1\.2 suites .*\(mosquitto: ciphers .*\)\. Re-issue the certificate with an RSA key of at least 2048 bits or an EC P-256 key\. Re-issue the certificate signed with SHA-256/);
  });

  it('message attributes fit SNS (at most 10) and arrays carry findings and labels', () => {
    const f = formatAlert(alert());
    expect(f.attributes).toEqual({
      event: 'opened',
      target: 'broker.example.com',
      status: 'open',
      previous: 'closed',
      severity: 'critical',
      expected: 'closed',
      findings: ['anonymous-access'],
      labels: ['team=iot', 'prod'],
    });
    expect(Object.keys(f.attributes).length).toBeLessThanOrEqual(10);
  });

  it('JSON payload for machine subscribers carries the schema and every fact', () => {
    const f = formatAlert(alert());
    expect(f.json).toMatchObject({ schema: 'portwatch.alert/v1', id: 'broker.example.com@7', event: 'opened', host: 'broker.example.com:8883', open: true, previous: 'closed' });
    expect(JSON.parse(JSON.stringify(f.json))).toEqual(f.json);
  });

  it.each<[string, Partial<Alert>, string]>([
    ['closed against expectation', { event: 'closed', status: 'filtered', open: false, expected: 'open', findings: [], addedFindings: [] }, '[portwatch] FILTERED broker.example.com:8883 (expected open)'],
    ['recovered', { event: 'recovered', status: 'closed', open: false, severity: 'info', findings: [], addedFindings: [] }, '[portwatch] RECOVERED broker.example.com:8883 is closed again (expected closed)'],
  ])('subject: %s', (_name, overrides, subject) => {
    expect(formatAlert(alert(overrides)).subject).toBe(subject);
  });

  it('a window-end body says which findings changed, before the window and after', () => {
    // Prepare: open before and after the window; one finding appeared, one went.
    const windowEnd = alert({
      event: 'window-end',
      expected: 'open',
      previous: 'open',
      severity: 'warning',
      findings: ['self-signed-cert', 'cert-expired'],
      addedFindings: ['cert-expired'],
      removedFindings: ['untrusted-cert'],
    });
    // Act
    const f = formatAlert(windowEnd);
    // Assess
    expect(f.text.split('\n')[0]).toBe('OPEN broker.example.com:8883 after maintenance: findings +cert-expired -untrusted-cert (expected open)');
    expect(f.text).toContain('Status: open (before the maintenance window: open for 3 days 4 h)');
    expect(f.text).toContain('Findings before the window: self-signed-cert, untrusted-cert; now: self-signed-cert, cert-expired');
    expect(f.text).toContain('New: the certificate has expired [cert-expired]');
    expect(f.text).toContain('Resolved: the certificate chain does not verify [untrusted-cert]');
  });

  it.each<[string, number | null, string]>([
    ['a refused CONNECT', 5, 'CONNACK 5 (not authorized)'],
    ['an MQTT 5 refusal', 0x87, 'CONNACK 0x87 (not authorized)'],
    ['no CONNACK at all', null, 'no CONNACK within 3000 ms'],
  ])('names the CONNACK once in the evidence: %s', (_name, connack, reason) => {
    // Prepare: the reason as lambda/probe/mqtt.ts and deep.ts write it.
    const refused = alert({ evidence: { ...alert().evidence, mqtt: { transport: 'tls', protocolVersion: 4, connack, anonymous: false, reason } } });
    // Act
    const text = formatAlert(refused).text;
    // Assess
    expect(text).toContain(`  MQTT (tls, v3.1.1): ${reason}\n`);
    expect(text.match(/CONNACK/g) ?? []).toHaveLength(reason.includes('CONNACK') ? 1 : 0);
  });

  it('counts in words: 1 day, 1 target', () => {
    // Prepare
    const cert: CertFacts = { subject: 'CN=b', issuer: 'CN=ca', subjectAltNames: [], validFrom: '', validTo: '2026-11-25', daysLeft: 1, fingerprint256: '', selfSigned: false };
    const tls: TlsEvidence = { version: 'TLSv1.3', cipher: 'X', authorized: true, authorizationError: null, hostnameMatch: true, cert, legacyTls: false, clientCertRequired: false };
    // Act
    const expiring = formatAlert(alert({ evidence: { ...alert().evidence, tls } })).text;
    const degraded = formatAlert(degradedAlert('2026-11-24T10:05:00.000Z', 1, 1)).text;
    // Assess
    expect(expiring).toContain('expires 2026-11-25 (1 day)');
    expect(degraded).toContain('1 of 1 target changed open/closed at once');
  });

  /** One row: what the alert says about the target, and the headline it must get. */
  type Row = [AlertEvent, Expect | null, ProbeStatus | null, ProbeStatus, readonly Finding[], readonly Finding[], readonly Finding[], string];
  const D = 'broker.example.com:8883';
  const ANON = 'accepts MQTT clients without credentials';
  const PLAIN = 'speaks MQTT without TLS';
  // event, expect, previous, status, findings, added, removed -> subject (without "[portwatch] ")
  const HEADLINES: Row[] = [
    // opened (expect open makes it `recovered`)
    ['opened', null, 'closed', 'open', [], [], [], `OPEN ${D}`],
    ['opened', null, 'closed', 'open', ['self-signed-cert'], ['self-signed-cert'], [], `OPEN ${D}`],
    ['opened', null, 'closed', 'open', ['anonymous-access'], ['anonymous-access'], [], `ANONYMOUS ACCESS ${D} (now open; ${ANON})`],
    ['opened', null, 'closed', 'open', ['plaintext-mqtt'], ['plaintext-mqtt'], [], `PLAINTEXT MQTT ${D} (now open; ${PLAIN})`],
    ['opened', 'closed', 'closed', 'open', [], [], [], `OPEN ${D} (expected closed)`],
    ['opened', 'closed', 'closed', 'open', ['anonymous-access'], ['anonymous-access'], [], `OPEN ${D} (expected closed; ${ANON})`],
    // closed (expect closed makes it `recovered`); a port that is not open has no findings
    ['closed', null, 'open', 'closed', [], [], ['anonymous-access'], `CLOSED ${D}`],
    ['closed', 'open', 'open', 'filtered', [], [], [], `FILTERED ${D} (expected open)`],
    ['closed', 'open', 'open', 'unreachable', [], [], [], `UNREACHABLE ${D} (expected open)`],
    // baseline: alerted on a violation, or on a critical finding whatever expect says
    ['baseline', 'closed', null, 'open', [], [], [], `OPEN ${D} on first check (expected closed)`],
    ['baseline', 'closed', null, 'open', ['anonymous-access', 'plaintext-mqtt'], ['anonymous-access', 'plaintext-mqtt'], [], `OPEN ${D} on first check (expected closed; ${ANON}; ${PLAIN})`],
    ['baseline', 'open', null, 'closed', [], [], [], `CLOSED ${D} on first check (expected open)`],
    ['baseline', 'open', null, 'open', ['anonymous-access'], ['anonymous-access'], [], `ANONYMOUS ACCESS ${D} on first check (${ANON})`],
    ['baseline', null, null, 'open', ['anonymous-access'], ['anonymous-access'], [], `ANONYMOUS ACCESS ${D} on first check (${ANON})`],
    ['baseline', 'open', null, 'open', ['plaintext-mqtt', 'self-signed-cert'], ['plaintext-mqtt', 'self-signed-cert'], [], `PLAINTEXT MQTT ${D} on first check (${PLAIN})`],
    // recovered: back where expect wants it
    ['recovered', 'closed', 'open', 'closed', [], [], ['anonymous-access'], `RECOVERED ${D} is closed again (expected closed)`],
    ['recovered', 'open', 'closed', 'open', [], [], [], `RECOVERED ${D} is open again (expected open)`],
    ['recovered', 'open', 'closed', 'open', ['cert-expiring'], ['cert-expiring'], [], `RECOVERED ${D} is open again (expected open)`],
    ['recovered', 'open', 'closed', 'open', ['anonymous-access'], ['anonymous-access'], [], `ANONYMOUS ACCESS ${D} is open again (${ANON})`],
    // reminder: only while violating expect
    ['reminder', 'closed', 'open', 'open', [], [], [], `REMINDER OPEN ${D} (expected closed)`],
    ['reminder', 'closed', 'open', 'open', ['anonymous-access'], [], [], `REMINDER OPEN ${D} (expected closed; ${ANON})`],
    ['reminder', 'open', 'closed', 'closed', [], [], [], `REMINDER CLOSED ${D} (expected open)`],
    // window-end: what changed since before the window
    ['window-end', 'closed', 'closed', 'open', [], [], [], `OPEN ${D} after maintenance: closed -> open (expected closed)`],
    ['window-end', 'open', 'open', 'filtered', [], [], ['self-signed-cert'], `FILTERED ${D} after maintenance: open -> filtered, findings -self-signed-cert (expected open)`],
    ['window-end', null, null, 'open', [], [], [], `OPEN ${D} after maintenance: not yet seen -> open`],
    ['window-end', 'open', 'open', 'open', ['anonymous-access'], ['anonymous-access'], [], `ANONYMOUS ACCESS ${D} after maintenance: findings +anonymous-access`],
    ['window-end', 'open', 'open', 'open', ['anonymous-access', 'cert-expired'], ['cert-expired'], [], `ANONYMOUS ACCESS ${D} after maintenance: findings +cert-expired (${ANON})`],
    ['window-end', 'closed', 'closed', 'open', ['anonymous-access'], ['anonymous-access'], [], `OPEN ${D} after maintenance: closed -> open, findings +anonymous-access (expected closed)`],
    ['window-end', null, 'open', 'open', [], [], ['hostname-mismatch'], `OPEN ${D} after maintenance: findings -hostname-mismatch`],
    // posture: the findings of an open port changed
    ['posture', 'open', 'open', 'open', ['anonymous-access'], ['anonymous-access'], [], `ANONYMOUS ACCESS ${D} (now ${ANON})`],
    ['posture', null, 'open', 'open', ['plaintext-mqtt'], ['plaintext-mqtt'], [], `PLAINTEXT MQTT ${D} (now ${PLAIN})`],
    ['posture', 'closed', 'open', 'open', ['cert-expiring'], ['cert-expiring'], [], `${D} posture: cert-expiring`],
    ['posture', 'open', 'open', 'open', ['cert-expired'], ['cert-expired'], ['cert-expiring'], `${D} posture: cert-expired; cert-expiring resolved`],
    ['posture', 'open', 'open', 'open', [], [], ['anonymous-access'], `${D} posture improved: anonymous-access resolved`],
  ];

  it.each(HEADLINES)('headline of %s, expect %s, %s -> %s, findings %j', (event, expected, previous, status, findings, added, removed, subject) => {
    // Prepare
    const row = alert({ event, expected, previous, status, open: status === 'open', findings, addedFindings: added, removedFindings: removed });
    // Act
    const f = formatAlert(row);
    // Assess: the subject, and the body opens with the same headline.
    expect(f.subject).toBe(snsSubject(subject));
    expect(f.text.split('\n')[0]).toBe(subject);
  });

  it('never headlines an anonymous broker as "(expected open)"', () => {
    for (const event of ['opened', 'baseline', 'recovered', 'window-end'] as const) {
      // Act
      const subject = formatAlert(alert({ event, expected: 'open', previous: 'closed', findings: ['anonymous-access'], addedFindings: ['anonymous-access'] })).subject;
      // Assess
      expect(subject).toMatch(/^\[portwatch\] ANONYMOUS ACCESS /);
      expect(subject).not.toContain('expected open');
    }
  });

  it('a plaintext listener beside the TLS port: what it means, its evidence, how to remove it', () => {
    // Prepare
    const plain = alert({
      event: 'posture',
      severity: 'warning',
      expected: 'open',
      findings: ['plaintext-listener'],
      addedFindings: ['plaintext-listener'],
      evidence: { ...alert().evidence, plaintextListener: { port: 1883, status: 'open', connack: 5, anonymous: false, reason: 'CONNACK 5 (not authorized)' } },
    });

    // Act
    const f = formatAlert(plain);

    // Assess
    expect(f.text).toContain('New: the same host ALSO speaks MQTT WITHOUT TLS on its plaintext port (1883 unless configured) [plaintext-listener]');
    expect(f.text).toContain('Plaintext port 1883: CONNACK 5 (not authorized)');
    expect(f.text).toContain('listener 1883 127.0.0.1');
    expect(f.text).toContain('allow_anonymous false');
  });

  it('a reminder says how long the target has been in that state', () => {
    const f = formatAlert(alert({ event: 'reminder', previousSince: '2026-11-23T10:05:00.000Z' }));
    expect(f.text).toContain('Status: still open since 2026-11-23T10:05:00.000Z (24 h 0 min)');
    expect(f.text).toContain('[anonymous-access]');
  });

  it('scanner degraded: one alert that names the scale and points at the scanner, not the fleet', () => {
    const f = formatAlert(degradedAlert('2026-11-24T10:05:00.000Z', 40, 50));
    // Subjects are cut to SNS's 100 characters; the body carries the whole reason.
    expect(f.subject).toBe('[portwatch] scanner degraded: 40 of 50 targets changed open/closed at once; their alerts are held...');
    expect(f.text).toContain('40 of 50 targets changed open/closed at once; their alerts are held and re-checked next tick');
    expect(f.text).toContain('Check the scanner');
    expect(f.attributes.event).toBe('degraded');
  });

  it('keeps subjects within SNS limits: ASCII, at most 100 characters', () => {
    const long = `${'ü'.repeat(40)}.example.com`;
    const f = formatAlert(alert({ display: `${long}:8883` }));
    expect(f.subject.length).toBeLessThanOrEqual(100);
    expect(f.subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('formatAlert: a certificate change', () => {
  const before: CertFacts = {
    subject: 'CN=broker.example.com',
    issuer: 'CN=Example CA',
    subjectAltNames: ['DNS:broker.example.com'],
    validFrom: '2026-10-01T00:00:00.000Z',
    validTo: '2027-01-01T00:00:00.000Z',
    daysLeft: 38,
    fingerprint256: 'AA:AA:AA:AA',
    publicKeyFingerprint256: 'KA:KA:KA:KA',
    selfSigned: false,
  };
  const now: CertFacts = { ...before, issuer: 'CN=Mallory CA', fingerprint256: 'BB:BB:BB:BB', publicKeyFingerprint256: 'KB:KB:KB:KB', validTo: '2027-02-01T00:00:00.000Z' };
  const tls: TlsEvidence = { version: 'TLSv1.3', cipher: 'X', authorized: true, authorizationError: null, hostnameMatch: true, cert: now, legacyTls: false, clientCertRequired: false };
  const changed = (): Alert =>
    alert({
      event: 'cert-changed',
      severity: 'warning',
      previous: 'open',
      expected: 'open',
      findings: [],
      addedFindings: [],
      evidence: { ...alert().evidence, tls, mqtt: null },
      certChange: { before, reasons: ['new-key', 'new-issuer'] },
    });

  it('says why it is not a renewal in the subject, both certificates in the body, and what to do', () => {
    // Act
    const f = formatAlert(changed());

    // Assess
    expect(f.subject).toBe('[portwatch] CERT CHANGED broker.example.com:8883 (new key, new issuer CN=Mallory CA)');
    expect(f.text).toContain('not a renewal: new key, new issuer.');
    expect(f.text).toContain('Before: CN=broker.example.com\n  issuer CN=Example CA, valid 2026-10-01T00:00:00.000Z to 2027-01-01T00:00:00.000Z\n  SHA-256 AA:AA:AA:AA\n  key SHA-256 KA:KA:KA:KA');
    expect(f.text).toContain('Now: CN=broker.example.com\n  issuer CN=Mallory CA');
    expect(f.text).toContain('SHA-256 BB:BB:BB:BB');
    expect(f.text).toContain('someone may be intercepting');
    expect(f.attributes).toMatchObject({ event: 'cert-changed', severity: 'warning', status: 'open', previous: 'open' });
    expect(f.json.certChange).toEqual({ before, reasons: ['new-key', 'new-issuer'] });
  });

  it('other alerts carry no certChange in their JSON', () => {
    expect('certChange' in formatAlert(alert()).json).toBe(false);
  });
});
