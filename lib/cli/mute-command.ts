/**
 * `portwatch mute` / `portwatch unmute`: maintenance windows. A target's windows are attributes of
 * its Targets item (`muteUntil`, `maintenance`), so they can also be set by hand; windows for every
 * target live on the scanner item of the State table.
 */
import type { Command } from 'commander';
import { formatDuration, parseDuration } from '../../lambda/parse/duration';
import { formatFieldError, parseTargetItem } from '../../lambda/monitor/target';
import type { MaintenanceWindow } from '../../lambda/monitor/model';
import { parseCronWindow, parseUntil } from '../../lambda/monitor/windows';
import { withBackend, type Backend, type BackendOptions } from './backend';
import { EXIT_FAILED, UsageError, type CommandRegistrar } from './cli-io';
import { CliOutput } from './output';
import { BACKEND_HELP, addBackendOptions } from './options';
import { findTarget } from './status-command';

interface MuteOptions extends BackendOptions {
  readonly json?: boolean;
  readonly all?: boolean;
  readonly until?: string;
  readonly cron?: string;
  readonly tz?: string;
  readonly for?: string;
}

/** `--until` takes a time (`2026-12-01T06:00Z`) or a duration from now (`2h`). */
export function untilFrom(text: string, now: Date): string {
  const ms = parseDuration(text);
  if (ms !== null && ms > 0) return new Date(now.getTime() + ms).toISOString();
  const parsed = parseUntil(text, '--until');
  if (!parsed.ok || parsed.value.kind !== 'until') throw new UsageError(`--until: ${JSON.stringify(text)} must be a time such as 2026-12-01T06:00:00Z or a duration such as 2h`);
  if (Date.parse(parsed.value.until) <= now.getTime()) throw new UsageError(`--until: ${JSON.stringify(text)} is in the past`);
  return parsed.value.until;
}

function windowFrom(options: MuteOptions, now: Date): MaintenanceWindow {
  if ((options.until === undefined) === (options.cron === undefined)) throw new UsageError('give either --until TIME|DURATION or --cron EXPR --for DURATION');
  if (options.until !== undefined) return { kind: 'until', until: untilFrom(options.until, now) };
  const parsed = parseCronWindow({ cron: options.cron, tz: options.tz ?? 'UTC', for: options.for }, 'window');
  if (!parsed.ok) throw new UsageError(`--${parsed.error.field.replace('window.', '')}: ${parsed.error.value} ${parsed.error.reason}`);
  return parsed.value;
}

function describe(w: MaintenanceWindow): string {
  return w.kind === 'until' ? `until ${w.until}` : `every "${w.cron}" (${w.tz}) for ${formatDuration(w.durationMs)}`;
}

async function muteTarget(backend: Backend, arg: string, window: MaintenanceWindow | null): Promise<{ key: string; windows: MaintenanceWindow[] } | null> {
  const found = await findTarget(backend, arg);
  if (found === null || found.item === null) return null;
  const { key, item } = found;
  const next: Record<string, unknown> = { ...item };
  if (window === null) {
    delete next.muteUntil;
    delete next.maintenance;
  } else if (window.kind === 'until') {
    next.muteUntil = window.until;
  } else {
    const existing = Array.isArray(item.maintenance) ? item.maintenance : item.maintenance ? [item.maintenance] : [];
    next.maintenance = [...existing, { cron: window.cron, tz: window.tz, for: formatDuration(window.durationMs) }];
  }
  const parsed = parseTargetItem(next);
  if (!parsed.ok) throw new UsageError(formatFieldError(parsed.error));
  await backend.targets.put(next);
  return { key, windows: [...parsed.value.windows] };
}

