/**
 * `portwatch targets add|remove|list|import`: the Targets table, local or deployed. Every item is
 * validated by `parseTargetItem`, the function the prober uses, so what the CLI accepts the prober probes.
 */
import type { Command } from 'commander';
import type { MaintenanceWindow, Target } from '../../lambda/monitor/model';
import { DEFAULT_PORT, formatFieldError, parseTargetItem, parseTargetKey, type TargetFieldError } from '../../lambda/monitor/target';
import { withBackend, type Backend, type BackendOptions } from './backend';
import { EXIT_FAILED, EXIT_USAGE, UsageError, type CommandRegistrar } from './cli-io';
import { CliOutput, formatLabels } from './output';
import { formatDuration } from '../../lambda/parse/duration';
import { plural } from '../../lambda/parse/plural';
import { BACKEND_HELP, INTEGER_FLAGS, addBackendOptions, integerOption, rangeText } from './options';
import { formatLineError, normalizeItem, readTargetsFile } from './targets-file';
import { syncTargets } from './targets-sync';
import { globalWindowsLine, windowsCell } from './window-text';

interface CommonOptions extends BackendOptions {
  readonly json?: boolean;
}

interface AddOptions extends CommonOptions {
  readonly expect?: string;
  readonly depth?: string;
  readonly protocol?: string;
  readonly label: readonly string[];
  readonly description?: string;
  readonly disabled?: boolean;
  readonly timeout?: number;
  readonly serverName?: string;
  readonly every?: string;
}

interface ImportOptions extends CommonOptions {
  readonly prune?: boolean;
  readonly dryRun?: boolean;
}

/** Which flag or argument of `targets add` sets each item attribute, to name it in errors. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  target: 'TARGET',
  expect: '--expect',
  depth: '--depth',
  protocol: '--protocol',
  labels: '--label',
  description: '--description',
  timeoutMs: '--timeout',
  enabled: '--disabled',
  serverName: '--server-name',
  every: '--every',
};

function flagError(error: TargetFieldError): UsageError {
  const field = error.field.startsWith('labels') ? 'labels' : error.field;
  const flag = FLAG_OF_FIELD[field] ?? error.field;
  const detail = error.field.startsWith('labels.') ? ` (label ${error.field.slice('labels.'.length)})` : '';
  return new UsageError(`${flag}${detail}: ${error.value} ${error.reason}`);
}

/**
 * `--label name=value`, repeatable. The `=` is required on the command line, though a Targets item may
 * hold a label without a value: `--label prod` is far more often a forgotten value than a wish for none
 * (`--label prod=` asks for an empty one).
 */
function collectLabel(value: string, previous: readonly string[]): string[] {
  if (value.indexOf('=') <= 0) throw new UsageError(`--label: ${JSON.stringify(value)} must be key=value`);
  return [...previous, value];
}

