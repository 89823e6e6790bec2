/** The seeded fault-injection campaign over the prober service on dynalite: scenarios, their faults, and the report. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbStateStore } from '../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../lambda/adapters/aws/dynamodb-target-digests';
import { toPlain } from '../../lambda/adapters/aws/dynamodb-target-source';
import { DynamoDbTargets } from '../../lambda/adapters/operator/dynamodb-targets';
import { ensureTables, startEmbeddedDynamoDb } from '../../lambda/adapters/local/embedded-dynamodb';
import { TARGETS_TABLE } from '../../lambda/contracts/tables';
import type { ProbeStatus } from '../../lambda/probe/types';
import { DEFAULT_PROBER_CONFIG, ProberService, type ProbeFn, type ProberConfig, type ProberDeps, type RunReport, type WorkGroup } from '../../lambda/monitor/prober/service';
import { majority } from '../../lambda/monitor/vantage-config';
import { checkScenario, emptyTotals, type Totals } from './campaign-checks';
import { FaultPlan, FaultyNotifier, injectDynamoDbFaults, prng } from './faults';
import { KilledInvocation } from './killed-invocation';
import { probeResult } from './observations';
import { drawSkewMs, skewedClock } from './skewed-clock';
import { StaleReads } from './stale-reads';

/*
 * The campaign run by test/lambda/monitor/prober/service.faults-{1,2}.test.ts: ticks with real
 * transitions, overlapping probers and duplicate deliveries, while every DynamoDB call may be
 * throttled, fail with a 5xx, time out, or succeed with its answer lost, and every SNS publish may
 * fail the same ways. On top, each scenario draws knobs (SCENARIO_KNOBS): digests and the posture
 * cadence, eventually consistent reads that return an item's previous version (stale-reads.ts),
 * probers whose clocks differ by up to 30 s either way (skewed-clock.ts), invocations killed at any
 * step and redelivered after the visibility timeout while another prober works on the same targets
 * (killed-invocation.ts), maintenance windows and reminders. State lives on dynalite; the SNS
 * stand-in counts what SNS would have accepted; campaign-checks.ts judges each scenario.
 */

const FAULT_RATE = 0.12;
/** Share of reads of a recently replaced item that return its previous version (scenarios with stale reads). */
const STALE_READ_RATE = 0.3;
/** Share of ticks, in scenarios with deadlines, where one prober invocation dies. */
const DEADLINE_RATE = 0.3;
/** A dying invocation dies at one of its first this-many outside calls, each as likely. */
const DEADLINE_STEPS = 14;
/** The probe queue's visibility timeout with the stack's default prober timeout (60 s x 6, lib/infra/constructs/probe-fan-out.ts). */
const VISIBILITY_TIMEOUT_MS = 6 * 60_000;
/** The probe queue's maxReceiveCount: a message received this often goes to the DLQ. */
const MAX_RECEIVES = 3;
/** The vantage points of a campaign scenario that has several (an outage needs a majority: 2 of 3). */
const VANTAGES = ['va', 'vb', 'vc'];
/**
 * Every this-many seeds one scenario runs three vantage points. Such a scenario costs about three
 * times a plain one (three probers per tick), so `npm test` runs 5 of its 80; PORTWATCH_SCENARIOS
 * scales them with the rest, and PORTWATCH_VANTAGE_EVERY=1 runs every scenario with three.
 */
const VANTAGE_EVERY = Number(process.env.PORTWATCH_VANTAGE_EVERY ?? 16);

/**
 * What a scenario can vary, each with the share of scenarios that have it, drawn in this order from
 * the scenario's seed. A new dimension is one entry here and one `knobs.<name>` where it applies.
 */
export const SCENARIO_KNOBS = {
  /** Digests on the Targets items and deep looks at open brokers every 5th 1-minute tick only. */
  digests: 0.5,
  staleReads: 0.5,
  clockSkew: 0.5,
  deadlines: 0.4,
  windows: 0.3,
  reminders: 0.3,
} as const;
export type Knobs = Record<keyof typeof SCENARIO_KNOBS, boolean>;

