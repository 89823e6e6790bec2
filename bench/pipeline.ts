/**
 * A local pipeline tick, wired as `portwatch local` wires it (lib/cli/local-command.ts runTick): the
 * dispatcher pages the Targets table into an in-process queue, then ProberService runs over its
 * messages with the real probe and the DynamoDB state store, on the embedded DynamoDB (dynalite).
 *
 * Targets are loopback `HOST:PORT` at depth tcp, over a few loopback addresses: some ports have a
 * listener (open), the others were verified unused (closed). Two ticks are measured: the first sets
 * every baseline; in the second nothing changed, so it must write nothing and read each target's
 * state once, in BatchGetItem calls of 100.
 */
import { DynamoDbStateStore } from '../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../lambda/adapters/aws/dynamodb-target-digests';
import { DynamoDbTargetSource } from '../lambda/adapters/aws/dynamodb-target-source';
import { DynamoDbTargets } from '../lambda/adapters/operator/dynamodb-targets';
import { ensureTables, startEmbeddedDynamoDb, type TableNames } from '../lambda/adapters/local/embedded-dynamodb';
import { createAddressGuard } from '../lambda/probe/address-policy';
import type { DispatchReport } from '../lambda/monitor/dispatch';
import type { Notifier, ProbeQueue } from '../lambda/monitor/dependencies';
import type { ProbeMessage } from '../lambda/contracts/probe-message';
import { DISPATCHER_DEFAULTS } from '../lambda/contracts/dispatcher-env';
import { PROBER_DEFAULTS } from '../lambda/contracts/prober-env';
import { createDispatch } from '../lambda/handlers/dispatcher-root';
import { createProber } from '../lambda/handlers/prober-root';
import type { RunReport, WorkGroup } from '../lambda/monitor/prober/service';
import { findClosedPorts, startListenerChild, startListeners, type OpenListeners } from './ports';
import { countRequests, WRITE_COMMANDS } from '../test/helpers/dynalite';

class CollectingQueue implements ProbeQueue {
  messages: ProbeMessage[] = [];
  async send(messages: readonly ProbeMessage[]): Promise<void> {
    this.messages.push(...messages);
  }
}

/** Alerts go nowhere: no target has `expect`, so a baseline never alerts; a count proves it. */
class CountingNotifier implements Notifier {
  published = 0;
  async publish(): Promise<void> {
    this.published++;
  }
}

export interface TickMeasure {
  readonly wallMs: number;
  readonly probed: number;
  readonly probesPerSecond: number;
  readonly dispatch: DispatchReport;
  readonly run: RunReport;
  /** DynamoDB commands of the prober (dispatch's Scan calls are counted apart). */
  readonly proberRequests: Record<string, number>;
  readonly dispatchRequests: Record<string, number>;
}

export interface TickCheck {
  readonly writes: number;
  readonly batchGets: number;
  readonly getItems: number;
  readonly otherReads: number;
  /** Targets settled by their digest (no state read). */
  readonly digestHits: number;
  /** Targets whose digest was due its hourly check against the state (read in the batch). */
  readonly digestChecks: number;
  /**
   * Zero writes; every target settled by its digest; the state of any other target read in
   * BatchGetItem calls of 100; at most one GetItem (the scanner item) per run; no Query/Scan.
   */
  readonly ok: boolean;
  readonly problems: readonly string[];
}

export interface PipelineResult {
  readonly targets: number;
  readonly open: number;
  readonly closed: number;
  readonly hosts: number;
  readonly concurrency: number;
  readonly baseline: TickMeasure;
  readonly unchanged: TickMeasure;
  readonly unchangedCheck: TickCheck;
  /** Targets whose recorded status differs from what their port is (should be none). */
  readonly misclassified: readonly string[];
}

export interface PipelineOptions {
  readonly hosts: readonly string[];
  readonly openPerHost: number;
  readonly closedPerHost: number;
  /** ProberService concurrency (targets in flight). @default PROBER_DEFAULTS.probeConcurrency, as `portwatch local` */
  readonly concurrency?: number;
  /** Listeners in a child process (the bench) or in this one (the tests). */
  readonly listenersIn: 'child' | 'process';
  readonly log?: (line: string) => void;
}

export function checkUnchangedTick(targets: number, requests: Readonly<Record<string, number>>, digestHits: number, digestChecks = 0, runs = 1): TickCheck {
  const writes = WRITE_COMMANDS.reduce((sum, c) => sum + (requests[c] ?? 0), 0);
  const batchGets = requests.BatchGetItemCommand ?? 0;
  const getItems = requests.GetItemCommand ?? 0;
  const otherReads = (requests.QueryCommand ?? 0) + (requests.ScanCommand ?? 0) + (requests.TransactGetItemsCommand ?? 0);
  const problems: string[] = [];
  if (writes !== 0) problems.push(`${writes} writes in a tick where nothing changed`);
  const unsettled = targets - digestHits;
  if (unsettled > digestChecks) problems.push(`${unsettled - digestChecks} targets not settled by their digest`);
  if (batchGets * 100 < unsettled) problems.push(`${batchGets} BatchGetItem calls cannot have read ${unsettled} targets`);
  if (batchGets > Math.ceil(unsettled / 100) * 2) problems.push(`${batchGets} BatchGetItem calls for ${unsettled} targets: more than one batched read per target`);
  if (getItems > runs) problems.push(`${getItems} GetItem calls: per-target reads (only the scanner item, once per run, is expected)`);
  if (otherReads > 0) problems.push(`${otherReads} Query/Scan calls by the prober`);
  return { writes, batchGets, getItems, otherReads, digestHits, digestChecks, ok: problems.length === 0, problems };
}

