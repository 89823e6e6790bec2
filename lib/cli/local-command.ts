/**
 * `portwatch local`: the whole pipeline in one process, with the modules the Lambdas run. Each tick:
 * dispatch() pages the Targets table into an in-process queue, then ProberService runs over its
 * messages (one message = one work group, as one SQS record is in AWS) with the DynamoDB state store
 * on an embedded dynalite kept under --state, and alerts go to the console (and SNS with --topic-arn).
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
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
import type { ProbeFn, RunReport, WorkGroup } from '../../lambda/monitor/prober/service';
import type { TargetState } from '../../lambda/monitor/model';
import { formatFieldError, parseTargetItem } from '../../lambda/monitor/target';
import { DEFAULT_STATE_DIR, openLocalState } from './backend';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CommandRegistrar } from './cli-io';
import { alignColumns, CliOutput, formatElapsed, formatFindings } from './output';
import { formatDuration } from '../../lambda/parse/duration';
import { DURATION_FLAGS, INTEGER_FLAGS, collect, durationOption, integerOption, rangeText } from './options';
import { syncTargets } from './targets-command';
import { DynamoDbTargetDigests } from '../../lambda/adapters/aws/dynamodb-target-digests';
import { formatLineError, normalizeItem, parseTargetLine, readTargetsFile, type TargetsEntry } from './targets-file';

interface LocalOptions {
  readonly targets?: string;
  readonly interval: number;
  /** Time between deep looks at an open broker; the ticks between only connect. */
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
}

/** Status lines printed after a tick on a terminal; beyond this, a summary and `portwatch status`. */
const MAX_STATUS_LINES = 40;

/**
 * The dispatcher of the local pipeline reads the Targets table with one Scan: the table sits on the
 * embedded DynamoDB in this process, so parallel segments would only split each tick into more,
 * smaller messages.
 */
const LOCAL_DISPATCH = { ...DISPATCHER_DEFAULTS, scanSegments: 1 };

/** `arn:aws:sns:eu-west-1:123456789012:alerts` -> `eu-west-1`; null when it is not a topic ARN. */
export function topicRegion(arn: string): string | null {
  const match = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.exec(arn);
  return match ? (match[1] as string) : null;
}

