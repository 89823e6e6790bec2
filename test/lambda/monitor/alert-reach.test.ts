/** Alerts with several vantage points: the partial and reachable alerts, and the regions named on an exposure or outage not every vantage point sees. */
import * as fc from 'fast-check';
import { degradedAlert, formatAlert } from '../../../lambda/monitor/alert';
import type { Alert, Reach } from '../../../lambda/monitor/model';
import { OPENED, PARTIAL_REACH, alertOfEachKind } from '../../helpers/sample-alerts';

const { partial, reachable } = alertOfEachKind();
const MANY: Reach = {
  open: ['ap-northeast-1', 'ap-southeast-2', 'eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-2'],
  notOpen: ['ap-south-1', 'sa-east-1'],
  unknown: ['me-south-1'],
  partialSince: '2026-11-24T10:05:00.000Z',
};

/** The lines of a body from `first` up to (not including) the next blank line. */
function section(text: string, first: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(first);
  const end = lines.indexOf('', start);
  return lines.slice(start, end === -1 ? undefined : end);
}

describe('formatAlert: several vantage points', () => {
  it('partial: the subject names where it is open and where not; the body says every vantage point and what to compare', () => {
    // Act
    const f = formatAlert(partial);
    // Assess
    expect(f.subject).toBe('[portwatch] PARTIAL broker.example.com:8883 open from eu-west-1, us-east-1; not from ap-southeast-2');
    expect(f.text.split('\n').slice(0, 3)).toEqual([
      'PARTIAL broker.example.com:8883 open from eu-west-1, us-east-1; not from ap-southeast-2',
      '',
      'Status: open since 2026-11-21T06:00:00.000Z (3 days 4 h), as the vantage points under "Seen from" combine',
    ]);
    expect(section(f.text, 'Seen from (3 vantage points):')).toEqual([
      'Seen from (3 vantage points):',
      '  open from: eu-west-1, us-east-1',
      '  not open from: ap-southeast-2',
      '  unknown: none',
      '  partially reachable since 2026-11-24T10:05:00.000Z',
    ]);
    expect(f.text).toMatch(/What to do: Clients in some places can reach this broker and clients in others cannot\. .*security-group and network-ACL source ranges.*routes and peering.*what DNS answers there \(geo or latency routing, anycast/);
    expect(f.json.reach).toEqual(PARTIAL_REACH);
  });

  it('SNS attributes gain openFrom and notOpenFrom (arrays, omitted when empty): 10 with findings and labels, the SNS limit', () => {
    const f = formatAlert(partial);
    expect(f.attributes).toEqual({
      event: 'partial', target: 'broker.example.com', status: 'open', previous: 'open', severity: 'warning', expected: 'open',
      findings: ['anonymous-access'], labels: ['env=prod', `resourceArn=${OPENED.labels.resourceArn ?? ''}`],
      openFrom: ['eu-west-1', 'us-east-1'], notOpenFrom: ['ap-southeast-2'],
    });
    expect(Object.keys(f.attributes)).toHaveLength(10);
    expect(formatAlert(reachable).attributes).not.toHaveProperty('notOpenFrom');
  });

  it('cuts the region lists with +N to keep the subject within 100 ASCII characters; the body still names all', () => {
    // Act
    const f = formatAlert({ ...partial, reach: MANY });
    // Assess
    expect(f.subject).toBe('[portwatch] PARTIAL broker.example.com:8883 open from ap-northeast-1 +5; not from ap-south-1 +1');
    expect(f.subject.length).toBeLessThanOrEqual(100);
    expect(section(f.text, 'Seen from (9 vantage points):')).toEqual([
      'Seen from (9 vantage points):',
      '  open from: ap-northeast-1, ap-southeast-2, eu-central-1, eu-west-1, us-east-1, us-west-2',
      '  not open from: ap-south-1, sa-east-1',
      '  unknown (stopped reporting, or its look failed): me-south-1',
      '  partially reachable since 2026-11-24T10:05:00.000Z',
    ]);
  });

  it('reachable again: info, says all of them, no action needed', () => {
    const f = formatAlert(reachable);
    expect(f.subject).toBe('[portwatch] REACHABLE broker.example.com:8883 again from all 3 vantage points');
    expect(f.text).toContain('\nWhat to do: No action needed: every vantage point reaches the target again.\n');
    expect(section(f.text, 'Seen from (3 vantage points):')).toContain('  open from: ap-southeast-2, eu-west-1, us-east-1');
  });

  it('an exposure seen from one of three is the opened alert, critical, naming the region in the subject and in what to do', () => {
    // Prepare: expect closed, open from eu-west-1 only
    const reach: Reach = { open: ['eu-west-1'], notOpen: ['ap-southeast-2', 'us-east-1'], unknown: [], partialSince: '2026-11-24T10:05:00.000Z' };
    const exposed: Alert = { ...OPENED, findings: [], addedFindings: [], reach };
    // Act
    const f = formatAlert(exposed);
    // Assess
    expect(f.subject).toBe('[portwatch] OPEN broker.example.com:8883 from eu-west-1 (expected closed)');
    expect(f.text).toContain("It is open from eu-west-1 only: look for a rule or route that admits that path (a source range, one region's security group, a geo DNS answer).");
    expect(f.attributes).toMatchObject({ event: 'opened', severity: 'critical', openFrom: ['eu-west-1'], notOpenFrom: ['ap-southeast-2', 'us-east-1'] });
  });

  it('an outage agreed by a quorum while one region still connects names both', () => {
    // Prepare: expect open, not open from two of three
    const reach: Reach = { open: ['us-east-1'], notOpen: ['ap-southeast-2', 'eu-west-1'], unknown: [], partialSince: '2026-11-24T10:05:00.000Z' };
    const outage: Alert = { ...OPENED, event: 'closed', status: 'closed', open: false, expected: 'open', findings: [], addedFindings: [], reach };
    // Act
    const f = formatAlert(outage);
    // Assess
    expect(f.subject).toBe('[portwatch] CLOSED broker.example.com:8883 from ap-southeast-2, eu-west-1 (expected open)');
    expect(f.text).toContain('It is still open from us-east-1: compare what differs on the paths from ap-southeast-2, eu-west-1 (see "Seen from").');
  });

  it('vantage points that agree change no subject: the body alone gains the "Seen from" section', () => {
    // Prepare
    const agreed: Alert = { ...OPENED, reach: { open: ['eu-west-1', 'us-east-1'], notOpen: [], unknown: ['ap-southeast-2'], partialSince: null } };
    // Act
    const withReach = formatAlert(agreed);
    const without = formatAlert(OPENED);
    // Assess
    expect(withReach.subject).toBe(without.subject);
    const seen = section(withReach.text, 'Seen from (3 vantage points):');
    expect(withReach.text.replace(`\n${seen.join('\n')}\n`, '')).toBe(without.text);
    expect(without.text).not.toContain('Seen from');
    expect(without.attributes).not.toHaveProperty('openFrom');
    expect(without.json).not.toHaveProperty('reach');
  });

  it('scanner degraded at one vantage point: the subject leads with it, a label carries it (a filterable attribute), the id tells two vantage points apart', () => {
    // Act
    const alert = degradedAlert('2026-11-24T10:05:00.000Z', 40, 50, 'ap-southeast-2');
    const f = formatAlert(alert);
    // Assess
    expect(f.subject).toBe('[portwatch] scanner degraded: ap-southeast-2 sees 40 of 50 targets change open/closed at once; it...');
    expect(f.text).toContain('ap-southeast-2 sees 40 of 50 targets change open/closed at once; its views are held (the other vantage points decide) and re-checked next tick');
    expect(f.text).toContain('What to do: Check the prober in ap-southeast-2: its network egress, DNS, or Lambda limits. Meanwhile the other vantage points decide; if the fleet really changed, they alert.');
    expect(f.attributes.labels).toEqual(['vantage=ap-southeast-2']);
    expect(alert.id).not.toBe(degradedAlert('2026-11-24T10:05:00.000Z', 40, 50, 'eu-west-1').id);
    expect(degradedAlert('2026-11-24T10:05:00.000Z', 40, 50)).toEqual(degradedAlert('2026-11-24T10:05:00.000Z', 40, 50, null));
  });

  it('any reach, any event, any host: the subject stays ASCII within 100 characters and names at least one vantage point of each side when it fits', () => {
    // Seeded so a failure reproduces; vantage names as parseVantageName allows them.
    const name = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/);
    const names = fc.uniqueArray(name, { maxLength: 12 }).map((n) => [...n].sort());
    fc.assert(
      fc.property(names, names, names, fc.constantFrom('partial', 'reachable', 'opened', 'closed', 'reminder', 'baseline'), fc.string({ maxLength: 80 }), (open, notOpen, unknown, event, host) => {
        const reach: Reach = { open, notOpen: notOpen.filter((n) => !open.includes(n)), unknown: unknown.filter((n) => !open.includes(n) && !notOpen.includes(n)), partialSince: null };
        const subject = formatAlert({ ...partial, event, open: event !== 'closed', display: `${host}:8883`, reach }).subject;
        expect(subject.length).toBeLessThanOrEqual(100);
        expect(subject).toMatch(/^[\x20-\x7e]+$/);
        if (event === 'partial' && host === '' && reach.open.length > 0 && reach.notOpen.length > 0) expect(subject).toContain(`open from ${reach.open[0] ?? ''}`);
      }),
      { seed: 14, numRuns: 300 },
    );
  });
});
