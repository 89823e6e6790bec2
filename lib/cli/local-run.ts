/**
 * The run loop of `portwatch local`: read the targets, then tick until done or stopped. Each tick
 * dispatches the Targets table into an in-process queue and runs the prober (both from the Lambdas'
 * own composition roots) on the embedded DynamoDB; then the baseline table or one heartbeat line.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbStateStore } from '../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetSource } from '../../lambda/adapters/aws/dynamodb-target-source';
import { DynamoDbTargets } from '../../lambda/adapters/operator/dynamodb-targets';
import { LOCAL_TABLES } from '../../lambda/adapters/local/embedded-dynamodb';
import { ChainNotifier } from '../../lambda/adapters/local/chain-notifier';
import { ConsoleNotifier } from '../../lambda/adapters/local/console-notifier';
import { InProcessQueue } from '../../lambda/adapters/local/in-process-queue';
import { SnsNotifier } from '../../lambda/adapters/aws/sns-notifier';
import { DISPATCHER_DEFAULTS } from '../../lambda/contracts/dispatcher-env';
import { PROBER_DEFAULTS } from '../../lambda/contracts/prober-env';
import { createDispatch } from '../../lambda/handlers/dispatcher-root';
import { createProber } from '../../lambda/handlers/prober-root';
import { createAddressGuard, parseCidrList } from '../../lambda/probe/address-policy';
import type { Notifier } from '../../lambda/monitor/dependencies';
import { probeTarget, type AddressGuard } from '../../lambda/probe';
import { emptyReport, mergeReports, owedAlerts, type ProbeFn, type RunReport } from '../../lambda/monitor/prober/service';
import { postureEveryTicks } from '../../lambda/monitor/cadence';
import type { ProbeStatus } from '../../lambda/probe/types';
import { openLocalState } from './state-dir';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './cli-io';
import { CliOutput } from './output';
import { heartbeat, printBaseline, type TickSummary } from './local-report';
import { plural } from '../../lambda/parse/plural';
import { formatDuration } from '../../lambda/parse/duration';
import { DynamoDbTargetDigests } from '../../lambda/adapters/aws/dynamodb-target-digests';
import { parseTargetArgs, probeFlags, topicRegion } from './local-args';
import { LocalTargets } from './local-targets';
import { abortableSleep, laneGroup, probeAsDue } from './local-lanes';
import { parseEvery } from '../../lambda/monitor/lane';
import type { AddressPolicy } from '../../lambda/probe/address-policy';
import type { VantageConfig } from '../../lambda/monitor/vantage-config';
import { closeVantageLanes, parseVantageFlags, startVantageLanes, vantageLine, type VantageLane } from './local-vantage';

export interface LocalOptions {
  readonly targets?: string;
  readonly interval: number;
  /** Time between deep looks at an open broker; the ticks between only connect. Default: every tick. */
  readonly postureEvery?: number;
  readonly ticks?: number;
  readonly state: string;
  readonly json?: boolean;
  readonly topicArn?: string;
  readonly timeout: number;
  readonly denyPrivate?: boolean;
  readonly allow: readonly string[];
  readonly concurrency: number;
  readonly confirmAttempts: number;
  readonly confirmDelay: number;
  readonly verbose?: boolean;
  /** PEM file of CAs trusted besides the public roots (private broker CAs). */
  readonly ca?: string;
  /** `--plaintext-port N|none`, as a target's plaintextPort attribute reads it. */
  readonly plaintextPort?: string;
  /** `--every 10s`: the fast lane of targets without an `every` (the stack's defaultEvery). */
  readonly every?: string;
  /** `--vantage NAME=NETNS`, repeatable: probe from each namespace through a worker; none: in-process, one vantage point. */
  readonly vantage?: readonly string[];
  /** `--quorum K`: vantage points that must see a target not open before an outage is believed. @default a majority */
  readonly quorum?: number;
}

/** Where one prober of a tick looks from: this process (no vantage), or a vantage point's worker. */
export interface Lane {
  readonly vantage: VantageConfig | null;
  /** The probe of one batch of a tick (the batch is the DNS cache's lifetime, as one invocation's). */
  readonly probeFor: (batch: string) => ProbeFn;
}

/** One Scan: the table is in this process, so parallel segments would only split each tick into smaller messages. */
const LOCAL_DISPATCH = { ...DISPATCHER_DEFAULTS, scanSegments: 1 };