/** TARGET arguments use the targets.txt line format: `'127.0.0.1:8883 expect=closed depth=tcp'`. */
export function parseTargetArgs(args: readonly string[]): TargetsEntry[] {
  return args.map((arg, index) => {
    const line = parseTargetLine(arg);
    if (!line.ok) throw new UsageError(`TARGET ${JSON.stringify(arg)}: ${formatFieldError(line.error)}`);
    if (line.value === null) throw new UsageError(`TARGET ${JSON.stringify(arg)}: is empty`);
    const parsed = parseTargetItem(line.value, PROBER_DEFAULTS.defaultPort);
    if (!parsed.ok) throw new UsageError(`TARGET ${JSON.stringify(arg)}: ${formatFieldError(parsed.error)}`);
    return { line: index + 1, item: normalizeItem(line.value, parsed.value), target: parsed.value };
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * The targets a run was given: the TARGET arguments and the file, which is read again whenever its
 * size or modification time changes, so editing targets.txt under a running `npm start` takes effect
 * at the next tick.
 */
class TargetInput {
  private stamp: string | null = null;
  /** Lines refused at the latest successful read of the file. */
  refused = 0;

  constructor(
    private readonly file: string | undefined,
    private readonly args: readonly TargetsEntry[],
    private readonly out: CliOutput,
  ) {}

  get given(): boolean {
    return this.file !== undefined || this.args.length > 0;
  }

  get source(): string {
    return this.file ?? 'arguments';
  }

  /** All entries at the first call; later, the new entries when the file changed, else null. */
  async read(): Promise<TargetsEntry[] | null> {
    const first = this.stamp === null;
    let fileEntries: readonly TargetsEntry[] = [];
    if (this.file !== undefined) {
      const info = await stat(this.file).catch(() => null);
      const stamp = info ? `${info.mtimeMs}:${info.size}` : 'missing';
      if (stamp === this.stamp) return null;
      this.stamp = stamp;
      let parsed;
      try {
        parsed = await readTargetsFile(this.file);
      } catch (err) {
        // At start a bad file is bad usage; later, a half-saved edit must not stop the watch.
        if (first || !(err instanceof UsageError)) throw err;
        this.out.note(`${err.message}; keeping the current targets`);
        return null;
      }
      for (const error of parsed.errors) this.out.note(formatLineError(this.file, error));
      this.refused = parsed.errors.length;
      fileEntries = parsed.entries;
    } else if (!first) return null;
    else this.stamp = 'arguments';
    // An argument naming the same key as a file line wins: it was typed for this run.
    const argKeys = new Set(this.args.map((e) => e.target.target));
    return [...this.args, ...fileEntries.filter((e) => !argKeys.has(e.target.target))];
  }
}

/**
 * Runs `portwatch local` until `ticks` are done or `stop` is aborted; resolves to the exit code.
 * A stop request is honoured between ticks only: the tick in progress finishes its writes first.
 */
async function runLocal(targetArgs: readonly string[], options: LocalOptions, stop: AbortSignal): Promise<number> {
  const out = new CliOutput(options.json === true);
  const input = new TargetInput(options.targets, parseTargetArgs(targetArgs), out);
  const allowed = parseCidrList(options.allow, '--allow');
  if (!allowed.ok) throw new UsageError(`--allow: ${allowed.error.value} ${allowed.error.reason}`);
  let topic: { arn: string; region: string } | null = null;
  if (options.topicArn !== undefined) {
    const region = topicRegion(options.topicArn);
    if (region === null) throw new UsageError(`--topic-arn: ${JSON.stringify(options.topicArn)} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`);
    topic = { arn: options.topicArn, region };
  }
  const entries = await input.read();

  // Said once, up front: the deployed prober refuses these ranges, the local one probes them.
  if (options.denyPrivate) {
    out.note('loopback and private addresses are refused (--deny-private), as in the deployed prober; --allow CIDR lets one range through');
  } else {
    out.note(
      'local mode probes loopback and private addresses (127.0.0.0/8, ::1, 10/8, 172.16/12, 192.168/16, fc00::/7, link-local), which the deployed prober refuses; --deny-private refuses them here too. Cloud metadata addresses stay refused.',
    );
  }
  const guard = createAddressGuard({
    allow: allowed.value,
    allowLoopback: !options.denyPrivate,
    allowPrivate: !options.denyPrivate,
    howToAllow: options.denyPrivate ? '--allow CIDR (or drop --deny-private)' : '--allow CIDR',
  });

  const local = await openLocalState(options.state, 'local', { create: true });
  let exitCode: number = EXIT_OK;
  try {
    const repo = new DynamoDbTargets(local.client, LOCAL_TABLES.targets);
    // The file (with the TARGET arguments) is the whole list: targets deleted from it leave the
    // Targets table; their state and history stay in the State table.
    const load = async (list: readonly TargetsEntry[], verb: string): Promise<void> => {
      const sync = await syncTargets(repo, list, { prune: true, progress: out.progress('loading targets', list.length) });
      out.note(`${plural(list.length, 'target')} ${verb} ${input.source}: ${sync.added} added, ${sync.changed} changed, ${sync.removed} removed (state in ${options.state})`);
    };
    let count: number;
    if (input.given && entries !== null) {
      await load(entries, 'from');
      count = entries.length;
      if (count === 0) throw new UsageError(`no valid targets in ${input.source}: nothing to watch`);
    } else {
      count = (await repo.listAll()).length;
      if (count === 0) {
        throw new UsageError(`no targets: give --targets FILE or TARGET arguments (see targets.txt), or add some with \`portwatch targets add --state ${options.state}\``);
      }
    }
    if (!options.json) {
      const every = options.ticks === 1 ? 'once' : `every ${formatDuration(options.interval)}`;
      out.line(`watching ${plural(count, 'target')} ${every} (state in ${options.state}); alerts follow`);
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
    // SNS first: see ChainNotifier.
    notifiers.push(new ConsoleNotifier(out.stdout, { json: options.json === true }));
    const notifier = local.withDeliveryLedger(notifiers.length === 1 ? (notifiers[0] as Notifier) : new ChainNotifier(notifiers));
    const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void => {
      if (level === 'info' && !options.verbose) return;
      if (options.json) process.stderr.write(`${JSON.stringify({ level, message, time: new Date().toISOString(), ...fields })}\n`);
      else out.note(`${level}: ${message} ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`);
    };

    try {
      for (let tick = 1; options.ticks === undefined || tick <= options.ticks; tick++) {
        const started = Date.now();
        try {
          if (tick > 1) {
            const changed = await input.read();
            if (changed !== null) await load(changed, 'now in');
          }
          const report = await runTick({ source, store, digests, notifier, guard, log, options, out });
          if (report.failedGroups.length > 0) exitCode = EXIT_FAILED;
        } catch (err) {
          // The next tick tries again, as the next schedule does in AWS; the exit code remembers it.
          log('error', 'tick failed', { tick, error: err instanceof Error ? err.message : String(err) });
          exitCode = EXIT_FAILED;
        }
        if (stop.aborted || (options.ticks !== undefined && tick >= options.ticks)) break;
        await abortableSleep(options.interval - (Date.now() - started), stop);
        if (stop.aborted) break;
      }
    } finally {
      sns?.destroy();
    }
  } finally {
    await local.close();
  }
  if (exitCode === EXIT_OK && input.refused > 0) {
    out.note(`${plural(input.refused, 'line')} of ${input.source} refused (listed above); the other targets ran`);
    return EXIT_USAGE;
  }
  return exitCode;
}

interface TickContext {
  readonly source: DynamoDbTargetSource;
  readonly store: DynamoDbStateStore;
  readonly digests: DynamoDbTargetDigests;
  readonly notifier: Notifier;
  readonly guard: AddressGuard;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  readonly options: LocalOptions;
  readonly out: CliOutput;
}

async function runTick(ctx: TickContext): Promise<RunReport> {
  const { options, out } = ctx;
  const tick = new Date().toISOString();
  const queue = new InProcessQueue();
  const dispatched = await createDispatch({ source: ctx.source, queue }, LOCAL_DISPATCH)(tick);
  const messages = queue.drain();
  const groups: WorkGroup[] = messages.map((m, i) => ({ id: `${tick}#${i + 1}`, items: m.targets, tick }));
  const progress = out.progress('probing', dispatched.dispatched);
  const probed = new Set<string>();
  const probe: ProbeFn = async (spec, probeOptions) => {
    const result = await probeTarget(spec, probeOptions);
    probed.add(spec.target);
    progress.update(probed.size);
    return result;
  };
  const service = createProber(
    { store: ctx.store, digests: ctx.digests, notifier: ctx.notifier, guard: ctx.guard, probe, log: ctx.log },
    {
      ...PROBER_DEFAULTS,
      probeTimeoutMs: options.timeout,
      probeConcurrency: options.concurrency,
      confirmAttempts: options.confirmAttempts,
      confirmDelayMs: options.confirmDelay,
      tickIntervalMs: options.interval,
      postureEveryMs: options.postureEvery ?? PROBER_DEFAULTS.postureEveryMs,
    },
  );
  let report: RunReport;
  try {
    report = await service.run(groups);
  } finally {
    progress.done();
  }
  if (report.failedGroups.length > 0) {
    ctx.log('error', 'some targets could not be recorded; they are retried next tick', { tick, failedGroups: report.failedGroups.length });
  }
  ctx.log('info', 'tick done', { ...dispatched, ...report, failedGroups: report.failedGroups.length });
  if (out.interactive) {
    const keys = messages.flatMap((m) => m.targets.map((t) => t.target)).filter((k): k is string => typeof k === 'string');
    await printStatusLines(ctx, keys, tick);
  }
  return report;
}

async function printStatusLines(ctx: TickContext, keys: readonly string[], tick: string): Promise<void> {
  const states = await ctx.store.getStates(keys);
  const now = new Date();
  const sorted = [...keys].sort((a, b) => a.localeCompare(b));
  const counts = new Map<string, number>();
  for (const k of sorted) {
    const status = states.get(k)?.status ?? 'not-probed';
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const time = tick.slice(11, 19);
  ctx.out.line(`${time} ${plural(keys.length, 'target')}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
  const rows = sorted.slice(0, MAX_STATUS_LINES).map((k) => {
    const s: TargetState | undefined = states.get(k);
    return [k, s?.status ?? 'not probed', s ? `for ${formatElapsed(s.since, now)}` : '', formatFindings(s?.findings ?? []), s?.reason ?? ''];
  });
  ctx.out.stdout.write(alignColumns(rows, '  '));
  if (sorted.length > MAX_STATUS_LINES) ctx.out.line(`  ... and ${sorted.length - MAX_STATUS_LINES} more (\`portwatch status\`)`);
}

/** SIGINT/SIGTERM stop the run between ticks; a second Ctrl-C exits at once. */
function stopOnSignals(out: CliOutput): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      out.note(`${name} again: exiting without finishing the tick`);
      process.exit(130);
    }
    out.note(`${name}: stopping after the current tick (press Ctrl-C again to force)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export const registerLocalCommand: CommandRegistrar = (program: Command) => {
  program
    .command('local')
    .description('Run the whole pipeline in one process on an embedded DynamoDB: no AWS account needed.')
    .argument('[target...]', 'targets in the targets.txt line format, e.g. "127.0.0.1:8883 expect=closed depth=tcp"')
    .option('--targets <file>', 'targets file (targets.txt lines, CSV or JSON); it becomes the whole target list')
    .addOption(new Option('--interval <duration>', 'time between ticks: 30s, 5m, 1h').argParser(durationOption(DURATION_FLAGS.interval)).default(60_000, '60s'))
    .addOption(
      new Option('--posture-every <duration>', 'time between deep looks (TLS, MQTT) at an open broker; ticks between only connect')
        .argParser(durationOption(DURATION_FLAGS.postureEvery))
        .default(PROBER_DEFAULTS.postureEveryMs, formatDuration(PROBER_DEFAULTS.postureEveryMs)),
    )
    .option('--ticks <n>', 'stop after N ticks (default: run until Ctrl-C)', integerOption(INTEGER_FLAGS.ticks))
    .option('--state <dir>', 'directory of the embedded DynamoDB (targets, state, history)', DEFAULT_STATE_DIR)
    .option('--json', 'alerts as one JSON object per line on stdout, nothing else there')
    .option('--topic-arn <arn>', 'also publish alerts to this SNS topic (AWS credentials from the standard chain)')
    .option('--timeout <ms>', `probe deadline per socket phase, in ms (${rangeText(INTEGER_FLAGS.timeout)})`, integerOption(INTEGER_FLAGS.timeout), PROBER_DEFAULTS.probeTimeoutMs)
    .option('--deny-private', 'refuse loopback and private addresses, as the deployed prober does')
    .addOption(new Option('--allow <cidr>', 'probe this range even when refused otherwise (repeatable)').argParser(collect).default([], 'none'))
    .option('--concurrency <n>', `targets probed at once (${rangeText(INTEGER_FLAGS.concurrency)})`, integerOption(INTEGER_FLAGS.concurrency), PROBER_DEFAULTS.probeConcurrency)
    .option('--verbose', 'log every tick and unconfirmed change on stderr')
    .addOption(
      new Option('--confirm-attempts <n>', 'observations that must agree before a change is believed')
        .argParser(integerOption(INTEGER_FLAGS.confirmAttempts))
        .default(PROBER_DEFAULTS.confirmAttempts)
        .hideHelp(),
    )
    .addOption(
      new Option('--confirm-delay <ms>', 'pause before a confirming re-probe').argParser(integerOption(INTEGER_FLAGS.confirmDelay)).default(PROBER_DEFAULTS.confirmDelayMs).hideHelp(),
    )
    .addHelpText(
      'after',
      `
Each tick runs the code the Lambdas run: the dispatcher pages the Targets table into an in-process
queue, the prober probes, records transitions in the state table and prints each alert once. State is
kept in --state, so a restart resumes the history and never repeats an alert. Ctrl-C stops after the
current tick.

With --targets or TARGET arguments, the local Targets table is made equal to them (targets removed
from the file leave it; their history stays), and the file is read again before a tick whenever it
changed. Without either, the run watches what the table holds (see \`portwatch targets add --state DIR\`).
A file line that fails validation is reported as FILE:LINE: field: value reason; the other targets
still run, and the command exits 2 at the end.

Unlike the deployed prober, local mode probes loopback and private addresses; --deny-private refuses them.

Examples:
  $ portwatch local --targets targets.txt
  $ portwatch local "127.0.0.1:1883 depth=tcp expect=closed" --interval 10s
  $ portwatch local --targets targets.txt --ticks 1 --json | jq .
  $ portwatch local --targets fleet.csv --topic-arn arn:aws:sns:eu-west-1:123456789012:portwatch-alerts

Exit codes: 0 ok, 1 a tick failed (state could not be written), 2 bad usage or a refused targets line.`,
    )
    .action(async (targets: string[], options: LocalOptions) => {
      const out = new CliOutput(options.json === true);
      const { signal, dispose } = stopOnSignals(out);
      try {
        const code = await runLocal(targets, options, signal);
        if (code !== EXIT_OK) process.exitCode = code;
      } finally {
        dispose();
      }
    });
};
