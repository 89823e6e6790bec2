import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../lambda/adapters/aws/dynamodb-target-digests';
import { DynamoDbTargets } from '../../lambda/adapters/operator/dynamodb-targets';
import { digestOf, sameDigest } from '../../lambda/monitor/digest';
import { parseDigest } from '../../lambda/monitor/digest-field';
import { ensureTables, startEmbeddedDynamoDb } from '../../lambda/adapters/local/embedded-dynamodb';
import type { ProbeStatus } from '../../lambda/probe/types';
import { DEFAULT_PROBER_CONFIG, ProberService, type ProbeFn, type WorkGroup } from '../../lambda/monitor/prober/service';
import { eventItemId } from '../../lambda/monitor/state';
import { FaultPlan, FaultyNotifier, injectDynamoDbFaults, prng } from './faults';
import { probeResult } from './observations';

/*
 * The seeded fault-injection campaign run by test/lambda/monitor/prober/service.faults-{1,2}.test.ts: ticks with real transitions, overlapping probers and duplicate
 * deliveries, while every DynamoDB call may be throttled, fail with a 5xx, time out, or succeed with
 * its answer lost, and every SNS publish may fail the same ways. State lives on dynalite; the SNS
 * stand-in counts what SNS would have accepted.
 */

const FAULT_RATE = 0.12;

export interface Totals {
  scenarios: number;
  ticks: number;
  proberRuns: number;
  transitions: number;
  events: number;
  alertsExpected: number;
  alertsDelivered: number;
  duplicates: number;
  unavoidableDuplicates: number;
  lost: number;
  /** Looks settled by a digest (no state read), and connect-only looks at open brokers. */
  digestHits: number;
  connectOnly: number;
  /** Scenarios run in the fast lane (every: 10s): looks 10 s apart, counted by the lane's period. */
  fastLane: number;
  faults: Map<string, number>;
}

interface Clients {
  readonly clean: DynamoDBClient;
  /** SDK retries off: every injected fault reaches portwatch's own recovery paths. */
  readonly faulty: DynamoDBClient;
  readonly plan: { current: FaultPlan };
}