/** `1st`, `2nd`, `3rd`, `11th`, `22nd`. */
function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * How often the run looks deep (TLS, MQTT) at an open broker. Locally the default is every tick:
 * a person watching a few brokers at `--interval 10s` expects a broker that stops refusing
 * anonymous clients to be reported at the next tick, and a deep look at a handful of targets costs
 * nothing there. The deployed default (PROBER_DEFAULTS) stays slower, for fleets and Lambda bills.
 */
function deepLookEvery(options: LocalOptions, out: CliOutput): number {
  const asked = options.postureEvery ?? options.interval;
  if (asked < options.interval) {
    throw new UsageError(
      `--posture-every ${formatDuration(asked)} is shorter than --interval ${formatDuration(options.interval)}: a deep look is made during a tick, so it cannot come more often; leave it out to look deep every tick`,
    );
  }
  // The cadence counts ticks (cadence.ts): say what it will really do when the two do not divide.
  const ticks = postureEveryTicks({ tickMs: options.interval, postureEveryMs: asked });
  const every = ticks * options.interval;
  if (every !== asked) {
    out.note(`--posture-every ${formatDuration(asked)} is not a whole number of ticks of --interval ${formatDuration(options.interval)}: a deep look every ${ordinal(ticks)} tick (${formatDuration(every)})`);
  }
  return every;
}

/**
 * Runs `portwatch local` until `ticks` are done or `stop` is aborted; resolves to the exit code.
 * A stop request is honoured between ticks only: the tick in progress finishes its writes first.
 */