async function muteAll(backend: Backend, window: MaintenanceWindow | null): Promise<MaintenanceWindow[]> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const scanner = await backend.store.getScanner();
    const windows = window === null ? [] : mergeWindows(scanner?.windows ?? [], window, new Date());
    if (windows.length > MAX_GLOBAL_WINDOWS) throw new UsageError(`--all: already ${MAX_GLOBAL_WINDOWS} windows for every target; \`portwatch unmute --all\` clears them`);
    // The storm's fields are kept as they are (an owed storm alert included): a mute must not end a storm.
    const next = { stormSince: null, stormLastSeen: null, ...scanner, version: (scanner?.version ?? 0) + 1, windows };
    if (await backend.store.putScanner(next, scanner?.version ?? null)) return windows;
  }
  throw new Error('the scanner item kept changing; try again');
}

const MAX_GLOBAL_WINDOWS = 10;

/** A new `until` replaces the old one; expired ones and exact repeats are dropped. */
export function mergeWindows(existing: readonly MaintenanceWindow[], window: MaintenanceWindow, now: Date): MaintenanceWindow[] {
  const live = existing.filter((w) => !(w.kind === 'until' && (window.kind === 'until' || Date.parse(w.until) <= now.getTime())));
  const same = (a: MaintenanceWindow, b: MaintenanceWindow): boolean => JSON.stringify(a) === JSON.stringify(b);
  return live.some((w) => same(w, window)) ? live : [...live, window];
}

async function run(targetArg: string | undefined, options: MuteOptions, unmute: boolean): Promise<void> {
  const out = new CliOutput(options.json === true);
  if ((targetArg === undefined) === (options.all !== true)) throw new UsageError('name a TARGET or give --all');
  const window = unmute ? null : windowFrom(options, new Date());
  await withBackend(options, false, async (backend) => {
    if (options.all) {
      const windows = await muteAll(backend, window);
      if (out.json) out.data({ target: '*', windows });
      else out.line(windows.length === 0 ? `unmuted all targets in ${backend.where}` : `all targets muted ${windows.map(describe).join(', ')}`);
      return;
    }
    const result = await muteTarget(backend, targetArg as string, window);
    if (result === null) {
      out.note(`no target ${JSON.stringify(targetArg)} in the Targets table of ${backend.where}`);
      process.exitCode = EXIT_FAILED;
      return;
    }
    if (out.json) out.data({ target: result.key, windows: result.windows });
    else out.line(result.windows.length === 0 ? `unmuted ${result.key}` : `${result.key} muted ${result.windows.map(describe).join(', ')}`);
  });
}

const EXAMPLES = `
During a window portwatch still probes and records state, but holds alerts. When the window ends
it alerts once if the target then differs from how it was before the window.

Examples:
  $ portwatch mute broker.example.com --until 2h
  $ portwatch mute broker.example.com --until 2026-12-01T06:00:00Z --stack Portwatch
  $ portwatch mute broker.example.com --cron "0 2 * * SUN" --tz Europe/Berlin --for 2h
  $ portwatch mute --all --until 30m
  $ portwatch unmute broker.example.com
${BACKEND_HELP}`;

export const registerMuteCommand: CommandRegistrar = (program: Command) => {
  addBackendOptions(
    program
      .command('mute')
      .description('Hold the alerts of a target (or of all) until a time, or in a recurring maintenance window.')
      .argument('[target]', 'the target key')
      .option('--all', 'every target (kept on the scanner item of the State table)')
      .option('--until <time|duration>', 'end of the mute: an ISO time or a duration from now (2h)')
      .option('--cron <expr>', 'start of a recurring window: a 5-field cron expression')
      .option('--tz <zone>', 'IANA time zone of --cron (default UTC)')
      .option('--for <duration>', 'length of each recurring window, e.g. 2h'),
  )
    .addHelpText('after', EXAMPLES)
    .action((target: string | undefined, options: MuteOptions) => run(target, options, false));
  addBackendOptions(
    program
      .command('unmute')
      .description('Remove every mute and maintenance window of a target (or of all targets).')
      .argument('[target]', 'the target key')
      .option('--all', 'the windows that apply to every target'),
  )
    .addHelpText('after', `\nExamples:\n  $ portwatch unmute broker.example.com\n  $ portwatch unmute --all\n${BACKEND_HELP}`)
    .action((target: string | undefined, options: MuteOptions) => run(target, options, true));
};
