import { degradedAlert, formatAlert } from '../../../lambda/monitor/alert';
import type { Alert } from '../../../lambda/monitor/model';

function alert(overrides: Partial<Alert> = {}): Alert {
  return {
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
    labels: { team: 'iot', prod: '' },
    description: 'Factory gateway',
    evidence: {
      reason: 'connected',
      latencyMs: 21,
      addresses: [{ address: '203.0.113.10', family: 4, status: 'open', reason: 'connected', latencyMs: 21 }],
      tls: null,
      mqtt: { transport: 'tls', protocolVersion: 4, connack: 0, anonymous: true, reason: 'accepted' },
    },
    ...overrides,
  };
}

describe('formatAlert', () => {
  it('a port that opened against expectation: subject, readable body with duration and advice', () => {
    // Act
    const f = formatAlert(alert());
    // Assess
    expect(f.subject).toBe('[portwatch] OPEN broker.example.com:8883 (expected closed)');
    expect(f.text).toContain('Status: open (was closed for 3 days 4 h)');
    expect(f.text).toContain('[anonymous-access]');
    expect(f.text).toContain('Target: broker.example.com:8883 (Factory gateway)');
    expect(f.text).toContain('203.0.113.10: open (connected, 21 ms)');
    expect(f.text).toContain('MQTT (tls, v3.1.1): CONNACK 0, accepted');
    expect(f.text).toContain('Require authentication');
    expect(f.text).toContain('Labels: team=iot, prod');
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
    ['posture: anonymous access appeared', { event: 'posture', expected: null }, '[portwatch] broker.example.com:8883 now ACCEPTS ANONYMOUS clients'],
    ['posture improved', { event: 'posture', severity: 'info', findings: [], addedFindings: [], removedFindings: ['cert-expired'] }, '[portwatch] broker.example.com:8883 posture improved: cert-expired resolved'],
    ['baseline violation', { event: 'baseline', previous: null, previousSince: null }, '[portwatch] OPEN broker.example.com:8883 on first check (expected closed)'],
    ['recovered', { event: 'recovered', status: 'closed', open: false, severity: 'info' }, '[portwatch] RECOVERED broker.example.com:8883 is closed again (expected closed)'],
    ['reminder', { event: 'reminder' }, '[portwatch] REMINDER OPEN broker.example.com:8883 (expected closed)'],
    ['window end', { event: 'window-end', previous: 'closed' }, '[portwatch] OPEN broker.example.com:8883 after maintenance (before: closed) (expected closed)'],
    ['window end, first seen during it', { event: 'window-end', previous: null }, '[portwatch] OPEN broker.example.com:8883 after maintenance (before: not yet seen) (expected closed)'],
  ])('subject: %s', (_name, overrides, subject) => {
    expect(formatAlert(alert(overrides)).subject).toBe(subject);
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