export async function runPipelineBench(options: PipelineOptions): Promise<PipelineResult> {
  const log = options.log ?? (() => undefined);
  const closedPorts = await findClosedPorts(options.closedPerHost, 21_000);
  let listeners: OpenListeners;
  if (options.listenersIn === 'child') {
    const child = await startListenerChild({ tcp: { hosts: options.hosts, perHost: options.openPerHost } });
    listeners = { ports: new Map(Object.entries(child.tcp)), close: () => child.close() };
  } else {
    listeners = await startListeners(options.hosts, options.openPerHost);
  }
  const db = await startEmbeddedDynamoDb();
  try {
    const tables: TableNames = { targets: 'bench-targets', state: 'bench-state' };
    await ensureTables(db.client, tables);
    const expected = new Map<string, 'open' | 'closed'>();
    for (const host of options.hosts) {
      for (const port of listeners.ports.get(host) ?? []) expected.set(`${host}:${port}`, 'open');
      for (const port of closedPorts) expected.set(`${host}:${port}`, 'closed');
    }
    const items = [...expected.keys()].map((target) => ({ target, depth: 'tcp' }));
    log(`  loading ${items.length} targets into the embedded DynamoDB`);
    await new DynamoDbTargets(db.client, tables.targets, { concurrency: 8 }).batchPut(items);

    const counter = countRequests(db.client);
    const source = new DynamoDbTargetSource(db.client, tables.targets);
    const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
    const digests = new DynamoDbTargetDigests(db.client, tables.targets);
    const notifier = new CountingNotifier();
    // `portwatch local` refuses cloud metadata addresses and lets loopback and private ranges through.
    const guard = createAddressGuard({ allow: [], allowLoopback: true, allowPrivate: true, howToAllow: '--allow CIDR' });
    const concurrency = options.concurrency ?? PROBER_DEFAULTS.probeConcurrency;

    const tick = async (): Promise<TickMeasure> => {
      counter.reset();
      const started = performance.now();
      const at = new Date().toISOString();
      const queue = new CollectingQueue();
      // One Scan segment, as `portwatch local` reads its embedded table.
      const dispatched = await createDispatch({ source, queue }, { ...DISPATCHER_DEFAULTS, scanSegments: 1 })(at);
      const dispatchRequests = counter.snapshot();
      counter.reset();
      const groups: WorkGroup[] = queue.messages.map((m, i) => ({ id: `${at}#${i + 1}`, items: m.targets, tick: at }));
      // The prober as `portwatch local` builds it: 1-minute ticks, every other setting the prober's default.
      const service = createProber({ store, digests, notifier, guard }, { ...PROBER_DEFAULTS, probeConcurrency: concurrency, tickIntervalMs: 60_000 });
      const run = await service.run(groups);
      const wallMs = performance.now() - started;
      return { wallMs, probed: run.probed, probesPerSecond: (run.probed / wallMs) * 1000, dispatch: dispatched, run, proberRequests: counter.snapshot(), dispatchRequests };
    };

    log('  tick 1 (baseline)');
    const baseline = await tick();
    log(`  tick 1: ${baseline.wallMs.toFixed(0)} ms; tick 2 (nothing changed)`);
    const unchanged = await tick();
    log(`  tick 2: ${unchanged.wallMs.toFixed(0)} ms`);
    const unchangedCheck = checkUnchangedTick(expected.size, unchanged.proberRequests, unchanged.run.digestHits, unchanged.run.digestChecks);

    const states = await store.getStates([...expected.keys()]);
    const misclassified: string[] = [];
    for (const [target, want] of expected) {
      const got = states.get(target)?.status ?? 'missing';
      if (got !== want) misclassified.push(`${target}: ${got}, expected ${want}`);
    }
    const open = [...expected.values()].filter((v) => v === 'open').length;
    return {
      targets: expected.size,
      open,
      closed: expected.size - open,
      hosts: options.hosts.length,
      concurrency,
      baseline,
      unchanged,
      unchangedCheck,
      misclassified,
    };
  } finally {
    await db.close();
    await listeners.close();
  }
}

/** `count` loopback addresses 127.0.1.1, 127.0.1.2, ... (all of 127/8 is loopback on Linux). */
export function loopbackHosts(count: number, prefix = '127.0.1'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}.${i + 1}`);
}
