/**
 * Three vantage points on one store (dynalite): three ProberServices, each seeing the world through its
 * own network (a per-vantage set of blocked targets), every tick run by all three at once. The issue's
 * "done means": a broker blocked from one vantage point alerts PARTIAL (not CLOSED); an outage seen
 * from one of three does not alert; an exposure seen from one of three alerts OPEN at once.
 */
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import type { Alert } from '../../../../lambda/monitor/model';
import { DEFAULT_PROBER_CONFIG, ProberService, type ProbeFn, type ProberConfig, type RunReport } from '../../../../lambda/monitor/prober/service';
import { VantageStoreMissingError } from '../../../../lambda/monitor/prober/vantage-look';
import { vantageConfig } from '../../../../lambda/monitor/vantage-config';
import type { ProbeStatus } from '../../../../lambda/probe/types';
import { countRequests, freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';
import { probeResult, testProberConfig } from '../../../helpers/observations';
import { RecordingNotifier } from '../../../helpers/recording-notifier';

const VANTAGES = ['ap-southeast-2', 'eu-west-1', 'us-east-1'];
const TICK_MS = 5 * 60_000;

let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

/** The world: each target's truth, and what each vantage point's network cannot reach or sees open anyway. */
async function threeVantages(items: readonly Record<string, unknown>[], overrides: Partial<ProberConfig> = {}) {
  const store = new DynamoDbStateStore(db.client, { tableName: (await freshTables(db)).state });
  const notifier = new RecordingNotifier();
  const truth = new Map<string, ProbeStatus>();
  const seenAs = new Map<string, Map<string, ProbeStatus>>(VANTAGES.map((v) => [v, new Map()]));
  let clock = Date.parse('2026-11-24T10:00:00.000Z');
  const now = (): Date => new Date(clock);
  const probers = VANTAGES.map((name) => {
    const config = vantageConfig(name, VANTAGES, null, { name: 'VANTAGE', all: 'VANTAGES', quorum: 'VANTAGE_QUORUM' });
    if (!config.ok) throw new Error(config.error.reason);
    const probe: ProbeFn = async (spec) => probeResult(spec.target, seenAs.get(name)?.get(spec.target) ?? truth.get(spec.target) ?? 'closed', [], now().toISOString());
    return new ProberService({ store, notifier, probe, now, sleep: async () => {} }, testProberConfig({ vantage: config.value, cadence: { tickMs: TICK_MS, postureEveryMs: TICK_MS }, ...overrides }));
  });
  const tick = async (): Promise<RunReport[]> => {
    const tickAt = new Date(clock).toISOString();
    const reports = await Promise.all(probers.map((p) => p.run([{ id: 'm', items, tick: tickAt }])));
    for (const r of reports) expect(r.failedGroups).toEqual([]);
    clock += TICK_MS;
    return reports;
  };
  const alerts = (target: string): string[] => notifier.accepted.filter((a) => a.target === target).map((a) => `${a.event}/${a.severity}`);
  const see = (vantage: string, target: string, status: ProbeStatus | null): void => {
    if (status === null) seenAs.get(vantage)?.delete(target);
    else seenAs.get(vantage)?.set(target, status);
  };
  return { store, notifier, truth, tick, alerts, see };
}

function uniqueIds(alerts: readonly Alert[]): void {
  expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
}

describe('three vantage points, one store', () => {
  it('a broker blocked from one vantage point alerts PARTIAL (not CLOSED) once it stood a tick, then REACHABLE when it heals', async () => {
    // Prepare
    const w = await threeVantages([{ target: 'blocked.example', expect: 'open' }]);
    w.truth.set('blocked.example', 'open');
    await w.tick();
    await w.tick();
    // Act
    w.see('us-east-1', 'blocked.example', 'filtered');
    const blocked = await w.tick();
    await w.tick();
    await w.tick();
    const state = await w.store.getState('blocked.example');
    w.see('us-east-1', 'blocked.example', null);
    await w.tick();
    // Assess
    expect(w.alerts('blocked.example')).toEqual(['partial/warning', 'reachable/info']);
    // Only the blocked vantage point's view changed.
    expect(blocked.map((r) => r.viewsWritten)).toEqual([0, 0, 1]);
    expect(state).toMatchObject({ status: 'open', open: true, reach: { open: ['ap-southeast-2', 'eu-west-1'], notOpen: ['us-east-1'], unknown: [] } });
    const partial = w.notifier.accepted.find((a) => a.event === 'partial');
    expect(partial?.reach).toMatchObject({ open: ['ap-southeast-2', 'eu-west-1'], notOpen: ['us-east-1'] });
    expect((await w.store.getState('blocked.example'))?.reach).toEqual({ open: VANTAGES, notOpen: [], unknown: [], partialSince: null });
    uniqueIds(w.notifier.accepted);
  });

  it('an outage two vantage points see in the same tick is believed in that tick: each stores its view before it reads the others', async () => {
    // Prepare
    const w = await threeVantages([{ target: 'together.example', expect: 'open' }]);
    w.truth.set('together.example', 'open');
    await w.tick();
    await w.tick();
    // Act: the three run at once; two of them now see it closed.
    w.see('eu-west-1', 'together.example', 'closed');
    w.see('ap-southeast-2', 'together.example', 'closed');
    await w.tick();
    // Assess: CLOSED in the tick the quorum saw it (not a partial first, not a tick later), once.
    expect(w.alerts('together.example')).toEqual(['closed/critical']);
    await w.tick();
    expect(w.alerts('together.example')).toEqual(['closed/critical']);
  });

  it('an outage seen from one of three does not alert as an outage; seen from two (the quorum) it does, once', async () => {
    // Prepare
    const w = await threeVantages([{ target: 'outage.example', expect: 'open' }]);
    w.truth.set('outage.example', 'open');
    await w.tick();
    await w.tick();
    // Act
    w.see('eu-west-1', 'outage.example', 'closed');
    await w.tick();
    const afterOne = w.alerts('outage.example').filter((a) => a.startsWith('closed'));
    w.see('ap-southeast-2', 'outage.example', 'closed');
    await w.tick();
    await w.tick();
    // Assess
    expect(afterOne).toEqual([]);
    expect(w.alerts('outage.example').filter((a) => a.startsWith('closed'))).toEqual(['closed/critical']);
    expect(w.notifier.accepted.find((a) => a.event === 'closed')?.reach).toMatchObject({ open: ['us-east-1'], notOpen: ['ap-southeast-2', 'eu-west-1'] });
    uniqueIds(w.notifier.accepted);
  });

  it('an exposure seen from one of three alerts OPEN at once, naming where, and never PARTIAL', async () => {
    // Prepare
    const w = await threeVantages([{ target: 'exposed.example', expect: 'closed' }]);
    w.truth.set('exposed.example', 'closed');
    await w.tick();
    await w.tick();
    // Act
    w.see('ap-southeast-2', 'exposed.example', 'open');
    await w.tick();
    const atOnce = w.alerts('exposed.example');
    await w.tick();
    await w.tick();
    // Assess
    expect(atOnce).toEqual(['opened/critical']);
    expect(w.alerts('exposed.example')).toEqual(['opened/critical']);
    expect(w.notifier.accepted[0]?.reach).toMatchObject({ open: ['ap-southeast-2'], notOpen: ['eu-west-1', 'us-east-1'] });
    uniqueIds(w.notifier.accepted);
  });

  it('a quiet tick writes one heartbeat per vantage point and nothing else; reads are one batch each of states, views and heartbeats per prober (no Query: the grant of the prober has none)', async () => {
    // Prepare
    const w = await threeVantages([{ target: 'q1.example', expect: 'closed' }, { target: 'q2.example', expect: 'open' }]);
    w.truth.set('q1.example', 'closed');
    w.truth.set('q2.example', 'open');
    await w.tick();
    await w.tick();
    const requests = countRequests(db.client);
    // Act
    const reports = await w.tick();
    // Assess
    expect(reports.map((r) => r.viewsWritten)).toEqual([0, 0, 0]);
    expect(requests.snapshot()).toEqual({ BatchGetItemCommand: 9, GetItemCommand: 3, PutItemCommand: 3 });
  });

  it("a vantage point whose own network broke is held by the storm gate and named in its degraded alert; the others' verdict stands", async () => {
    // Prepare
    // A storm of 6 targets (the deployed gate needs 20): the rule is the same, the test cheaper.
    const names = Array.from({ length: 6 }, (_, i) => `fleet-${i}.example`);
    const w = await threeVantages(names.map((target) => ({ target, expect: 'open' })), { storm: { ...DEFAULT_PROBER_CONFIG.storm, minTargets: 6 } });
    for (const n of names) w.truth.set(n, 'open');
    await w.tick();
    await w.tick();
    // Act
    for (const n of names) w.see('eu-west-1', n, 'filtered');
    await w.tick();
    await w.tick();
    // Assess
    const degraded = w.notifier.accepted.filter((a) => a.event === 'degraded');
    expect(degraded.map((a) => a.labels.vantage)).toEqual(['eu-west-1']);
    expect(degraded[0]?.reason).toMatch(/^eu-west-1 sees \d+ of \d+ targets change open\/closed at once; its views are held \(the other vantage points decide\)/);
    expect(w.notifier.accepted.filter((a) => a.event !== 'degraded')).toEqual([]);
    // Not even a partial reach: the broken vantage point's looks were not believed.
    expect((await w.store.getState('fleet-0.example'))?.reach?.notOpen).toEqual([]);
  });

  it('refuses a store that keeps no views, naming what is missing', () => {
    // Prepare
    const config = vantageConfig('a', ['a', 'b'], null, { name: 'VANTAGE', all: 'VANTAGES', quorum: 'VANTAGE_QUORUM' });
    if (!config.ok) throw new Error(config.error.reason);
    const unused = (): never => {
      throw new Error('unused');
    };
    const store = { getStates: unused, getState: unused, putState: unused, putEvent: unused, listStates: unused, history: unused, getScanner: unused, putScanner: unused };
    // Act + Assess
    expect(() => new ProberService({ store, notifier: new RecordingNotifier(), probe: unused, now: () => new Date(), sleep: unused }, testProberConfig({ vantage: config.value }))).toThrow(VantageStoreMissingError);
  });
});
