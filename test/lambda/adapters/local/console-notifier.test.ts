import { alertLine, alertText, ConsoleNotifier, type LineSink } from '../../../../lambda/adapters/local/console-notifier';
import { formatAlert } from '../../../../lambda/monitor/alert';
import type { Alert } from '../../../../lambda/monitor/model';

const opened: Alert = {
  id: '127.0.0.1:8883@3', event: 'opened', target: '127.0.0.1:8883', display: '127.0.0.1:8883', status: 'open', previous: 'closed', open: true,
  expected: 'closed', severity: 'critical', at: '2026-11-24T10:00:00.000Z', previousSince: '2026-11-24T09:00:00.000Z', findings: ['anonymous-access'],
  addedFindings: ['anonymous-access'], removedFindings: [], reason: '127.0.0.1: connected', labels: { env: 'dev' }, description: null,
  evidence: { reason: '127.0.0.1: connected', latencyMs: 1, addresses: [], tls: null, mqtt: null },
};

function sink(): LineSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (chunk, cb) => (lines.push(chunk), cb(), true) };
}

describe('ConsoleNotifier', () => {
  it('prints one readable line per alert: time, severity, headline, change, findings, reason', async () => {
    const out = sink();
    await new ConsoleNotifier(out, { json: false }).publish(opened);
    expect(out.lines).toEqual(['2026-11-24T10:00:00.000Z CRITICAL OPEN 127.0.0.1:8883 (expected closed; accepts MQTT clients without credentials): closed -> open [anonymous-access], 127.0.0.1: connected\n']);
  });

  it('prints a posture change as the findings added and removed', () => {
    const posture: Alert = { ...opened, event: 'posture', previous: 'open', addedFindings: ['self-signed-cert'], removedFindings: ['anonymous-access'], findings: ['self-signed-cert'], severity: 'warning' };
    expect(alertText(posture)).toMatch(/^2026-11-24T10:00:00\.000Z WARNING .*: \+self-signed-cert -anonymous-access, 127\.0\.0\.1: connected$/);
  });

  it('prints a certificate change as the certificate replaced and the one replacing it', () => {
    const cert = { subject: 'CN=localhost', issuer: 'CN=localhost', subjectAltNames: [], validFrom: '', validTo: '2027-01-01T00:00:00.000Z', daysLeft: 30, fingerprint256: 'AA:01', selfSigned: true };
    const tls = { version: 'TLSv1.3', cipher: 'X', authorized: false, authorizationError: null, hostnameMatch: true, cert: { ...cert, fingerprint256: 'BB:02' }, legacyTls: false, clientCertRequired: false };
    const changed: Alert = { ...opened, event: 'cert-changed', severity: 'warning', previous: 'open', evidence: { ...opened.evidence, tls }, certChange: { before: cert, reasons: ['new-key'] } };
    expect(alertText(changed)).toBe('2026-11-24T10:00:00.000Z WARNING CERT CHANGED 127.0.0.1:8883 (new key): AA:01 -> BB:02');
  });

  it('prints a scanner-level alert as its headline alone, and a reminder as the status that persists', () => {
    const degraded: Alert = { ...opened, event: 'degraded', severity: 'warning', reason: '40% of targets changed in one tick' };
    expect(alertText(degraded)).toBe(`2026-11-24T10:00:00.000Z WARNING ${formatAlert(degraded).subject.replace('[portwatch] ', '')}`);
    const reminder: Alert = { ...opened, event: 'reminder', previous: 'open' };
    expect(alertText(reminder)).toMatch(/: still open \[anonymous-access\], 127\.0\.0\.1: connected$/);
  });

  it('prints one JSON object per line with the SNS payload plus from/to', async () => {
    const out = sink();
    await new ConsoleNotifier(out, { json: true }).publish(opened);
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(out.lines[0] ?? '')).toEqual({ ...alertLine(opened) });
    expect(alertLine(opened)).toMatchObject({
      type: 'alert', schema: 'portwatch.alert/v1', id: '127.0.0.1:8883@3', event: 'opened', target: '127.0.0.1:8883',
      from: 'closed', to: 'open', at: '2026-11-24T10:00:00.000Z', findings: ['anonymous-access'], severity: 'critical', labels: { env: 'dev' },
    });
  });

  it('with several vantage points: a partial line names every vantage point (the headline may cut them), other lines add where it is seen from', async () => {
    // Prepare
    const reach = { open: ['ap-northeast-1', 'ap-southeast-2', 'eu-central-1', 'eu-west-1'], notOpen: ['sa-east-1', 'us-east-1'], unknown: ['me-south-1'], partialSince: '2026-11-24T10:00:00.000Z' };
    const partial: Alert = { ...opened, event: 'partial', previous: 'open', expected: 'open', severity: 'warning', findings: [], addedFindings: [], reach };
    const exposed: Alert = { ...opened, findings: [], addedFindings: [], reach: { ...reach, open: ['eu-west-1'], notOpen: ['us-east-1'], unknown: [] } };
    const out = sink();
    // Act
    await new ConsoleNotifier(out, { json: true }).publish(partial);
    // Assess
    expect(alertText(partial)).toBe(
      '2026-11-24T10:00:00.000Z WARNING PARTIAL 127.0.0.1:8883 open from ap-northeast-1 +3; not from sa-east-1, us-east-1: ' +
        'open from ap-northeast-1, ap-southeast-2, eu-central-1, eu-west-1; not open from sa-east-1, us-east-1; unknown from me-south-1',
    );
    expect(alertText(exposed)).toBe(
      '2026-11-24T10:00:00.000Z CRITICAL OPEN 127.0.0.1:8883 from eu-west-1 (expected closed): closed -> open, 127.0.0.1: connected; open from eu-west-1; not open from us-east-1',
    );
    expect(JSON.parse(out.lines[0] ?? '')).toMatchObject({ type: 'alert', event: 'partial', from: 'open', to: 'open', reach });
  });

  it('rejects when the stream does, so the alert stays pending', async () => {
    const failing: LineSink = { write: (_chunk, cb) => (cb(new Error('EPIPE')), false) };
    await expect(new ConsoleNotifier(failing, { json: true }).publish(opened)).rejects.toThrow('EPIPE');
  });
});
