/**
 * `portwatch status [TARGET]`: the current state of every target (or one in detail) from the State
 * table, joined with the Targets table so targets not probed yet and removed ones show up too.
 */
import { withCurrentReach } from './current-reach';
import type { Command } from 'commander';
import type { MaintenanceWindow, Reach, TargetState } from '../../lambda/monitor/model';
import { isPartial, nameList, namesOrNone, partialNote } from '../../lambda/monitor/reach-text';
import { activeWindowEnd } from '../../lambda/monitor/windows';
import { plural } from '../../lambda/parse/plural';
import { DEFAULT_PORT, formatFieldError, parseTargetItem } from '../../lambda/monitor/target';
import { withBackend, type Backend, type BackendOptions } from './backend';
import { EXIT_FAILED, type CommandRegistrar } from './cli-io';
import { CliOutput, formatElapsed, formatFindings, formatLabels, formatTime } from './output';
import { BACKEND_HELP, addBackendOptions } from './options';
import { matchKey } from './targets-command';
import { definitionErrorOf } from './targets-file';
import { describeWindows, globalWindowsLine, windowsCell } from './window-text';
import { mqttFactLines } from './mqtt-facts';

interface StatusOptions extends BackendOptions {
  readonly json?: boolean;
}

/** An alert decided but not yet accepted by the notifier (SNS down, or a prober stopped mid-way). */
interface PendingAlert {
  readonly id: string;
  readonly event: string;
  readonly severity: string;
  readonly at: string;
  readonly claimedUntil: string | null;
  /** Channels that already accepted it (`sns`, then sinks by name): an alert SNS took waits only for a sink. */
  readonly delivered: readonly string[];
}

interface StatusRow {
  readonly target: string;
  readonly display: string;
  /** `not-probed` for a target with no state yet. */
  readonly status: string;
  readonly open: boolean | null;
  readonly since: string | null;
  readonly statusSince: string | null;
  readonly reason: string | null;
  readonly findings: readonly string[];
  readonly expect: string | null;
  /** False when the Targets item says enabled=false; null when there is no Targets item. */
  readonly enabled: boolean | null;
  /** False when the target was removed from the Targets table: its state is history now. */
  readonly inTargets: boolean;
  /** The Targets item fails validation (the prober records it as `error`). */
  readonly invalid: string | null;
  /** `portwatch local` refused the target's line in its targets file and probes the last valid definition. */
  readonly definitionError: string | null;
  readonly updatedAt: string | null;
  readonly version: number | null;
  readonly pendingAlerts: readonly PendingAlert[];
  /** The target's own mutes and maintenance windows (its Targets item). */
  readonly windows: readonly MaintenanceWindow[];
  /** End of the window holding its alerts now, its own or one for all targets; null when none does. */
  readonly mutedUntil: string | null;
  /** With several vantage points: what each of them sees (absent with one, so that output is unchanged). */
  readonly reach?: Reach;
}

function pendingAlerts(state: TargetState | null): PendingAlert[] {
  if (state === null) return [];
  return state.outbox
    .filter((e) => e.alert !== null)
    .map((e) => ({ id: e.id, event: e.alert?.event ?? '', severity: e.alert?.severity ?? '', at: e.event.at, claimedUntil: e.claimedUntil, delivered: e.delivered ?? [] }));
}

