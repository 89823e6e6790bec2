/** What `portwatch local` prints besides alerts: the baseline table after the first look, and one heartbeat line per tick. */
import { withCurrentReach } from './current-reach';
import type { StateStore } from '../../lambda/monitor/dependencies';
import type { Reach, TargetState } from '../../lambda/monitor/model';
import type { RunReport } from '../../lambda/monitor/prober/service';
import { plural } from '../../lambda/parse/plural';
import { type CliOutput, formatElapsed, formatFindings } from './output';

/** Rows of the table printed after the first tick; beyond this, a count and `portwatch status`. */
const MAX_STATUS_LINES = 40;

/** One tick, as the heartbeat tells it. */
export interface TickSummary {
  /** The tick's time (ISO 8601). */
  readonly at: string;
  /** The targets dispatched (enabled ones, valid or not). */
  readonly keys: readonly string[];
  readonly skippedDisabled: number;
  /** Targets whose last look of the tick found them open. */
  readonly open: number;
  readonly report: RunReport;
}

/** Where a target is seen open from, with several vantage points: `open from a,b; not from c`, `not open from a,b,c`. */
export function formatReach(reach: Reach): string {
  const parts = reach.open.length > 0 ? [`open from ${reach.open.join(',')}`] : [];
  if (reach.notOpen.length > 0) parts.push(`${parts.length > 0 ? 'not' : 'not open'} from ${reach.notOpen.join(',')}`);
  if (reach.unknown.length > 0) parts.push(`unknown from ${reach.unknown.join(',')}`);
  return parts.join('; ');
}

/** After the first look of the first tick, in text mode: where every target stands, the baseline later ticks are told against. */
export async function printBaseline(
  ctx: { readonly store: StateStore; readonly out: CliOutput; readonly options: { readonly state: string }; readonly vantages: boolean },
  keys: readonly string[],
): Promise<void> {
  const read = await ctx.store.getStates(keys);
  // The reach as the views show it now: the state's reach is as of the first vantage point's write.
  const states = new Map((await withCurrentReach(ctx.store, [...read.values()])).map((s) => [s.target, s]));
  const now = new Date();
  const sorted = [...keys].sort((a, b) => a.localeCompare(b));
  const rows = sorted.slice(0, MAX_STATUS_LINES).map((k) => {
    const s: TargetState | undefined = states.get(k);
    const row = [k, s?.status ?? 'not probed', s ? formatElapsed(s.since, now) : '-', formatFindings(s?.findings ?? []), s?.reason ?? '-'];
    return ctx.vantages ? [...row.slice(0, 2), s?.reach ? formatReach(s.reach) : '-', ...row.slice(2)] : row;
  });
  ctx.out.table(ctx.vantages ? ['TARGET', 'STATUS', 'REACH', 'FOR', 'FINDINGS', 'REASON'] : ['TARGET', 'STATUS', 'FOR', 'FINDINGS', 'REASON'], rows);
  if (sorted.length > MAX_STATUS_LINES) ctx.out.line(`... and ${sorted.length - MAX_STATUS_LINES} more (\`portwatch status --state ${ctx.options.state}\`)`);
}

/**
 * One line per tick, so a run where nothing changes still shows it is alive:
 * `10:41:50  12 targets, 3 open, 1 change, next tick 10:42:00` (UTC, as the alert times). On stdout
 * in text mode, a pipe included: `npm start | tee log` keeps a log of when each tick ran, which is
 * what tells "nothing changed" from "nothing ran". With --json, on stderr: stdout is for alerts only.
 */
export function heartbeat(out: CliOutput, tick: TickSummary, next: Date | null): void {
  const changes = tick.report.transitions + tick.report.postureChanges;
  const parts = [plural(tick.keys.length, 'target'), `${tick.open} open`, plural(changes, 'change')];
  if (tick.skippedDisabled > 0) parts.push(`${tick.skippedDisabled} disabled`);
  if (tick.report.failedGroups.length > 0) parts.push('some not recorded (retried next tick)');
  if (tick.report.alertsPending > 0) parts.push(`${plural(tick.report.alertsPending, 'alert')} not delivered yet (retried next tick)`);
  parts.push(next === null ? 'final tick' : `next tick ${next.toISOString().slice(11, 19)}`);
  const line = `${tick.at.slice(11, 19)}  ${parts.join(', ')}`;
  if (out.json) out.note(line);
  else out.line(line);
}
