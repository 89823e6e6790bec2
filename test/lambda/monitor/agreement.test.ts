/** The agreement rules of several vantage points as a truth table, plus properties checked with fast-check. */
import fc from 'fast-check';
import type { Finding, ProbeStatus } from '../../../lambda/probe/types';
import { agree, currentReach, heartbeatFresh, isPartial, STALE_AFTER_TICKS, type AgreementInput } from '../../../lambda/monitor/agreement';
import type { Expect, Heartbeat, Observation, VantageView } from '../../../lambda/monitor/model';
import { majority, type VantageConfig } from '../../../lambda/monitor/vantage-config';
import { observation } from '../../helpers/observations';

const NOW = '2026-11-24T10:10:00.000Z';
const NOW_MS = Date.parse(NOW);
const TICK_MS = 60_000;
const ALL = ['ap-southeast-2', 'eu-west-1', 'us-east-1'];

function vantage(name = 'eu-west-1', all = ALL, quorum = majority(all.length)): VantageConfig {
  return { name, all, quorum };
}

function view(name: string, status: ProbeStatus, findings: Finding[] = []): VantageView {
  return { target: 'broker.example.com', vantage: name, observation: observation(status, findings, '2026-11-24T10:00:00.000Z'), since: '2026-11-24T10:00:00.000Z', version: 1 };
}

function beat(atMs: number, previousMs: number | null = null): Heartbeat {
  return { at: new Date(atMs).toISOString(), previous: previousMs === null ? null : new Date(previousMs).toISOString() };
}

/** `own` and the other vantage points' views, every heartbeat fresh unless `stale` names it. */
function input(expect: Expect | null, own: ProbeStatus, others: Record<string, ProbeStatus | null>, options: { stale?: string[]; quorum?: number; ownFindings?: Finding[]; findings?: Record<string, Finding[]> } = {}): AgreementInput {
  const views = new Map<string, VantageView>();
  const heartbeats = new Map<string, Heartbeat>();
  for (const [name, status] of Object.entries(others)) {
    if (status !== null) views.set(name, view(name, status, options.findings?.[name] ?? []));
    heartbeats.set('eu-west-1', beat(NOW_MS - TICK_MS));
    heartbeats.set(name, beat(options.stale?.includes(name) ? NOW_MS - (STALE_AFTER_TICKS + 1) * TICK_MS : NOW_MS));
  }
  return { vantage: vantage('eu-west-1', ALL, options.quorum), expect, own: observation(own, options.ownFindings ?? [], NOW), views, heartbeats, nowMs: NOW_MS, tickMs: TICK_MS, previous: null };
}

function verdict(i: AgreementInput): string {
  const { observation: o, reach } = agree(i);
  return `${o === null ? 'undecided' : o.status} open=[${reach.open.join(',')}] notOpen=[${reach.notOpen.join(',')}] unknown=[${reach.unknown.join(',')}]`;
}