async function runScenario(seed: number, clients: Clients, table: string, totals: Totals): Promise<string[]> {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const plan = new FaultPlan(random, FAULT_RATE);
  clients.plan.current = plan;
  const faultyClient = clients.faulty;
  const client = clients.clean;
  const store = new DynamoDbStateStore(faultyClient, { tableName: table });
  const cleanStore = new DynamoDbStateStore(client, { tableName: table });
  const notifier = new FaultyNotifier(plan);
  let clock = Date.parse('2026-11-24T10:00:00.000Z');
  const now = (): Date => new Date(clock);

  const targets = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => ({
    target: `s${seed}-t${i}.example`,
    expect: pick(['closed', 'open', null] as const),
  }));
  const world = new Map<string, ProbeStatus>(targets.map((t) => [t.target, pick(['open', 'closed', 'filtered'] as const)]));
  // Half the scenarios run as a 1-minute deployment does: digests on the Targets items (written
  // through the faulty client too) and deep looks at open brokers every 5th tick only.
  const withDigests = random() < 0.5;
  // A third of those in the fast lane (lane.ts), chosen by seed so the other scenarios draw as before.
  const fastLane = withDigests && seed % 3 === 0;
  if (fastLane) totals.fastLane++;
  const repo = new DynamoDbTargets(client, `${table}-targets`);
  const digests = withDigests ? new DynamoDbTargetDigests(faultyClient, `${table}-targets`) : undefined;
  const probe: ProbeFn = async (spec) => {
    const truth = world.get(spec.target) ?? 'closed';
    // Now and then a single probe loses its SYN: the confirmation re-probe must absorb it.
    const seen: ProbeStatus = plan.enabled && truth === 'open' && random() < 0.05 ? 'filtered' : truth;
    // The broker's posture never changes: a connect-only look that lost it would show as a posture event.
    return probeResult(spec.target, seen, seen === 'open' && spec.depth !== 'tcp' ? ['self-signed-cert'] : [], now().toISOString());
  };
  const prober = () =>
    new ProberService(
      { store, notifier, probe, now, sleep: async () => {}, ...(digests ? { digests } : {}) },
      {
        defaultPort: 8883,
        probeOptions: { timeoutMs: 100, certExpiringDays: 14 },
        concurrency: 4,
        confirmAttempts: 2,
        confirmDelayMs: 0,
        alertLeaseMs: 60_000,
        storm: DEFAULT_PROBER_CONFIG.storm,
        cadence: withDigests ? { tickMs: 60_000, postureEveryMs: 300_000 } : null,
      },
    );
  const configured = targets.map((t) => ({ target: t.target, ...(t.expect ? { expect: t.expect } : {}), ...(fastLane ? { every: '10s' } : {}) }));
  if (withDigests) await repo.batchPut(configured);
  // What the dispatcher would send: the Targets items as they are now, digests included.
  const groups = async (): Promise<WorkGroup[]> => {
    const items = withDigests ? (await Promise.all(targets.map((t) => repo.get(t.target)))).filter((i) => i !== null) : configured;
    return [{ id: 'm', items, tick: now().toISOString(), ...(fastLane ? { everyMs: 10_000 } : {}) }];
  };
  const tickMs = fastLane ? 10_000 : withDigests ? 60_000 : 300_000;

  const ticks = 4 + Math.floor(random() * 4);
  for (let tick = 0; tick < ticks; tick++) {
    if (tick > 0 && random() < 0.5) {
      const t = pick(targets).target;
      world.set(t, world.get(t) === 'open' ? pick(['closed', 'filtered'] as const) : 'open');
    }
    // Overlapping ticks and duplicate SQS deliveries: the same targets probed by 1-3 probers at once.
    const runs = 1 + (random() < 0.35 ? 1 : 0) + (random() < 0.1 ? 1 : 0);
    totals.proberRuns += runs;
    const delivered = await groups();
    const reports = await Promise.all(Array.from({ length: runs }, () => prober().run(delivered)));
    // A failed record comes back once more before the next tick, as SQS would redeliver it.
    if (reports.some((r) => r.failedGroups.length > 0)) await prober().run(delivered);
    for (const r of reports) {
      totals.digestHits += r.digestHits;
      totals.connectOnly += r.connectOnly;
    }
    clock += tickMs;
    totals.ticks++;
  }
  // The faults stop; two more ticks (past the alert lease) must leave nothing pending.
  plan.enabled = false;
  for (let i = 0; i < 2; i++) {
    await prober().run(await groups());
    clock += 5 * 60_000;
  }

  const problems: string[] = [];
  const acceptedIds = notifier.accepted.map((a) => a.id);
  const eventIds = new Set<string>();
  for (const { target } of targets) {
    const history = (await cleanStore.history(target, 1000)).reverse();
    const state = await cleanStore.getState(target);
    totals.events += history.length;
    totals.transitions += history.filter((e) => e.kind === 'transition').length;
    // Collected before the state checks below, which may skip the rest of this target.
    for (const e of history) if (e.alerted) eventIds.add(eventItemId(target, e.version));
    history.forEach((e, i) => {
      const before = history[i - 1];
      if (before && e.from !== before.to) problems.push(`${target}: event v${e.version} from ${e.from} does not follow ${before.to}`);
      if (before && e.version <= before.version) problems.push(`${target}: versions out of order`);
    });
    if (history[0]?.kind !== 'baseline') problems.push(`${target}: history does not start with a baseline`);
    if (!state) {
      problems.push(`${target}: no state`);
      continue;
    }
    if (state.outbox.length > 0) problems.push(`${target}: ${state.outbox.length} outbox entries left`);
    const posture = history.filter((e) => e.kind === 'posture').length;
    if (posture > 0) problems.push(`${target}: ${posture} posture events, but the broker's findings never changed`);
    if (withDigests) {
      // A digest on the item, if any, must describe exactly the state: a stale one could hide a change.
      const expect = targets.find((t) => t.target === target)?.expect ?? null;
      const digest = parseDigest((await repo.get(target))?.digest);
      if (digest !== null && !sameDigest(digest, digestOf(state, { expect, remindEveryMs: null }))) {
        problems.push(`${target}: digest v${digest.v} ${digest.s} does not describe state v${state.version} ${state.status}`);
      }
    }
    const last = history[history.length - 1];
    if (!last || last.to !== state.status) problems.push(`${target}: state ${state.status} but last event ${last?.to}`);
    if (state.open !== (world.get(target) === 'open')) problems.push(`${target}: state open=${state.open} but world ${world.get(target)}`);
    for (const e of history.filter((x) => x.alerted)) {
      totals.alertsExpected++;
      const id = eventItemId(target, e.version);
      const n = acceptedIds.filter((x) => x === id).length;
      if (n === 0) {
        totals.lost++;
        problems.push(`${target}: alert ${id} never delivered`);
      }
      if (n > 1) {
        if (notifier.acceptedButLost.has(id)) totals.unavoidableDuplicates += n - 1;
        else {
          totals.duplicates += n - 1;
          problems.push(`${target}: alert ${id} delivered ${n} times`);
        }
      }
    }
  }
  for (const id of acceptedIds) if (!eventIds.has(id)) problems.push(`alert ${id} delivered without a recorded event`);
  totals.alertsDelivered += acceptedIds.length;
  for (const [k, v] of plan.injected) totals.faults.set(k, (totals.faults.get(k) ?? 0) + v);
  return problems;
}