function statusRow(key: string, state: TargetState | null, item: Readonly<Record<string, unknown>> | null, global: readonly MaintenanceWindow[], now: Date): StatusRow {
  const parsed = item === null ? null : parseTargetItem(item, DEFAULT_PORT);
  const target = parsed?.ok ? parsed.value : null;
  const windows = target?.windows ?? [];
  return {
    target: key,
    display: state?.display ?? target?.display ?? key,
    status: state?.status ?? 'not-probed',
    open: state?.open ?? null,
    since: state?.since ?? null,
    statusSince: state?.statusSince ?? null,
    reason: state?.reason ?? null,
    findings: state?.findings ?? [],
    expect: target?.expect ?? state?.expect ?? null,
    enabled: target ? target.enabled : null,
    inTargets: item !== null,
    invalid: parsed && !parsed.ok ? formatFieldError(parsed.error) : null,
    definitionError: definitionErrorOf(item),
    updatedAt: state?.updatedAt ?? null,
    version: state?.version ?? null,
    pendingAlerts: pendingAlerts(state),
    windows,
    mutedUntil: activeWindowEnd([...windows, ...global], now)?.toISOString() ?? null,
    ...(state?.reach ? { reach: state.reach } : {}),
  };
}

/** A target as both tables know it; either side is null when that table has nothing under the key. */
interface FoundTarget {
  readonly key: string;
  readonly state: TargetState | null;
  readonly item: Readonly<Record<string, unknown>> | null;
}

/**
 * Finds the target the user means (see matchKey) with what the tables hold for it, so that callers
 * do not read it again. Null when neither table knows it.
 */
export async function findTarget(backend: Backend, arg: string): Promise<FoundTarget | null> {
  const [state, item] = await Promise.all([backend.store.getState(arg), backend.targets.get(arg)]);
  if (state !== null || item !== null) return { key: arg, state, item };
  const states = new Map<string, TargetState>();
  for await (const s of backend.store.listStates()) states.set(s.target, s);
  const items = new Map<string, Readonly<Record<string, unknown>>>();
  for (const i of await backend.targets.listAll()) if (typeof i.target === 'string') items.set(i.target, i);
  const key = matchKey(arg, new Set([...states.keys(), ...items.keys()]));
  return key === null ? null : { key, state: states.get(key) ?? null, item: items.get(key) ?? null };
}

function shown(row: StatusRow): string {
  if (!row.inTargets) return `${row.status} (removed)`;
  if (row.enabled === false) return `${row.status === 'not-probed' ? 'disabled' : `${row.status} (disabled)`}`;
  return row.status === 'not-probed' ? 'not probed yet' : row.status;
}