/** The item `targets add` writes: only the attributes given, so the prober's defaults apply to the rest. */
function itemFromAddOptions(target: string, options: Omit<AddOptions, keyof CommonOptions>): { item: Record<string, unknown>; parsed: Target } {
  // Typed text: trimmed here, because the key parser refuses surrounding spaces (a different table key).
  const raw: Record<string, unknown> = { target: target.trim() };
  if (options.expect !== undefined) raw.expect = options.expect;
  if (options.depth !== undefined) raw.depth = options.depth;
  if (options.protocol !== undefined) raw.protocol = options.protocol;
  if (options.label.length > 0) {
    raw.labels = Object.fromEntries(options.label.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }
  if (options.description !== undefined) raw.description = options.description;
  if (options.disabled === true) raw.enabled = false;
  if (options.timeout !== undefined) raw.timeoutMs = options.timeout;
  if (options.serverName !== undefined) raw.serverName = options.serverName;
  if (options.every !== undefined) raw.every = options.every;
  const parsed = parseTargetItem(raw, DEFAULT_PORT);
  if (!parsed.ok) throw flagError(parsed.error);
  return { item: normalizeItem(raw, parsed.value), parsed: parsed.value };
}

/**
 * The key a user means by TARGET: the key itself, or else the one key whose host:port is the same
 * (`localhost` finds `localhost:8883`). Null when nothing matches, or when several keys do.
 */
export function matchKey(arg: string, keys: Iterable<string>): string | null {
  const wanted = parseTargetKey(arg.trim());
  if (!wanted.ok) return null;
  const display = (key: string): string | null => {
    const parsed = parseTargetKey(key);
    return parsed.ok ? `${parsed.value.host}:${parsed.value.port ?? DEFAULT_PORT}` : null;
  };
  const target = display(arg.trim());
  const matches = [...keys].filter((k) => display(k) === target);
  return matches.length === 1 ? (matches[0] as string) : null;
}

/** One Targets item as `targets list --json` shows it: normalised when valid, with the error when not. */
function describeItem(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const parsed = parseTargetItem(item, DEFAULT_PORT);
  if (!parsed.ok) return { target: item.target ?? null, valid: false, error: formatFieldError(parsed.error), item };
  const t = parsed.value;
  return {
    target: t.target,
    valid: true,
    host: t.host,
    port: t.port,
    protocol: t.transport,
    expect: t.expect,
    depth: t.depth,
    enabled: t.enabled,
    labels: t.labels,
    description: t.description,
    timeoutMs: t.timeoutMs ?? null,
    windows: t.windows,
    remindEveryMs: t.remindEveryMs,
    serverName: t.serverName ?? null,
    // The fast lane (lane.ts): a look every so many ms, `schedule`, or null for the stack's default.
    every: t.every ?? null,
    // Discovered targets (`portwatch discover`) name their AWS resource; the user's have none.
    origin: t.origin ?? null,
    error: null,
  };
}

async function runAdd(target: string, options: AddOptions): Promise<void> {
  const out = new CliOutput(options.json === true);
  const { item, parsed } = itemFromAddOptions(target, options);
  await withBackend(options, true, async (backend) => {
    const previous = await backend.targets.put(item);
    const action = previous === null ? 'added' : 'replaced';
    if (out.json) out.data({ action, ...describeItem(item) });
    else {
      const every = parsed.every === undefined ? [] : [`every ${typeof parsed.every === 'number' ? formatDuration(parsed.every) : parsed.every}`];
      const facts = [`expect ${parsed.expect ?? 'any change'}`, `depth ${parsed.depth}`, ...every, ...(parsed.enabled ? [] : ['disabled'])];
      out.line(`${action} ${parsed.target} (${parsed.display}, ${facts.join(', ')}) in ${backend.where}`);
    }
  });
}

async function runRemove(target: string, options: CommonOptions): Promise<void> {
  const out = new CliOutput(options.json === true);
  await withBackend(options, false, async (backend) => {
    let removed = await backend.targets.delete(target);
    if (removed === null) {
      const key = matchKey(target, (await backend.targets.listAll()).map((i) => String(i.target)));
      if (key !== null) removed = await backend.targets.delete(key);
    }
    if (removed === null) {
      out.note(`no target ${JSON.stringify(target)} in ${backend.where} (see \`portwatch targets list\`)`);
      process.exitCode = EXIT_FAILED;
      return;
    }
    const key = String(removed.target);
    if (out.json) out.data({ action: 'removed', target: key });
    else out.line(`removed ${key} from ${backend.where} (its state and history stay: \`portwatch history ${key}\`)`);
  });
}

async function runList(options: CommonOptions): Promise<void> {
  const out = new CliOutput(options.json === true);
  const now = new Date();
  await withBackend(options, 'read', async (backend) => {
    const items = (await backend.targets.listAll()).map(describeItem).sort((a, b) => String(a.target).localeCompare(String(b.target)));
    if (out.json) {
      for (const item of items) out.data(item);
      return;
    }
    if (items.length === 0) {
      out.note(`no targets in ${backend.where} (add one with \`portwatch targets add HOST[:PORT]\`)`);
      return;
    }
    out.table(
      ['TARGET', 'EXPECT', 'DEPTH', 'ENABLED', 'LABELS', 'MUTED', 'DESCRIPTION'],
      items.map((i) =>
        i.valid
          ? [
              String(i.target),
              String(i.expect ?? 'any'),
              String(i.depth),
              i.enabled ? 'yes' : 'no',
              formatLabels(i.labels as Record<string, string>),
              windowsCell(i.windows as readonly MaintenanceWindow[], now),
              String(i.description ?? ''),
            ]
          : [String(i.target), '?', '?', '?', '-', '-', `INVALID: ${String(i.error)}`],
      ),
    );
    const allLine = globalWindowsLine((await backend.store.getScanner())?.windows ?? [], now);
    if (allLine !== null) out.line(allLine);
    const invalid = items.filter((i) => !i.valid).length;
    out.line(`${plural(items.length, 'target')}${invalid > 0 ? `, ${invalid} invalid (not probed; fix or remove them)` : ''}`);
  });
}

async function runImport(file: string, options: ImportOptions): Promise<void> {
  const out = new CliOutput(options.json === true);
  const parsed = await readTargetsFile(file);
  for (const error of parsed.errors) out.note(formatLineError(file, error));
  const summary = {
    file,
    format: parsed.format,
    valid: parsed.entries.length,
    refused: parsed.errors.length,
    errors: parsed.errors,
  };
  if (options.dryRun) {
    if (out.json) out.data({ ...summary, dryRun: true });
    else out.line(`${file}: ${plural(parsed.entries.length, 'valid target')}, ${plural(parsed.errors.length, 'line')} refused (dry run: nothing written)`);
  } else {
    await withBackend(options, true, async (backend: Backend) => {
      const progress = out.progress(`importing ${file}`, parsed.entries.length);
      const report = await syncTargets(backend.targets, parsed.entries, { prune: options.prune === true, progress });
      if (out.json) {
        const { removedKeys, ...counts } = report;
        out.data({ ...summary, ...counts, removedTargets: removedKeys });
      } else {
        const pruned = options.prune ? `, ${report.removed} removed` : '';
        out.line(
          `imported ${plural(parsed.entries.length, 'target')} from ${file} into ${backend.where}: ${report.added} added, ${report.changed} changed, ${report.unchanged} unchanged${pruned}`,
        );
      }
    });
  }
  if (parsed.errors.length > 0) {
    if (!out.json) out.note(`${plural(parsed.errors.length, 'line')} of ${file} ${parsed.errors.length === 1 ? 'was' : 'were'} refused (listed above); the valid ones were ${options.dryRun ? 'checked' : 'imported'}`);
    process.exitCode = EXIT_USAGE;
  }
}

export const registerTargetsCommand: CommandRegistrar = (program: Command) => {
  const targets = program
    .command('targets')
    .description('Add, remove, list and import targets (the Targets table of a local state or a deployed stack).')
    .addHelpText(
      'after',
      `
Examples:
  $ portwatch targets add broker.example.com --expect open --label team=iot
  $ portwatch targets list --stack Portwatch --region eu-west-1
  $ portwatch targets import fleet.csv --stack Portwatch
${BACKEND_HELP}`,
    );

  addBackendOptions(
    targets
      .command('add')
      .description('Add a target, or replace the one with the same key.')
      .argument('<target>', 'host, host:port or [ipv6]:port (port defaults to 8883)')
      .option('--expect <state>', 'closed: alert when it opens (security); open: alert when it closes (availability); default: any change')
      .option('--depth <depth>', 'tcp (connect only), tls (+ certificate) or mqtt (+ anonymous CONNECT) (default: mqtt)')
      .option('--protocol <protocol>', 'tcp or udp (MQTT over DTLS) (default: tcp)')
      .option('--label <name=value>', 'label copied into alerts and SNS attributes (repeatable)', collectLabel, [] as string[])
      .option('--description <text>', 'free text shown in alerts')
      .option('--timeout <ms>', `probe deadline for this target, in ms (${rangeText(INTEGER_FLAGS.timeout)})`, integerOption(INTEGER_FLAGS.timeout))
      .option('--disabled', 'keep the target but do not probe it')
      .option('--server-name <name>', 'name sent as SNI and checked against the certificate (default: the host; an IP target is checked against its IP)')
      .option('--every <period>', 'the fast lane: a look every 10s, 15s, 20s, 30s or 1m within each tick, or schedule (default: the stack\'s defaultEvery)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ portwatch targets add 203.0.113.10 --expect closed --label env=prod
  $ portwatch targets add broker.example.com:8883 --expect open --depth tls --description "fleet broker"
  $ portwatch targets add gateway.example.com --expect closed --every 10s
  $ portwatch targets add '[2001:db8::5]:8883' --disabled --stack Portwatch
${BACKEND_HELP}`,
    )
    .action((target: string, options: AddOptions) => runAdd(target, options));

  addBackendOptions(
    targets
      .command('remove')
      .alias('rm')
      .description('Remove a target; its state and history are kept.')
      .argument('<target>', 'the target key, as listed by `portwatch targets list`'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ portwatch targets remove broker.example.com:8883
  $ portwatch targets remove 203.0.113.10 --stack Portwatch
${BACKEND_HELP}`,
    )
    .action((target: string, options: CommonOptions) => runRemove(target, options));

  addBackendOptions(targets.command('list').alias('ls').description('List the targets, with the ones that fail validation marked.'))
    .addHelpText(
      'after',
      `
Examples:
  $ portwatch targets list
  $ portwatch targets list --json | jq -r 'select(.expect == "closed") | .target'
${BACKEND_HELP}`,
    )
    .action((options: CommonOptions) => runList(options));

  addBackendOptions(
    targets
      .command('import')
      .description('Add or update many targets from a file (targets.txt lines, CSV with a header, or a JSON array).')
      .argument('<file>', 'the file to import')
      .option('--prune', 'also remove the targets the file does not name (the file becomes the whole list)')
      .option('--dry-run', 'validate the file and write nothing'),
  )
    .addHelpText(
      'after',
      `
Formats (detected from the content; a .csv name means CSV):
  targets.txt  one target per line: host[:port] [expect=closed|open] [depth=tcp|tls|mqtt] [protocol=udp]
               [label=name=value]... [timeoutMs=MS] [muteUntil=TIME] [remindEvery=24h] [serverName=NAME] [description="..."]; # comments and blank lines
  CSV          a header naming the columns: target,expect,depth,protocol,port,enabled,labels,timeoutMs,description
               (labels as name=value;name=value)
  JSON         an array of Targets-table items: [{"target": "broker:8883", "expect": "closed"}]

Lines that fail validation are listed as FILE:LINE: field: value reason; the valid lines are still
written (in batches of 25, retrying what DynamoDB leaves unprocessed) and the command exits 2.
Items that are already up to date are not rewritten.

Examples:
  $ portwatch targets import targets.txt
  $ portwatch targets import fleet.csv --stack Portwatch --dry-run
  $ portwatch targets import fleet.json --stack Portwatch --prune
${BACKEND_HELP}`,
    )
    .action((file: string, options: ImportOptions) => runImport(file, options));
};