export interface CampaignResult {
  readonly totals: Totals;
  readonly failures: readonly string[];
}

/** Runs seeds [firstSeed, firstSeed + count) on one dynalite; each scenario on its own targets. */
export async function runCampaign(firstSeed: number, count: number): Promise<CampaignResult> {
  const db = await startEmbeddedDynamoDb();
  try {

    const table = `faults-${process.pid}-${firstSeed}`;
    await ensureTables(db.client, { targets: `${table}-targets`, state: table });
    const totals: Totals = { scenarios: 0, ticks: 0, proberRuns: 0, transitions: 0, events: 0, alertsExpected: 0, alertsDelivered: 0, duplicates: 0, unavoidableDuplicates: 0, lost: 0, digestHits: 0, connectOnly: 0, fastLane: 0, faults: new Map() };
    const failures: string[] = [];
    const faulty = new DynamoDBClient({ endpoint: db.endpoint, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const clients: Clients = { clean: db.client, faulty, plan: { current: new FaultPlan(() => 1, 0) } };
    injectDynamoDbFaults(faulty, clients.plan);

    for (let seed = firstSeed; seed < firstSeed + count; seed++) {
      const problems = await runScenario(seed, clients, table, totals);
      totals.scenarios++;
      if (problems.length > 0) failures.push(`seed ${seed}: ${problems.join('; ')}`);
    }
    faulty.destroy();
    return { totals, failures };
  } finally {
    await db.close();
  }
}

/**
 * One half of the campaign as a jest suite: two files so jest runs the halves on both cores.
 * PORTWATCH_SCENARIOS sets the total, PORTWATCH_SEED the first seed. `npm test` runs 120 scenarios
 * (about 12 s a half), which keeps the whole suite within two minutes on two cores; `.ci/run` runs
 * 1,000 after it and `npm run soak` 20,000.
 */
export function describeCampaignPart(part: 1 | 2): void {
  const total = Number(process.env.PORTWATCH_SCENARIOS ?? 120);
  const half = Math.ceil(total / 2);
  const first = Number(process.env.PORTWATCH_SEED ?? 1) + (part === 1 ? 0 : half);
  const count = part === 1 ? half : total - half;
  describe(`fault-injection campaign (seeded), part ${part}`, () => {
    it(`${count} scenarios: every transition recorded once and alerted exactly once`, async () => {
      // Act
      const { totals, failures } = await runCampaign(first, count);
      // Assess
      if (process.env.PORTWATCH_FUZZ_REPORT === '1') {
        console.log(JSON.stringify({ part, firstSeed: first, ...totals, faults: Object.fromEntries([...totals.faults].sort()) }, null, 1));
      }
      expect(failures.slice(0, 5)).toEqual([]);
      expect(totals.duplicates).toBe(0);
      expect(totals.lost).toBe(0);
      expect(totals.transitions).toBeGreaterThan(count / 2);
      // The digest and cadence paths were exercised, not merely configured.
      expect(totals.digestHits).toBeGreaterThan(count / 2);
      expect(totals.connectOnly).toBeGreaterThan(count / 10);
      expect(totals.fastLane).toBeGreaterThan(count / 20);
      expect([...totals.faults.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(count);
    }, 900_000);
  });
}