describe('agree: exposure (expect closed, or no expect): open when any counted view is open', () => {
  it.each<[string, Expect | null, ProbeStatus, Record<string, ProbeStatus | null>, string]>([
    ['open from one of three (another region)', 'closed', 'closed', { 'us-east-1': 'open', 'ap-southeast-2': 'closed' }, 'open open=[us-east-1] notOpen=[ap-southeast-2,eu-west-1] unknown=[]'],
    ['open from one of three (this region)', 'closed', 'open', { 'us-east-1': 'closed', 'ap-southeast-2': 'filtered' }, 'open open=[eu-west-1] notOpen=[ap-southeast-2,us-east-1] unknown=[]'],
    ['closed everywhere', 'closed', 'closed', { 'us-east-1': 'closed', 'ap-southeast-2': 'closed' }, 'closed open=[] notOpen=[ap-southeast-2,eu-west-1,us-east-1] unknown=[]'],
    ['no expect, open from one', null, 'filtered', { 'us-east-1': 'open', 'ap-southeast-2': 'closed' }, 'open open=[us-east-1] notOpen=[ap-southeast-2,eu-west-1] unknown=[]'],
    ['no views yet: the own look alone', 'closed', 'closed', { 'us-east-1': null, 'ap-southeast-2': null }, 'closed open=[] notOpen=[eu-west-1] unknown=[ap-southeast-2,us-east-1]'],
    ['an error view is unknown', 'closed', 'closed', { 'us-east-1': 'error', 'ap-southeast-2': 'closed' }, 'closed open=[] notOpen=[ap-southeast-2,eu-west-1] unknown=[us-east-1]'],
    ['the own look failed: another view stands in', 'closed', 'error', { 'us-east-1': 'closed', 'ap-southeast-2': null }, 'closed open=[] notOpen=[us-east-1] unknown=[ap-southeast-2,eu-west-1]'],
    ['nothing anywhere: the own error is recorded', 'closed', 'error', { 'us-east-1': null, 'ap-southeast-2': 'error' }, 'error open=[] notOpen=[] unknown=[ap-southeast-2,eu-west-1,us-east-1]'],
  ])('%s', (_name, expectation, own, others, expected) => {
    // Act + Assess
    expect(verdict(input(expectation, own, others))).toBe(expected);
  });

  it('a view of a vantage point that stopped reporting does not hold a target open', () => {
    // Act
    const result = verdict(input('closed', 'closed', { 'us-east-1': 'open', 'ap-southeast-2': 'closed' }, { stale: ['us-east-1'] }));
    // Assess
    expect(result).toBe('closed open=[] notOpen=[ap-southeast-2,eu-west-1] unknown=[us-east-1]');
  });

  it('after a pause of the whole system (every heartbeat equally old) the views still count', () => {
    // Prepare: every heartbeat, this vantage point's own included, ten ticks old
    const i = input('closed', 'closed', { 'us-east-1': 'open', 'ap-southeast-2': 'closed' });
    const heartbeats = new Map(ALL.map((v) => [v, beat(NOW_MS - 10 * TICK_MS)]));
    // Act
    const result = verdict({ ...i, heartbeats });
    // Assess
    expect(result).toBe('open open=[us-east-1] notOpen=[ap-southeast-2,eu-west-1] unknown=[]');
  });

  it('after a pause, a second run in the same tick (its own heartbeat already written) still counts the views', () => {
    // Prepare: this vantage point beat this tick, after ten quiet ticks; the others have not run yet
    const i = input('closed', 'closed', { 'us-east-1': 'open', 'ap-southeast-2': 'closed' });
    const heartbeats = new Map(ALL.map((v) => [v, beat(NOW_MS - 10 * TICK_MS)]));
    heartbeats.set('eu-west-1', beat(NOW_MS, NOW_MS - 10 * TICK_MS));
    // Act
    const result = verdict({ ...i, heartbeats });
    // Assess
    expect(result).toBe('open open=[us-east-1] notOpen=[ap-southeast-2,eu-west-1] unknown=[]');
  });

  it('a vantage point that stopped while this one kept beating stops counting', () => {
    // Prepare: this one beat every tick; us-east-1 last beat four ticks ago
    const i = input('closed', 'closed', { 'us-east-1': 'open', 'ap-southeast-2': 'closed' });
    const heartbeats = new Map([
      ['eu-west-1', beat(NOW_MS, NOW_MS - TICK_MS)],
      ['ap-southeast-2', beat(NOW_MS)],
      ['us-east-1', beat(NOW_MS - 4 * TICK_MS)],
    ]);
    // Act
    const result = verdict({ ...i, heartbeats });
    // Assess
    expect(result).toBe('closed open=[] notOpen=[ap-southeast-2,eu-west-1] unknown=[us-east-1]');
  });

  it('findings are the union of the open views (a posture regression from one region is believed); evidence the own look when open', () => {
    // Act
    const { observation: o } = agree(input('closed', 'open', { 'us-east-1': 'open', 'ap-southeast-2': 'closed' }, { ownFindings: ['self-signed-cert'], findings: { 'us-east-1': ['anonymous-access'] } }));
    // Assess
    expect(o?.findings).toEqual(['self-signed-cert', 'anonymous-access']);
    expect(o?.at).toBe(NOW);
    expect(o?.evidence).toEqual(observation('open', [], NOW).evidence);
  });

  it('open from another region only: that view is the evidence, at this look', () => {
    // Act
    const { observation: o } = agree(input('closed', 'closed', { 'us-east-1': 'open', 'ap-southeast-2': 'closed' }, { findings: { 'us-east-1': ['anonymous-access'] } }));
    // Assess
    expect(o).toMatchObject({ status: 'open', reason: 'connected', findings: ['anonymous-access'], at: NOW });
  });
});

