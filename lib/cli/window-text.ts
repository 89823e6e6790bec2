/** How `status` and `targets list` show mutes and maintenance windows: what holds alerts now, and when it starts or ends. */
import { CronExpressionParser } from 'cron-parser';
import { formatDuration } from '../../lambda/parse/duration';
import type { MaintenanceWindow } from '../../lambda/monitor/model';
import { activeWindowEnd } from '../../lambda/monitor/windows';
import { formatElapsed, formatTime } from './output';

/** `2026-12-06 02:00` in the window's own time zone: a Berlin window is read in Berlin time. */
function wallClock(at: Date, tz: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function left(until: Date, now: Date): string {
  return `${formatElapsed(now.toISOString(), until)} left`;
}

/**
 * One window as a person reads it, or null for a mute that has ended (it stays on the item until
 * `unmute`, but holds nothing):
 * - `muted until 2026-11-24 14:00:00Z (2 h 0 min left)`
 * - `maintenance now: 0 2 * * SUN Europe/Berlin for 2h (ends 2026-12-06 04:00, 1 h 10 min left)`
 * - `maintenance: 0 2 * * SUN Europe/Berlin for 2h (next 2026-12-06 02:00)`
 */
export function describeWindow(w: MaintenanceWindow, now: Date): string | null {
  if (w.kind === 'until') {
    const until = new Date(w.until);
    return until.getTime() > now.getTime() ? `muted until ${formatTime(w.until)} (${left(until, now)})` : null;
  }
  const spec = `${w.cron} ${w.tz} for ${formatDuration(w.durationMs)}`;
  const end = activeWindowEnd([w], now);
  if (end !== null) return `maintenance now: ${spec} (ends ${wallClock(end, w.tz)}, ${left(end, now)})`;
  const next = CronExpressionParser.parse(w.cron, { tz: w.tz, currentDate: now }).next().toDate();
  return `maintenance: ${spec} (next ${wallClock(next, w.tz)})`;
}

/** Every window that still means something, in order; empty when none does. */
export function describeWindows(windows: readonly MaintenanceWindow[], now: Date): string[] {
  return windows.map((w) => describeWindow(w, now)).filter((d): d is string => d !== null);
}

/** A table cell: the windows joined, or `-`. */
export function windowsCell(windows: readonly MaintenanceWindow[], now: Date): string {
  const described = describeWindows(windows, now);
  return described.length > 0 ? described.join('; ') : '-';
}

/** The line under a table for `mute --all` windows; null when there are none. */
export function globalWindowsLine(windows: readonly MaintenanceWindow[], now: Date): string | null {
  const described = describeWindows(windows, now);
  return described.length > 0 ? `all targets (mute --all): ${described.join('; ')}` : null;
}