/** `open (partial: not open from ap-southeast-2 since 2026-11-24 10:05:00Z)`: the status, and where vantage points disagree. */
function withReach(status: string, row: StatusRow): string {
  const note = partialNote(row.open, row.reach, formatTime);
  return note === null ? status : `${status} (${note})`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

async function runStatus(targetArg: string | undefined, options: StatusOptions): Promise<void> {
  const out = new CliOutput(options.json === true);
  const now = new Date();
  await withBackend(options, 'read', async (backend) => {
    const global = (await backend.store.getScanner())?.windows ?? [];
    if (targetArg !== undefined) {
      const found = await findTarget(backend, targetArg);
      if (found === null) {
        out.note(`no target ${JSON.stringify(targetArg)} in ${backend.where} (see \`portwatch status\` or \`portwatch targets list\`)`);
        process.exitCode = EXIT_FAILED;
        return;
      }
      const { key, item } = found;
      // The reach as the vantage points' views show it now (current-reach.ts); the rest as recorded.
      const state = found.state === null ? null : ((await withCurrentReach(backend.store, [found.state]))[0] ?? found.state);
      const row = statusRow(key, state, item, global, now);
      if (out.json) out.data({ ...row, evidence: state?.evidence ?? null });
      else printDetail(out, row, state, item, global, now);
      return;
    }
    const items = new Map<string, Readonly<Record<string, unknown>>>();
    for (const item of await backend.targets.listAll()) if (typeof item.target === 'string') items.set(item.target, item);
    const listed: TargetState[] = [];
    for await (const state of backend.store.listStates()) listed.push(state);
    const states = new Map((await withCurrentReach(backend.store, listed)).map((s) => [s.target, s]));
    const keys = [...new Set([...items.keys(), ...states.keys()])].sort((a, b) => a.localeCompare(b));
    const rows = keys.map((k) => statusRow(k, states.get(k) ?? null, items.get(k) ?? null, global, now));
    if (out.json) {
      for (const row of rows) out.data(row);
      return;
    }
    if (rows.length === 0) {
      out.note(`no targets in ${backend.where} (add one with \`portwatch targets add HOST[:PORT]\`, or run \`portwatch local\`)`);
      return;
    }
    out.table(
      ['TARGET', 'STATUS', 'FOR', 'EXPECT', 'FINDINGS', 'MUTED', 'REASON'],
      rows.map((r) => [
        r.target,
        withReach(shown(r), r),
        r.since ? formatElapsed(r.since, now) : '-',
        r.expect ?? 'any',
        formatFindings(r.findings),
        windowsCell(r.windows, now),
        truncate(r.invalid ? `invalid: ${r.invalid}` : (r.reason ?? '-'), 70) + (r.pendingAlerts.length > 0 ? ` [${r.pendingAlerts.length} alert(s) pending]` : ''),
      ]),
    );
    const allLine = globalWindowsLine(global, now);
    if (allLine !== null) out.line(allLine);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(shown(r), (counts.get(shown(r)) ?? 0) + 1);
    out.line(`${rows.length} target${rows.length === 1 ? '' : 's'}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
    const vantageLine = vantageSummary(rows);
    if (vantageLine !== null) out.line(vantageLine);
    for (const r of rows) if (r.definitionError) out.line(`${r.target}: definition error: ${r.definitionError}; the last valid definition is still probed`);
  });
}

function printDetail(
  out: CliOutput,
  row: StatusRow,
  state: TargetState | null,
  item: Readonly<Record<string, unknown>> | null,
  global: readonly MaintenanceWindow[],
  now: Date,
): void {
  const lines: [string, string][] = [
    ['target', row.display === row.target ? row.target : `${row.target} (${row.display})`],
    ['status', withReach(shown(row), row)],
  ];
  if (row.since) lines.push([row.open === true ? 'open since' : row.open === false ? 'not open since' : 'since', `${formatTime(row.since)} (${formatElapsed(row.since, now)})`]);
  if (row.statusSince && row.statusSince !== row.since) lines.push(['status since', `${formatTime(row.statusSince)} (${formatElapsed(row.statusSince, now)})`]);
  lines.push(['expect', row.expect ?? 'any change alerts']);
  if (row.invalid) lines.push(['invalid', row.invalid]);
  if (row.definitionError) lines.push(['definition error', `${row.definitionError}; the last valid definition is still probed`]);
  lines.push(['findings', formatFindings(row.findings)]);
  if (row.reach) lines.push(...reachLines(row.reach));
  if (row.reason) lines.push([row.status === 'error' ? 'last error' : 'reason', row.reason]);
  const parsed = item ? parseTargetItem(item, DEFAULT_PORT) : null;
  if (parsed?.ok) {
    lines.push(['depth', `${parsed.value.depth}${parsed.value.transport === 'udp' ? ' over udp' : ''}`]);
    if (Object.keys(parsed.value.labels).length > 0) lines.push(['labels', formatLabels(parsed.value.labels)]);
    if (parsed.value.description) lines.push(['description', parsed.value.description]);
  }
  if (!row.inTargets) lines.push(['note', 'not in the Targets table any more; state and history are kept']);
  for (const w of describeWindows(row.windows, now)) lines.push(['window', w]);
  for (const w of describeWindows(global, now)) lines.push(['window (all)', w]);
  for (const a of state?.evidence.addresses ?? []) lines.push(['address', `${a.address} ${a.status} (${a.reason}, ${a.latencyMs} ms)`]);
  const tls = state?.evidence.tls;
  if (tls) {
    lines.push(['tls', `${tls.version ?? 'no handshake'}${tls.cipher ? ` ${tls.cipher}` : ''}, chain ${tls.authorized ? 'verified' : `not verified (${tls.authorizationError ?? 'unknown'})`}`]);
    if (tls.cert) lines.push(['certificate', `${tls.cert.subject}, issuer ${tls.cert.issuer}, expires ${tls.cert.validTo} (${plural(tls.cert.daysLeft, 'day')})`]);
  }
  const mqtt = state?.evidence.mqtt;
  if (mqtt) lines.push(['mqtt', `${mqtt.reason}, anonymous ${mqtt.anonymous ? 'ACCEPTED' : 'refused'}`]);
  lines.push(...mqttFactLines(mqtt ?? null, state?.evidence.plaintextListener));
  if (row.updatedAt) lines.push(['last change', `${formatTime(row.updatedAt)} (state version ${row.version})`]);
  if (row.pendingAlerts.length === 0) lines.push(['pending alerts', 'none']);
  for (const a of row.pendingAlerts) {
    const claim = a.claimedUntil ? `, being published until ${formatTime(a.claimedUntil)}` : ', waiting to be published';
    const taken = a.delivered.length > 0 ? ` (${a.delivered.join(', ')} took it; a sink is still owed)` : '';
    lines.push(['pending alert', `${a.event} (${a.severity}) at ${formatTime(a.at)}${claim}${taken}`]);
  }
  const width = Math.max(...lines.map(([k]) => k.length));
  for (const [k, v] of lines) out.line(`${k.padEnd(width)}  ${v}`);
}

/**
 * Under the table, with several vantage points: how many targets are partial, and which vantage points
 * know nothing current of how many (one missing from every row stopped reporting). Null with one.
 */
function vantageSummary(rows: readonly StatusRow[]): string | null {
  const partial = rows.filter((r) => isPartial(r.reach)).length;
  const unknown = new Map<string, number>();
  for (const r of rows) for (const v of r.reach?.unknown ?? []) unknown.set(v, (unknown.get(v) ?? 0) + 1);
  const parts = partial > 0 ? [`${plural(partial, 'target')} partially reachable`] : [];
  for (const [v, n] of [...unknown].sort(([a], [b]) => a.localeCompare(b))) parts.push(`${v} unknown for ${plural(n, 'target')}`);
  return parts.length > 0 ? `vantage points: ${parts.join('; ')}` : null;
}

/** Every vantage point by what it sees, for the detail view. */
function reachLines(reach: Reach): [string, string][] {
  return [
    ['open from', namesOrNone(reach.open)],
    ['not open from', namesOrNone(reach.notOpen)],
    ['unknown from', reach.unknown.length > 0 ? `${nameList(reach.unknown)} (stopped reporting, or its look failed)` : 'none'],
  ];
}

export const registerStatusCommand: CommandRegistrar = (program: Command) => {
  addBackendOptions(
    program
      .command('status')
      .description('Current status of every target, or of one in detail (since when, findings, last error, pending alerts).')
      .argument('[target]', 'one target key (host:port also finds a key written as host)'),
  )
    .addHelpText(
      'after',
      `
Statuses: open, closed (refused), filtered (no answer), unreachable, error (cannot be probed: DNS, invalid
item), "not probed yet", disabled, and "(removed)" for targets deleted from the Targets table whose
state is kept. FOR is how long the target has been open, or not open. MUTED shows the target's mutes
and maintenance windows (\`portwatch mute\`: alerts are held while one is active); windows for all
targets (\`mute --all\`) are on a line under the table. With several vantage points (regions, or
\`local --vantage\`), STATUS says where they disagree: "open (partial: not open from ap-southeast-2
since ...)"; the detail view lists open from / not open from / unknown from.

Examples:
  $ portwatch status
  $ portwatch status 127.0.0.1:8883
  $ portwatch status --stack Portwatch --region eu-west-1 --json | jq 'select(.open)'
${BACKEND_HELP}`,
    )
    .action((target: string | undefined, options: StatusOptions) => runStatus(target, options));
};