export async function runLocal(targetArgs: readonly string[], options: LocalOptions, stop: AbortSignal): Promise<number> {
  const out = new CliOutput(options.json === true);
  const args = parseTargetArgs(targetArgs);
  const allowed = parseCidrList(options.allow, '--allow');
  if (!allowed.ok) throw new UsageError(`--allow: ${allowed.error.value} ${allowed.error.reason}`);
  let topic: { arn: string; region: string } | null = null;
  if (options.topicArn !== undefined) {
    const region = topicRegion(options.topicArn);
    if (region === null) throw new UsageError(`--topic-arn: ${JSON.stringify(options.topicArn)} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`);
    topic = { arn: options.topicArn, region };
  }
  const postureEveryMs = deepLookEvery(options, out);
  const every = parseEvery(options.every, '--every');
  if (!every.ok) throw new UsageError(`--every: ${every.error.value} ${every.error.reason}`);
  const defaultEveryMs = typeof every.value === 'number' ? every.value : null;
  const { caBundle, plaintextPort } = probeFlags(options);
  const vantages = parseVantageFlags(options.vantage ?? [], options.quorum);
  const input = new LocalTargets(options.targets, args, out, options.state);
  // Read before the database is opened: a file that cannot be read at start is bad usage.
  const first = await input.read();

  // Said once, up front: the deployed prober refuses these ranges, the local one probes them.
  if (options.denyPrivate) {
    out.note('loopback and private addresses are refused (--deny-private), as in the deployed prober; --allow CIDR lets one range through');
  } else {
    out.note(
      'local mode probes loopback and private addresses (127.0.0.0/8, ::1, 10/8, 172.16/12, 192.168/16, fc00::/7, link-local), which the deployed prober refuses; --deny-private refuses them here too. Cloud metadata addresses stay refused.',
    );
  }
  const policy: AddressPolicy = {
    allow: allowed.value,
    allowLoopback: !options.denyPrivate,
    allowPrivate: !options.denyPrivate,
    howToAllow: options.denyPrivate ? '--allow CIDR (or drop --deny-private)' : '--allow CIDR',
  };
  const guard = createAddressGuard(policy);

  const local = await openLocalState(options.state, 'local', { create: true });
  let exitCode: number = EXIT_OK;
  let workers: VantageLane[] = [];
  try {
    const repo = new DynamoDbTargets(local.client, LOCAL_TABLES.targets);
    // The file (with the TARGET arguments) is the whole list: targets deleted from it leave the
    // Targets table; their state and history stay in the State table.
    let count: number;
    if (input.given && first !== null) {
      count = await input.apply(repo, first, 'from');
      if (count === 0) throw new UsageError(`no valid targets in ${input.source}: nothing to watch`);
    } else {
      count = (await repo.listAll()).length;
      if (count === 0) {
        throw new UsageError(`no targets: give --targets FILE or TARGET arguments (see targets.txt), or add some with \`portwatch targets add --state ${options.state}\``);
      }
    }
    const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void => {
      if (level === 'info' && !options.verbose) return;
      if (options.json) process.stderr.write(`${JSON.stringify({ level, message, time: new Date().toISOString(), ...fields })}\n`);
      else out.note(`${level}: ${message} ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`);
    };
    // The workers get the guard's policy and the CA the in-process probe would use: results alike.
    if (vantages !== null) workers = await startVantageLanes(vantages, { policy, ca: caBundle }, { log });
    const lanes: Lane[] = vantages === null ? [{ vantage: null, probeFor: () => probeTarget }] : workers.map((w) => ({ vantage: w.config, probeFor: (tick) => w.worker.probeFor(tick) }));
    if (!options.json) {
      const once = options.ticks === 1;
      const deep = once
        ? postureEveryMs === options.interval
          ? 'with a deep look (TLS, MQTT)'
          : `deep look (TLS, MQTT) where due (every ${formatDuration(postureEveryMs)})`
        : `deep look (TLS, MQTT) every ${formatDuration(postureEveryMs)}`;
      const lane = defaultEveryMs !== null && defaultEveryMs < options.interval ? ` (a look every ${formatDuration(defaultEveryMs)} within it)` : '';
      out.line(`watching ${plural(count, 'target')} ${once ? (lane === '' ? 'once' : 'for one tick') : `every ${formatDuration(options.interval)}`}${lane}, ${deep} (state in ${options.state}); alerts follow`);
      if (vantages !== null) out.line(vantageLine(workers));
    }

    const source = new DynamoDbTargetSource(local.client, LOCAL_TABLES.targets);
    const digests = new DynamoDbTargetDigests(local.client, LOCAL_TABLES.targets);
    const store = new DynamoDbStateStore(local.client, { tableName: LOCAL_TABLES.state });
    const notifiers: Notifier[] = [];
    let sns: SNSClient | null = null;
    if (topic !== null) {
      sns = new SNSClient({ region: topic.region });
      notifiers.push(new SnsNotifier(sns, topic.arn));
    }
    // SNS first: see ChainNotifier. The console writes through CliOutput, which clears the progress line first.
    notifiers.push(new ConsoleNotifier(out.lines, { json: options.json === true }));
    const notifier = local.withDeliveryLedger(notifiers.length === 1 ? (notifiers[0] as Notifier) : new ChainNotifier(notifiers));
    const ctx: TickContext = { source, store, digests, notifier, guard, log, options, out, postureEveryMs, caBundle, plaintextPort, defaultEveryMs, stop, lanes };

    try {
      for (let tick = 1; options.ticks === undefined || tick <= options.ticks; tick++) {
        const started = Date.now();
        let done: TickSummary | null = null;
        try {
          if (tick > 1) await input.refresh(repo, 'now in');
          input.warn();
          done = await runTick(ctx, tick === 1 && !options.json);
          if (done.report.failedGroups.length > 0) exitCode = EXIT_FAILED;
        } catch (err) {
          // The next tick tries again, as the next schedule does in AWS; the exit code remembers it.
          log('error', 'tick failed', { tick, error: err instanceof Error ? err.message : String(err) });
          exitCode = EXIT_FAILED;
        }
        const last = stop.aborted || (options.ticks !== undefined && tick >= options.ticks);
        if (done !== null) heartbeat(out, done, last ? null : new Date(Math.max(Date.now(), started + options.interval)));
        if (last) break;
        await abortableSleep(options.interval - (Date.now() - started), stop);
        if (stop.aborted) break;
      }
    } finally {
      sns?.destroy();
    }
  } finally {
    await closeVantageLanes(workers);
    await local.close();
  }
  const problem = input.problem;
  if (exitCode === EXIT_OK && problem !== null) {
    out.note(problem);
    return EXIT_USAGE;
  }
  return exitCode;
}

export interface TickContext {
  readonly source: DynamoDbTargetSource;
  readonly store: DynamoDbStateStore;
  readonly digests: DynamoDbTargetDigests;
  readonly notifier: Notifier;
  readonly guard: AddressGuard;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  readonly options: LocalOptions;
  readonly out: CliOutput;
  readonly postureEveryMs: number;
  readonly caBundle: string | null;
  readonly plaintextPort: number;
  readonly defaultEveryMs: number | null;
  readonly stop: AbortSignal;
  readonly lanes: readonly Lane[];
}