function drawKnobs(random: () => number): Knobs {
  return Object.fromEntries(Object.entries(SCENARIO_KNOBS).map(([name, share]) => [name, random() < share])) as Knobs;
}

interface Clients {
  readonly clean: DynamoDBClient;
  /** SDK retries off: every injected fault reaches portwatch's own recovery paths. */
  readonly faulty: DynamoDBClient;
  /** The dispatcher's reads of the Targets table: eventually consistent, as its Scan is. */
  readonly dispatcher: DynamoDBDocumentClient;
  readonly plan: { current: FaultPlan };
  readonly stale: StaleReads;
}

/** A probe message waiting for its visibility timeout after the invocation that held it died. */
interface Redelivery {
  /** The vantage point whose queue held the message; null with one. */
  readonly vantage: string | null;
  readonly groups: WorkGroup[];
  readonly dueMs: number;
  readonly receives: number;
}

async function runScenario(seed: number, clients: Clients, table: string, totals: Totals): Promise<string[]> {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const plan = new FaultPlan(random, FAULT_RATE);
  clients.plan.current = plan;
  const knobs = drawKnobs(random);
  const store = new DynamoDbStateStore(clients.faulty, { tableName: table });
  const notifier = new FaultyNotifier(plan);
  const start = Date.parse('2026-11-24T10:00:00.000Z');
  let clock = start;
  // A third of the digest scenarios in the fast lane (lane.ts), chosen by seed so the others draw as before.
  const fastLane = knobs.digests && seed % 3 === 0;
  if (fastLane) totals.fastLane++;
  const tickMs = fastLane ? 10_000 : knobs.digests ? 60_000 : 300_000;
  clients.stale.reset(knobs.staleReads ? { plan, nowMs: () => clock, rate: STALE_READ_RATE, windowMs: tickMs } : null);

  const targets = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => {
    const remind = knobs.reminders && random() < 0.7 ? pick([['2m', 120_000], ['5m', 300_000]] as const) : null;
    // Windows that begin or end while the scenario runs: a recurring one (10:00-10:03, 10:10-10:13, ...) or a mute.
    const window = knobs.windows && random() < 0.7 ? pick([{ maintenance: { cron: '*/10 * * * *', tz: 'UTC', for: '3m' } }, { muteUntil: new Date(start + pick([90, 150, 240, 420]) * 1000).toISOString() }]) : {};
    return {
      target: `s${seed}-t${i}.example`,
      expect: pick(['closed', 'open', null] as const),
      remindEveryMs: remind?.[1] ?? null,
      windowed: Object.keys(window).length > 0,
      item: { ...(remind ? { remindEvery: remind[0] } : {}), ...window },
    };
  });
  const world = new Map<string, ProbeStatus>(targets.map((t) => [t.target, pick(['open', 'closed', 'filtered'] as const)]));
  // One scenario in sixteen (chosen by seed, so the others draw as before) runs three vantage points
  // on the one store, each seeing the world through its own network: a per-vantage view that may
  // differ from the truth (a block, or a path open from there only).
  // Named per scenario: heartbeats are table-wide, and every scenario's clock starts at 10:00 again.
  const vantages = seed % VANTAGE_EVERY === 1 % VANTAGE_EVERY ? VANTAGES.map((v) => `${v}${seed}`) : null;
  if (vantages) totals.vantageScenarios++;
  const differs = new Map<string, Map<string, ProbeStatus>>((vantages ?? []).map((v) => [v, new Map()]));
  const seenFrom = (vantage: string | null, target: string): ProbeStatus => (vantage === null ? undefined : differs.get(vantage)?.get(target)) ?? world.get(target) ?? 'closed';
  const repo = new DynamoDbTargets(clients.clean, `${table}-targets`);
  const digests = knobs.digests ? new DynamoDbTargetDigests(clients.faulty, `${table}-targets`) : undefined;
  const baseTimeOf = new Map<string, number>();
  const probeAt = (now: () => Date, vantage: string | null): ProbeFn => async (spec) => {
    const truth = seenFrom(vantage, spec.target);
    // Now and then a single probe loses its SYN: the confirmation re-probe must absorb it.
    const seen: ProbeStatus = plan.enabled && truth === 'open' && random() < 0.05 ? 'filtered' : truth;
    const at = now().toISOString();
    baseTimeOf.set(at, clock);
    // The broker's posture never changes: a connect-only look that lost it would show as a posture event.
    return probeResult(spec.target, seen, seen === 'open' && spec.depth !== 'tcp' ? ['self-signed-cert'] : [], at);
  };
  const config = (vantage: string | null): ProberConfig => ({
    ...(vantage && vantages ? { vantage: { name: vantage, all: vantages, quorum: majority(vantages.length) } } : {}),
    defaultPort: 8883,
    probeOptions: { timeoutMs: 100, certExpiringDays: 14 },
    concurrency: 4,
    confirmAttempts: 2,
    confirmDelayMs: 0,
    alertLeaseMs: 60_000,
    storm: DEFAULT_PROBER_CONFIG.storm,
    cadence: knobs.digests ? { tickMs: 60_000, postureEveryMs: 300_000 } : null,
  });
  const configured = targets.map((t) => ({ target: t.target, ...(t.expect ? { expect: t.expect } : {}), ...t.item, ...(fastLane ? { every: '10s' } : {}) }));
  if (knobs.digests) await repo.batchPut(configured);
  // What the dispatcher would send: the Targets items as its (eventually consistent) read sees them, digests included.
  const groups = async (): Promise<WorkGroup[]> => {
    let items: readonly Record<string, unknown>[] = configured;
    if (knobs.digests) {
      const name = `${table}-targets`;
      const out = await clients.dispatcher.send(new BatchGetCommand({ RequestItems: { [name]: { Keys: targets.map((t) => ({ [TARGETS_TABLE.partitionKey]: t.target })) } } }));
      items = (out.Responses?.[name] ?? []).map(toPlain);
    }
    return [{ id: 'm', items, tick: new Date(clock).toISOString(), ...(fastLane ? { everyMs: 10_000 } : {}) }];
  };

  const queue: Redelivery[] = [];
  /** One prober invocation on its own clock; null when it died (its message then waits for the visibility timeout). */
  const invoke = async (vantage: string | null, delivered: WorkGroup[], receives: number, mayDie: boolean): Promise<RunReport | null> => {
    totals.proberRuns++;
    const now = skewedClock(() => clock, drawSkewMs(plan, knobs.clockSkew));
    // Overlapping invocations do not start in the same instant: a later one may read what an earlier one wrote.
    for (let turns = Math.floor(random() * 40); turns > 0; turns--) await new Promise((resolve) => setImmediate(resolve));
    const deps: ProberDeps = { store, notifier, probe: probeAt(now, vantage), now, sleep: async () => {}, ...(digests ? { digests } : {}) };
    if (!mayDie) return new ProberService(deps, config(vantage)).run(delivered);
    const invocation = new KilledInvocation(plan, Math.floor(random() * DEADLINE_STEPS));
    const outcome = await Promise.race([new ProberService(invocation.wrap(deps, (id) => notifier.acceptedButLost.add(id)), config(vantage)).run(delivered), invocation.died]);
    if (outcome !== 'killed') return outcome;
    if (receives < MAX_RECEIVES) queue.push({ vantage, groups: delivered, dueMs: clock + VISIBILITY_TIMEOUT_MS, receives: receives + 1 });
    return null;
  };
  const tick = async (extraRuns: number): Promise<void> => {
    const delivered = await groups();
    const dying = knobs.deadlines && plan.chance(DEADLINE_RATE);
    // Overlapping ticks and duplicate SQS deliveries: the same targets probed by 1-3 probers at once;
    // an invocation that dies always has a sibling working on the same targets.
    const runs = Math.max(dying ? 2 : 1, 1 + extraRuns);
    const due = queue.filter((r) => r.dueMs <= clock);
    queue.splice(0, queue.length, ...queue.filter((r) => r.dueMs > clock));
    // Every vantage point's queue gets the tick's work; the first one's probers overlap and die as before.
    const reports = await Promise.all([
      ...(vantages ?? [null]).flatMap((v, n) => Array.from({ length: n === 0 ? runs : 1 }, (_, i) => invoke(v, delivered, 1, n === 0 && dying && i === 0))),
      // Messages whose invocation died come back after the visibility timeout, beside this tick's probers.
      ...due.map((r) => invoke(r.vantage, r.groups, r.receives, knobs.deadlines && plan.chance(DEADLINE_RATE))),
    ]);
    // A failed record comes back once more before the next tick, as SQS would redeliver it.
    if (reports.some((r) => r !== null && r.failedGroups.length > 0)) await Promise.all((vantages ?? [null]).map((v) => invoke(v, delivered, 2, false)));
    for (const r of reports) {
      totals.digestHits += r?.digestHits ?? 0;
      totals.connectOnly += r?.connectOnly ?? 0;
    }
  };

  const ticks = 4 + Math.floor(random() * 4);
  for (let i = 0; i < ticks; i++) {
    if (i > 0 && random() < 0.5) {
      const t = pick(targets).target;
      world.set(t, world.get(t) === 'open' ? pick(['closed', 'filtered'] as const) : 'open');
    }
    if (vantages && random() < 0.5) {
      // One vantage point's network starts or stops seeing one target differently from the truth.
      const seen = differs.get(pick(vantages)) as Map<string, ProbeStatus>;
      const t = pick(targets).target;
      if (seen.has(t)) seen.delete(t);
      else seen.set(t, world.get(t) === 'open' ? 'filtered' : 'open');
    }
    await tick((random() < 0.35 ? 1 : 0) + (random() < 0.1 ? 1 : 0));
    clock += tickMs;
    totals.ticks++;
  }
  // The faults stop (clocks stay skewed); two more ticks, past the alert lease and the visibility
  // timeout of any message whose invocation died, must leave nothing pending. Three vantage points get
  // four: each decides from the others' views as they were stored, so after a run of faults the last
  // change can take a third quiet tick to be agreed (measured: with two, about 1 in 500 three-vantage
  // scenarios ended one recovery short; with four, none in 960). Pending alerts and duplicates are
  // checked the same either way.
  plan.enabled = false;
  for (let i = 0; i < (vantages ? 4 : 2); i++) {
    await tick(0);
    clock = Math.max(clock + 5 * 60_000, ...queue.map((r) => r.dueMs));
  }
  if (queue.length > 0) await tick(0);

  // With vantage points the state must end where the agreement rules put it from the looks of the last
  // tick: open when any vantage point sees it open (exposure), or, with `expect: open`, unless the quorum does not.
  const combinedOpen = vantages
    ? new Map(targets.map((t) => {
        const open = vantages.filter((v) => seenFrom(v, t.target) === 'open').length;
        return [t.target, t.expect === 'open' ? vantages.length - open < majority(vantages.length) : open > 0] as const;
      }))
    : null;
  const problems = await checkScenario({ targets, world, ...(combinedOpen && vantages ? { combinedOpen, quorum: majority(vantages.length) } : {}), store: new DynamoDbStateStore(clients.clean, { tableName: table }), repo: knobs.digests ? repo : null, notifier, baseTimeOf }, totals);
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
    const totals = emptyTotals();
    const failures: string[] = [];
    const options = { endpoint: db.endpoint, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 };
    const faulty = new DynamoDBClient(options);
    const dispatcherClient = new DynamoDBClient(options);
    const clients: Clients = { clean: db.client, faulty, dispatcher: DynamoDBDocumentClient.from(dispatcherClient), plan: { current: new FaultPlan(() => 1, 0) }, stale: new StaleReads() };
    injectDynamoDbFaults(faulty, clients.plan);
    clients.stale.attach(faulty);
    clients.stale.attach(dispatcherClient);

    for (let seed = firstSeed; seed < firstSeed + count; seed++) {
      const problems = await runScenario(seed, clients, table, totals);
      totals.scenarios++;
      if (problems.length > 0) failures.push(`seed ${seed}: ${problems.join('; ')}`);
    }
    faulty.destroy();
    dispatcherClient.destroy();
    return { totals, failures };
  } finally {
    await db.close();
  }
}