describe('agree: outage (expect open): not open only when the quorum says so', () => {
  it.each<[string, ProbeStatus, Record<string, ProbeStatus | null>, number | undefined, string]>([
    ['closed from one of three: still open', 'closed', { 'us-east-1': 'open', 'ap-southeast-2': 'open' }, undefined, 'open open=[ap-southeast-2,us-east-1] notOpen=[eu-west-1] unknown=[]'],
    ['closed from two of three: not open', 'closed', { 'us-east-1': 'filtered', 'ap-southeast-2': 'open' }, undefined, 'closed open=[ap-southeast-2] notOpen=[eu-west-1,us-east-1] unknown=[]'],
    ['this region open, two others closed: not open', 'open', { 'us-east-1': 'closed', 'ap-southeast-2': 'closed' }, undefined, 'closed open=[eu-west-1] notOpen=[ap-southeast-2,us-east-1] unknown=[]'],
    ['closed from two of three, quorum 3: open', 'closed', { 'us-east-1': 'closed', 'ap-southeast-2': 'open' }, 3, 'open open=[ap-southeast-2] notOpen=[eu-west-1,us-east-1] unknown=[]'],
    ['closed from one, quorum 1: not open', 'closed', { 'us-east-1': 'open', 'ap-southeast-2': 'open' }, 1, 'closed open=[ap-southeast-2,us-east-1] notOpen=[eu-west-1] unknown=[]'],
    ['closed here, nothing known elsewhere: undecided', 'closed', { 'us-east-1': null, 'ap-southeast-2': 'error' }, undefined, 'undecided open=[] notOpen=[eu-west-1] unknown=[ap-southeast-2,us-east-1]'],
  ])('%s', (_name, own, others, quorum, expected) => {
    // Act + Assess
    expect(verdict(input('open', own, others, quorum === undefined ? {} : { quorum }))).toBe(expected);
  });

  it('short of the quorum with no view open, the state stays as it was', () => {
    // Prepare
    const previous = { status: 'closed' as const, open: false, reason: 'ECONNREFUSED', findings: [], evidence: observation('closed').evidence };
    // Act
    const { observation: o } = agree({ ...input('open', 'closed', { 'us-east-1': null, 'ap-southeast-2': null }), previous });
    // Assess
    expect(o).toMatchObject({ status: 'closed', at: NOW });
  });
});