/** One tick; `baseline`: print where every target stands once its first look is done (a fast lane's later looks come after). */
export async function runTick(ctx: TickContext, baseline: boolean): Promise<TickSummary> {
  const { options, out } = ctx;
  const tick = new Date().toISOString();
  const queue = new InProcessQueue();
  const dispatched = await createDispatch({ source: ctx.source, queue }, { ...LOCAL_DISPATCH, tickIntervalMs: options.interval, defaultEveryMs: ctx.defaultEveryMs ?? 0 })(tick);
  const keys = new Set<string>();
  // Drawn only when stdout is a terminal too: with stdout in a pipe (`npm start | tee log`), alert
  // lines reach the terminal later through the pipe and would land inside the progress line.
  let progress = out.interactive ? out.progress('probing', dispatched.dispatched * ctx.lanes.length) : null;
  // The last probe of each target from each vantage point wins: a confirmation re-probe is the look the decision used.
  const seen = new Map<string, ProbeStatus>();
  // One probe per lane and batch: a batch is one invocation, whose DNS answers its probes share (prober-root.ts).
  const probesFor = (batch: string): ProbeFn[] => ctx.lanes.map((lane): ProbeFn => {
    const inner = lane.probeFor(batch);
    return async (spec, probeOptions) => {
      const result = await inner(spec, probeOptions);
      seen.set(`${spec.target}\n${lane.vantage?.name ?? ''}`, result.status);
      progress?.update(seen.size);
      return result;
    };
  });
  const settings = {
    ...PROBER_DEFAULTS,
    probeTimeoutMs: options.timeout,
    probeConcurrency: options.concurrency,
    confirmAttempts: options.confirmAttempts,
    confirmDelayMs: options.confirmDelay,
    tickIntervalMs: options.interval,
    // Without --posture-every, every look is deep, a fast lane's included (0: every look is the turn).
    postureEveryMs: options.postureEvery === undefined ? 0 : ctx.postureEveryMs,
    caBundle: ctx.caBundle,
    plaintextPort: ctx.plaintextPort,
  };
  let report: RunReport | null = null;
  let batches = 0;
  try {
    // The schedule's messages are due at once; a fast lane's copies as their delays pass (real timers).
    await probeAsDue(queue, ctx.stop, async (due) => {
      for (const m of due) for (const t of m.targets) if (typeof t.target === 'string') keys.add(t.target);
      const groups = due.map((m) => laneGroup(m, `${tick}#${++batches}`));
      const probes = probesFor(`${tick}#${batches}`);
      // Every vantage point gets the same work at once; the state item's version makes one of them the writer of each change.
      const runs = await Promise.all(
        ctx.lanes.map((lane, i) =>
          createProber({ store: ctx.store, digests: ctx.digests, notifier: ctx.notifier, guard: ctx.guard, probe: probes[i] as ProbeFn, log: ctx.log }, { ...settings, vantage: lane.vantage }).run(groups),
        ),
      );
      const batch = runs.reduce(mergeReports);
      report = report === null ? batch : mergeReports(report, batch);
      progress?.done();
      progress = null;
      if (baseline && batches === due.length) await printBaseline({ ...ctx, vantages: ctx.lanes.length > 1 }, [...keys]);
    });
  } finally {
    progress?.done();
  }
  const done: RunReport = report ?? emptyReport();
  if (done.failedGroups.length > 0) {
    ctx.log('error', 'some targets could not be recorded; they are retried next tick', { tick, failedGroups: done.failedGroups.length });
  }
  ctx.log('info', 'tick done', { ...dispatched, ...done, failedGroups: done.failedGroups.length });
  if (ctx.lanes.length === 1) return { at: tick, keys: [...keys], skippedDisabled: dispatched.skippedDisabled, open: [...seen.values()].filter((s) => s === 'open').length, report: done };
  // With several vantage points, open is what they decided together, and owed alerts what the states
  // still hold: the lanes share the alerts (one delivers while another finds it leased), so no lane's
  // own count is the tick's.
  const states = [...(await ctx.store.getStates([...keys])).values()];
  return { at: tick, keys: [...keys], skippedDisabled: dispatched.skippedDisabled, open: states.filter((s) => s.open).length, report: { ...done, ...owedAlerts(states) } };
}
