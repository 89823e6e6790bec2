/**
 * Vantage points in `portwatch local`: one local tick looking from three network namespaces
 * (`--vantage`, a probe worker in each, three probers on one embedded DynamoDB) against one tick of
 * today's single in-process vantage point, on the same targets (TCP listeners and closed ports on a
 * veth address every namespace reaches), alternating rounds in one run, medians. The tick is the CLI's
 * own (lib/cli/local-run.ts runTick); worker start-up is paid once per run and left out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbStateStore } from '../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../lambda/adapters/aws/dynamodb-target-digests';
import { DynamoDbTargetSource } from '../lambda/adapters/aws/dynamodb-target-source';
import { LOCAL_TABLES } from '../lambda/adapters/local/embedded-dynamodb';
import { DynamoDbTargets } from '../lambda/adapters/operator/dynamodb-targets';
import { PROBER_DEFAULTS } from '../lambda/contracts/prober-env';
import { createAddressGuard, type AddressPolicy } from '../lambda/probe/address-policy';
import { probeTarget } from '../lambda/probe';
import { closeVantageLanes, parseVantageFlags, startVantageLanes, type VantageLane } from '../lib/cli/local-vantage';
import { runTick, type Lane, type LocalOptions, type TickContext } from '../lib/cli/local-run';
import { CliOutput } from '../lib/cli/output';
import { openLocalState } from '../lib/cli/state-dir';
import { createNetnsLab, netnsUnavailable } from '../test/helpers/netns';
import { findClosedPorts } from './ports';
import { median } from './table';

export interface VantageBenchResult {
  readonly targets: number;
  readonly open: number;
  readonly rounds: number;
  /** Median wall time of an unchanged tick (after the baseline tick), ms. */
  readonly oneMs: number;
  readonly threeMs: number;
  /** The first (baseline) tick, ms. */
  readonly oneFirstMs: number;
  readonly threeFirstMs: number;
  /** Probes made per unchanged tick (a re-probe would mean a suspected change). */
  readonly oneProbes: number;
  readonly threeProbes: number;
  /** Writes in the last unchanged tick (three vantage points: one heartbeat each, and nothing else). */
  readonly oneWrites: number;
  readonly threeWrites: number;
  /** Targets each side counted open in its last tick, and the problems seen. */
  readonly problems: readonly string[];
}

const POLICY: AddressPolicy = { allow: [], allowLoopback: true, allowPrivate: true, howToAllow: '--allow CIDR' };

interface Side {
  readonly local: Awaited<ReturnType<typeof openLocalState>>;
  readonly ctx: TickContext;
}

async function openSide(dir: string, items: readonly Record<string, unknown>[], lanes: readonly Lane[]): Promise<Side> {
  const local = await openLocalState(dir, 'local', { create: true });
  await new DynamoDbTargets(local.client, LOCAL_TABLES.targets).batchPut(items);
  const options: LocalOptions = { interval: 60_000, state: dir, json: true, timeout: 1000, allow: [], concurrency: PROBER_DEFAULTS.probeConcurrency, confirmAttempts: 2, confirmDelay: 0 };
  // The bench's own output is the table: the lines these ticks would print go nowhere.
  const nowhere = { write: (_: string, callback?: (err?: Error | null) => void) => (callback?.(), true) };
  const out = new CliOutput(true, { stdout: nowhere, stderr: nowhere });
  const ctx: TickContext = {
    source: new DynamoDbTargetSource(local.client, LOCAL_TABLES.targets),
    store: new DynamoDbStateStore(local.client, { tableName: LOCAL_TABLES.state }),
    digests: new DynamoDbTargetDigests(local.client, LOCAL_TABLES.targets),
    notifier: { publish: async () => undefined },
    guard: createAddressGuard(POLICY),
    log: () => undefined,
    options,
    out,
    postureEveryMs: options.interval,
    caBundle: null,
    plaintextPort: 0,
    defaultEveryMs: null,
    stop: new AbortController().signal,
    lanes,
  };
  return { local, ctx };
}

export async function runVantageBench(options: { open: number; closed: number; rounds: number; log: (line: string) => void }): Promise<VantageBenchResult | { skipped: string }> {
  const missing = netnsUnavailable();
  if (missing !== null) return { skipped: missing };
  const lab = createNetnsLab(3, `pwb${process.pid % 100_000}`);
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-bench-vantage-'));
  const servers: Server[] = [];
  let lanes: VantageLane[] = [];
  const sides: Side[] = [];
  try {
    const host = lab.spaces[0]?.hostAddress as string;
    for (let i = 0; i < options.open; i++) {
      const server = createServer((s) => s.on('error', () => undefined));
      await new Promise<void>((r) => server.listen(0, host, () => r()));
      servers.push(server);
    }
    const openPorts = servers.map((s) => (s.address() as { port: number }).port);
    const closedPorts = await findClosedPorts(options.closed, 20_000, new Set(openPorts));
    const items = [...openPorts.map((p) => ({ target: `${host}:${p}`, depth: 'tcp', expect: 'open' })), ...closedPorts.map((p) => ({ target: `${host}:${p}`, depth: 'tcp', expect: 'closed' }))];
    const flags = parseVantageFlags(
      lab.spaces.map((s, i) => `${'abc'[i]}=${s.name}`),
      undefined,
    );
    if (flags === null) throw new Error('no vantage points');
    options.log(`  starting 3 probe workers in ${lab.spaces.map((s) => s.name).join(', ')}`);
    lanes = await startVantageLanes(flags, { policy: POLICY, ca: null });
    const one = await openSide(join(dir, 'one'), items, [{ vantage: null, probeFor: () => probeTarget }]);
    sides.push(one);
    const three = await openSide(join(dir, 'three'), items, lanes.map((l) => ({ vantage: l.config, probeFor: (tick: string) => l.worker.probeFor(tick) })));
    sides.push(three);

    const timed = async (side: Side) => {
      const started = performance.now();
      const tick = await runTick(side.ctx, false);
      return { ms: performance.now() - started, tick };
    };
    const oneFirst = await timed(one);
    const threeFirst = await timed(three);
    const oneMs: number[] = [];
    const threeMs: number[] = [];
    const problems: string[] = [];
    let last = { one: oneFirst.tick, three: threeFirst.tick };
    for (let round = 0; round < options.rounds; round++) {
      // Alternating which side goes first, so a busy moment of the machine falls on both.
      const order = round % 2 === 0 ? ([one, three] as const) : ([three, one] as const);
      for (const side of order) {
        const r = await timed(side);
        (side === one ? oneMs : threeMs).push(r.ms);
        last = side === one ? { ...last, one: r.tick } : { ...last, three: r.tick };
      }
    }
    for (const [label, t] of [['one vantage point', last.one], ['three vantage points', last.three]] as const) {
      if (t.open !== options.open) problems.push(`${label}: ${t.open} open targets counted, ${options.open} listening`);
      if (t.report.transitions !== 0) problems.push(`${label}: ${t.report.transitions} transitions in an unchanged tick`);
    }
    return {
      targets: items.length,
      open: options.open,
      rounds: options.rounds,
      oneMs: median(oneMs),
      threeMs: median(threeMs),
      oneFirstMs: oneFirst.ms,
      threeFirstMs: threeFirst.ms,
      oneProbes: last.one.report.probed,
      threeProbes: last.three.report.probed,
      oneWrites: last.one.report.writes,
      threeWrites: last.three.report.writes,
      problems,
    };
  } finally {
    await closeVantageLanes(lanes);
    for (const side of sides) await side.local.close();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    lab.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}
