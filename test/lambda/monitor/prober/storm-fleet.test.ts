/** A fleet-wide change that is real: every target flips at once while SNS throttles; the storm guard holds, then releases each change exactly once. */
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import { DEFAULT_PROBER_CONFIG, ProberService, type ProbeFn, type WorkGroup } from '../../../../lambda/monitor/prober/service';
import { mapBounded } from '../../../../lambda/probe/limiter';
import type { ProbeStatus } from '../../../../lambda/probe/types';
import { freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';
import { FaultPlan, FaultyNotifier, prng } from '../../../helpers/faults';
import { probeResult, testProberConfig } from '../../../helpers/observations';
import { RecordingNotifier } from '../../../helpers/recording-notifier';
import { drawSkewMs, skewedClock } from '../../../helpers/skewed-clock';

/*
 * The fleet as the stack runs it: 25 targets per probe message, 5 messages per prober invocation,
 * up to 10 invocations at once, a tick every 5 minutes; state on dynalite; every prober on its own
 * clock, up to 30 s off; SNS (a stand-in) throttles a fifth of all publishes, the storm's own alert
 * included. PORTWATCH_STORM_TARGETS sets the fleet size: `npm test` runs 25 targets (one
 * message; a storm needs 20 known targets in a batch), `.ci/run` 2,000 and `npm run soak` 10,000.
 */

const TARGETS = Number(process.env.PORTWATCH_STORM_TARGETS ?? 25);
const PER_MESSAGE = 25;
const PER_INVOCATION = 5;
const INVOCATIONS_AT_ONCE = 10;
const TICK_MS = 5 * 60_000;
const THROTTLE_RATE = 0.2;
const { holdMs } = DEFAULT_PROBER_CONFIG.storm;

let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

describe(`alert storm of ${TARGETS.toLocaleString('en-US')} targets with SNS throttling`, () => {
  it('holds every change for the stated hold, raises one degraded alert, then alerts each change exactly once', async () => {
    // Prepare
    const tables = await freshTables(db);
    const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
    const random = prng(18);
    const plan = new FaultPlan(random, THROTTLE_RATE, ['throttle']);
    const notifier = new FaultyNotifier(plan);
    const names = Array.from({ length: TARGETS }, (_, i) => `fleet-${i}.example`);
    let world: ProbeStatus = 'closed';
    let clock = Date.parse('2026-11-24T10:00:00.000Z');
    const messages: WorkGroup[] = [];
    for (let i = 0; i < names.length; i += PER_MESSAGE) {
      messages.push({ id: `m${i / PER_MESSAGE}`, items: names.slice(i, i + PER_MESSAGE).map((target) => ({ target, expect: 'closed' })) });
    }
    const invocations: WorkGroup[][] = [];
    for (let i = 0; i < messages.length; i += PER_INVOCATION) invocations.push(messages.slice(i, i + PER_INVOCATION));
    const tick = async (): Promise<{ held: number; failed: number }> => {
      const reports = await mapBounded(invocations, INVOCATIONS_AT_ONCE, async (groups) => {
        const now = skewedClock(() => clock, drawSkewMs(plan, true));
        const probe: ProbeFn = async (spec) => probeResult(spec.target, world, [], now().toISOString());
        const prober = new ProberService({ store, notifier, probe, now, sleep: async () => {} }, testProberConfig({ concurrency: 64 }));
        return prober.run(groups.map((g) => ({ ...g, tick: new Date(clock).toISOString() })));
      });
      clock += TICK_MS;
      return { held: reports.reduce((n, r) => n + r.held, 0), failed: reports.reduce((n, r) => n + r.failedGroups.length, 0) };
    };
    await tick();
    const flippedAt = clock;
    world = 'open';

    // Act: ticks until every change is alerted, at most hold + 8 ticks.
    const heldPerTick: number[] = [];
    const opened = (): number => new Set(notifier.accepted.filter((a) => a.event === 'opened').map((a) => a.id)).size;
    for (let t = 0; t < holdMs / TICK_MS + 8 && opened() < TARGETS; t++) heldPerTick.push((await tick()).held);
    plan.enabled = false;
    await tick();

    // Assess: one degraded alert; every change held while the storm was younger than the hold.
    const degraded = notifier.accepted.filter((a) => a.event === 'degraded');
    expect(degraded).toHaveLength(1);
    const storm = await store.getScanner();
    expect(Date.parse(storm?.stormSince ?? '') - flippedAt).toBeLessThanOrEqual(60_000);
    expect(heldPerTick.slice(0, holdMs / TICK_MS)).toEqual(Array.from({ length: holdMs / TICK_MS }, () => TARGETS));
    // Released at the first tick past the hold (a prober whose clock is behind may wait one tick more).
    const openedAlerts = notifier.accepted.filter((a) => a.event === 'opened');
    const releasedAt = openedAlerts.map((a) => Date.parse(a.at));
    expect(Math.min(...releasedAt) - flippedAt).toBeGreaterThanOrEqual(holdMs - 60_000);
    expect(Math.max(...releasedAt) - flippedAt).toBeLessThanOrEqual(holdMs + TICK_MS + 30_000);
    // Each change alerted exactly once, none lost; nothing owed at the end.
    const perTarget = new Map<string, number>();
    for (const a of openedAlerts) perTarget.set(a.target, (perTarget.get(a.target) ?? 0) + 1);
    expect(perTarget.size).toBe(TARGETS);
    expect([...perTarget.values()].filter((n) => n !== 1)).toEqual([]);
    const owed: string[] = [];
    for await (const state of store.listStates()) if (state.outbox.length > 0 || !state.open) owed.push(state.target);
    expect(owed).toEqual([]);
    expect(plan.injected.get('sns throttle') ?? 0).toBeGreaterThan(TARGETS / 10);
  }, Math.max(60_000, TARGETS * 200));
});

describe('the storm alert refused by SNS', () => {
  it('bug: a refused degraded alert restarted the storm, so the held changes waited a whole hold longer than stated', async () => {
    // Prepare: 20 targets (the smallest batch that can storm) closed, then all open; SNS refuses the first publish (the degraded alert).
    const tables = await freshTables(db);
    const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
    const notifier = new RecordingNotifier();
    let world: ProbeStatus = 'closed';
    let clock = Date.parse('2026-11-24T10:00:00.000Z');
    const now = (): Date => new Date(clock);
    const probe: ProbeFn = async (spec) => probeResult(spec.target, world, [], now().toISOString());
    const items = Array.from({ length: 20 }, (_, i) => ({ target: `refused-${i}.example`, expect: 'closed' }));
    const tick = async () => {
      const report = await new ProberService({ store, notifier, probe, now, sleep: async () => {} }, testProberConfig()).run([{ id: 'm', items }]);
      clock += TICK_MS;
      return report;
    };
    await tick();
    const flippedAt = clock;
    world = 'open';
    notifier.failures = 1;
    // Act: the tick that sees the storm (its alert refused), then one tick per 5 minutes.
    const refused = await tick();
    const held = [refused.held];
    for (let t = 0; t < holdMs / TICK_MS; t++) held.push((await tick()).held);
    // Assess: the alert went out at the next batch; the changes were released when the hold, counted
    // from the first stormy batch, was over, not a hold after the alert finally went out.
    expect(refused.failedGroups).toEqual(['m']);
    expect(notifier.accepted.filter((a) => a.event === 'degraded')).toHaveLength(1);
    expect(held).toEqual([0, 20, 0]);
    expect(notifier.accepted.filter((a) => a.event === 'opened').map((a) => Date.parse(a.at) - flippedAt)).toEqual(Array.from({ length: 20 }, () => holdMs));
  });
});
