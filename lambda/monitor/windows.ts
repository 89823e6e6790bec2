/** Maintenance windows and mutes: parsing them from a Targets item, and whether one covers a given time. */
import { CronExpressionParser } from 'cron-parser';
import { parseDuration } from '../parse/duration';
import { fail, type ParseResult } from '../parse/field-error';
import type { MaintenanceWindow } from './model';

const DAY_MS = 86_400_000;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Longest recurring window: a week-long mute is a decision to stop monitoring, not maintenance. */
const MAX_WINDOW_MS = 7 * DAY_MS;

/** A recurring window: `{ cron: '0 2 * * SUN', tz: 'Europe/Berlin', for: '2h' }`. */
export function parseCronWindow(value: unknown, field: string): ParseResult<MaintenanceWindow> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(field, value, 'must be a map with cron, tz and for, e.g. {"cron":"0 2 * * SUN","tz":"UTC","for":"2h"}');
  }
  const { cron, tz, for: span } = value as Record<string, unknown>;
  if (typeof cron !== 'string' || cron.trim().split(/\s+/).length !== 5) {
    return fail(`${field}.cron`, cron, 'must be a 5-field cron expression (minute hour day month weekday)');
  }
  const zone = tz === undefined ? 'UTC' : tz;
  if (typeof zone !== 'string' || !validTimeZone(zone)) return fail(`${field}.tz`, tz, 'is not an IANA time zone');
  try {
    CronExpressionParser.parse(cron, { tz: zone });
  } catch (err) {
    return fail(`${field}.cron`, cron, `is not a valid cron expression (${(err as Error).message})`);
  }
  const durationMs = typeof span === 'string' ? parseDuration(span) : null;
  if (durationMs === null || durationMs <= 0 || durationMs > MAX_WINDOW_MS) {
    return fail(`${field}.for`, span, 'must be a duration such as 30m or 2h, at most 7d');
  }
  return { ok: true, value: { kind: 'cron', cron: cron.trim(), tz: zone, durationMs } };
}

export function parseUntil(value: unknown, field: string): ParseResult<MaintenanceWindow> {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) return fail(field, value, 'must be an ISO-8601 time such as 2026-12-01T06:00:00Z');
  return { ok: true, value: { kind: 'until', until: new Date(ms).toISOString() } };
}

/** The end of the window that covers `now`, or null when none does. Overlapping windows: the latest end. */
export function activeWindowEnd(windows: readonly MaintenanceWindow[], now: Date): Date | null {
  let end: number | null = null;
  for (const w of windows) {
    let candidate: number | null = null;
    if (w.kind === 'until') {
      const until = Date.parse(w.until);
      if (until > now.getTime()) candidate = until;
    } else {
      // The most recent start at or before now; inclusive so a window starting exactly now counts.
      const starts = CronExpressionParser.parse(w.cron, { tz: w.tz, currentDate: new Date(now.getTime() + 1) });
      const start = starts.prev().toDate().getTime();
      if (start + w.durationMs > now.getTime()) candidate = start + w.durationMs;
    }
    if (candidate !== null && (end === null || candidate > end)) end = candidate;
  }
  return end === null ? null : new Date(end);
}

const MAX_WINDOWS = 10;

/** `muteUntil` (ISO time) and `maintenance` (one recurring window, or a list of them). */
export function parseWindows(record: Readonly<Record<string, unknown>>): ParseResult<MaintenanceWindow[]> {
  const windows: MaintenanceWindow[] = [];
  if (record.muteUntil !== undefined && record.muteUntil !== null) {
    const until = parseUntil(record.muteUntil, 'muteUntil');
    if (!until.ok) return until;
    windows.push(until.value);
  }
  const m = record.maintenance;
  if (m !== undefined && m !== null) {
    const list = Array.isArray(m) ? m : [m];
    if (list.length > MAX_WINDOWS) return fail('maintenance', m, `has more than ${MAX_WINDOWS} windows`);
    for (const [i, w] of list.entries()) {
      const field = Array.isArray(m) ? `maintenance[${i}]` : 'maintenance';
      const parsed = parseCronWindow(w, field);
      if (!parsed.ok) return parsed;
      windows.push(parsed.value);
    }
  }
  return { ok: true, value: windows };
}