/** Faults by kind (the last word of each counter: `dynamodb throttle`, `deadline putState after`...), then each counter. */
export function campaignReport(part: number, firstSeed: number, totals: Totals): string {
  const byKind = new Map<string, number>();
  for (const [key, n] of totals.faults) {
    const words = key.split(' ');
    const kind = words[0] === 'deadline' ? 'deadline' : (words[words.length - 1] ?? key);
    byKind.set(kind, (byKind.get(kind) ?? 0) + n);
  }
  const list = (m: Iterable<[string, number]>): string => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ');
  const t = totals;
  return [
    `fault campaign part ${part} (seeds ${firstSeed}-${firstSeed + t.scenarios - 1}): ${t.scenarios} scenarios, ${t.ticks} ticks, ${t.proberRuns} prober runs`,
    `  faults injected by kind: ${list(byKind)}`,
    `  in detail: ${list(totals.faults)}`,
    `  ${t.transitions} transitions, ${t.events} events, ${t.reminders} reminders, ${t.windowEnds} window-end alerts, ${t.digestHits} digest hits, ${t.connectOnly} connect-only looks, ${t.fastLane} fast-lane scenarios`,
    `  ${t.vantageScenarios} scenarios with three vantage points (${t.partialAlerts} partial/reachable alerts)`,
    `  alerts expected ${t.alertsExpected}, delivered ${t.alertsDelivered}: duplicates ${t.duplicates}, lost ${t.lost} (accepted by SNS with the answer lost, sent again: ${t.unavoidableDuplicates})`,
  ].join('\n');
}