describe('agree: properties', () => {
  const statuses = fc.constantFrom<ProbeStatus>('open', 'closed', 'filtered', 'unreachable', 'error');
  const findings = fc.subarray<Finding>(['anonymous-access', 'self-signed-cert', 'legacy-tls']);
  const expects = fc.constantFrom<Expect | null>('open', 'closed', null);

  it('with one vantage point the combined observation IS the own observation', () => {
    fc.assert(
      fc.property(statuses, findings, expects, (status, f, expectation) => {
        // Prepare
        const own: Observation = observation(status, f, NOW);
        // Act
        const { observation: o, reach } = agree({ vantage: vantage('home', ['home'], 1), expect: expectation, own, views: new Map(), heartbeats: new Map(), nowMs: NOW_MS, tickMs: TICK_MS, previous: null });
        // Assess
        expect(o).toBe(own);
        expect(isPartial(reach)).toBe(false);
      }),
    );
  });

  it('exposure: open exactly when some counted look is open; outage: not open only with quorum counted looks not open', () => {
    const others = fc.record({ 'us-east-1': fc.option(statuses), 'ap-southeast-2': fc.option(statuses) });
    fc.assert(
      fc.property(statuses, others, expects, fc.integer({ min: 1, max: 3 }), fc.boolean(), (own, views, expectation, quorum, staleUs) => {
        // Act
        const i = input(expectation, own, views, { quorum, stale: staleUs ? ['us-east-1'] : [] });
        const { observation: o, reach } = agree(i);
        // Assess: the reach names every vantage point once
        expect([...reach.open, ...reach.notOpen, ...reach.unknown].sort()).toEqual(ALL);
        if (staleUs) expect(reach.unknown).toContain('us-east-1');
        if (expectation !== 'open' && reach.open.length > 0) expect(o?.status).toBe('open');
        if (expectation !== 'open' && reach.open.length === 0 && reach.notOpen.length > 0) expect(o?.status).not.toBe('open');
        if (expectation === 'open' && reach.notOpen.length >= quorum) expect(o?.status).not.toBe('open');
        if (expectation === 'open' && reach.notOpen.length < quorum && reach.open.length > 0) expect(o?.status).toBe('open');
        if (o !== null && o.status !== 'error') expect(o.at).toBe(NOW);
      }),
    );
  });
});

describe('heartbeatFresh', () => {
  it.each<[string, string | undefined, boolean]>([
    ['never seen', undefined, false],
    ['this tick', NOW, true],
    ['exactly three ticks old', new Date(NOW_MS - 3 * TICK_MS).toISOString(), true],
    ['older than three ticks', new Date(NOW_MS - 3 * TICK_MS - 1).toISOString(), false],
    ['unreadable', 'yesterday', false],
  ])('%s', (_name, heartbeat, fresh) => {
    expect(heartbeatFresh(heartbeat, NOW_MS, TICK_MS)).toBe(fresh);
  });
});

describe('currentReach: the reach as the stored views show it now (status, the local table)', () => {
  const recorded = { open: ['eu-west-1'], notOpen: [], unknown: ['ap-southeast-2', 'us-east-1'], partialSince: null };

  it('names a vantage point that reported after the state was written, and keeps a stopped one unknown', () => {
    // Prepare: the tick length comes from the newest heartbeat (10:10, the one before 10:09).
    const views = new Map(['ap-southeast-2', 'eu-west-1', 'us-east-1'].map((n) => [n, view(n, n === 'us-east-1' ? 'closed' : 'open')] as const));
    const heartbeats = new Map([
      ['eu-west-1', beat(NOW_MS, NOW_MS - TICK_MS)],
      ['us-east-1', beat(NOW_MS)],
      ['ap-southeast-2', beat(NOW_MS - (STALE_AFTER_TICKS + 1) * TICK_MS)],
    ]);
    // Act
    const reach = currentReach(recorded, views, heartbeats);
    // Assess: us-east-1 is known now (and not open: partial since its view); ap-southeast-2 stopped reporting.
    expect(reach).toEqual({ open: ['eu-west-1'], notOpen: ['us-east-1'], unknown: ['ap-southeast-2'], partialSince: '2026-11-24T10:00:00.000Z' });
  });

  it('without a tick to judge by (one heartbeat each), a vantage point with a heartbeat counts; an error view never does', () => {
    // Prepare
    const views = new Map([['eu-west-1', view('eu-west-1', 'open')], ['us-east-1', view('us-east-1', 'error')], ['ap-southeast-2', view('ap-southeast-2', 'open')]] as const);
    const heartbeats = new Map(['eu-west-1', 'us-east-1', 'ap-southeast-2'].map((n) => [n, beat(NOW_MS)] as const));
    // Act
    const reach = currentReach(recorded, views, heartbeats);
    // Assess
    expect(reach).toEqual({ open: ['ap-southeast-2', 'eu-west-1'], notOpen: [], unknown: ['us-east-1'], partialSince: null });
  });
});