/**
 * One half of the campaign as a jest suite: two files so jest runs the halves on both cores.
 * PORTWATCH_SCENARIOS sets the total, PORTWATCH_SEED the first seed. `npm test` runs 64 scenarios
 * (about 11 s of CPU a half; 120 before stale reads, skewed clocks and deadlines made each scenario
 * about 20% dearer, 96 before one in sixteen ran three vantage points, 80 before the vantage-point
 * tests of the other layers), which keeps the whole suite within two minutes on two cores; `.ci/run`
 * runs 1,000 after it, and 100 more with three vantage points in each, and `npm run soak` 20,000. The report is printed with PORTWATCH_FUZZ_REPORT=1.
 */
export function describeCampaignPart(part: 1 | 2): void {
  const total = Number(process.env.PORTWATCH_SCENARIOS ?? 64);
  const half = Math.ceil(total / 2);
  const first = Number(process.env.PORTWATCH_SEED ?? 1) + (part === 1 ? 0 : half);
  const count = part === 1 ? half : total - half;
  describe(`fault-injection campaign (seeded), part ${part}`, () => {
    it(`${count} scenarios: every transition recorded once and alerted exactly once`, async () => {
      // Act
      const { totals, failures } = await runCampaign(first, count);
      // Assess
      if (process.env.PORTWATCH_FUZZ_REPORT === '1') console.log(campaignReport(part, first, totals));
      expect(failures.slice(0, 5)).toEqual([]);
      expect(totals.duplicates).toBe(0);
      expect(totals.lost).toBe(0);
      expect(totals.transitions).toBeGreaterThan(count / 2);
      // The digest and cadence paths were exercised, not merely configured.
      expect(totals.digestHits).toBeGreaterThan(count / 2);
      expect(totals.connectOnly).toBeGreaterThan(count / 10);
      expect(totals.fastLane).toBeGreaterThan(count / 20);
      expect(totals.vantageScenarios).toBeGreaterThanOrEqual(Math.floor(count / VANTAGE_EVERY));
      expect([...totals.faults.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(count);
      // Every kind of fault was injected, not merely configured.
      const kinds = campaignReport(part, first, totals);
      for (const kind of ['stale-read', 'clock-skew', 'deadline', 'throttle', 'lost-response']) expect(kinds).toContain(`${kind} `);
    }, Math.max(900_000, count * 1_000));
  });
}
