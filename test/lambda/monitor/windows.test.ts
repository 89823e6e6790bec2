import { formatDuration, parseDuration } from '../../../lambda/parse/duration';
import type { MaintenanceWindow } from '../../../lambda/monitor/model';
import { activeWindowEnd, parseCronWindow, parseUntil } from '../../../lambda/monitor/windows';

describe('durations', () => {
  it.each<[string, number | null]>([
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['30', null],
    ['-1s', null],
    ['1y', null],
    ['', null],
  ])('%p -> %p', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('formats the shortest exact unit', () => {
    expect([86_400_000, 7_200_000, 90_000, 1500].map(formatDuration)).toEqual(['1d', '2h', '90s', '1500ms']);
  });
});

describe('parseCronWindow', () => {
  it('accepts a cron, an IANA zone and a duration', () => {
    expect(parseCronWindow({ cron: '0 2 * * SUN', tz: 'Europe/Berlin', for: '2h' }, 'maintenance')).toEqual({
      ok: true,
      value: { kind: 'cron', cron: '0 2 * * SUN', tz: 'Europe/Berlin', durationMs: 7_200_000 },
    });
  });

  it.each<[string, unknown, string]>([
    ['not a map', '0 2 * * *', 'maintenance'],
    ['six fields', { cron: '0 0 2 * * SUN', for: '1h' }, 'maintenance.cron'],
    ['bad minute', { cron: '99 2 * * *', for: '1h' }, 'maintenance.cron'],
    ['unknown zone', { cron: '0 2 * * *', tz: 'Mars/Base', for: '1h' }, 'maintenance.tz'],
    ['no duration', { cron: '0 2 * * *' }, 'maintenance.for'],
    ['longer than a week', { cron: '0 2 * * *', for: '8d' }, 'maintenance.for'],
  ])('refuses %s, naming the field', (_name, value, field) => {
    const parsed = parseCronWindow(value, 'maintenance');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.field).toBe(field);
  });

  it('never throws on a value JSON cannot show, and names it', () => {
    expect(parseCronWindow({ cron: 5n, for: '2h' }, 'maintenance')).toMatchObject({ ok: false, error: { field: 'maintenance.cron', value: '5' } });
    expect(parseCronWindow({ cron: '0 2 * * *', tz: 5n, for: '2h' }, 'maintenance')).toMatchObject({ ok: false, error: { field: 'maintenance.tz', value: '5' } });
    expect(parseUntil(5n, 'muteUntil')).toMatchObject({ ok: false, error: { field: 'muteUntil', value: '5' } });
  });

  it('refuses an until that is not a time, showing the value once', () => {
    expect(parseUntil('next tuesday', 'muteUntil')).toEqual({
      ok: false,
      error: { field: 'muteUntil', value: '"next tuesday"', reason: 'must be an ISO-8601 time such as 2026-12-01T06:00:00Z' },
    });
  });
});

describe('activeWindowEnd (clock controlled by the test)', () => {
  const sundayNight: MaintenanceWindow = { kind: 'cron', cron: '0 2 * * SUN', tz: 'Europe/Berlin', durationMs: 2 * 3_600_000 };

  it.each<[string, string, string | null]>([
    // 02:00 Berlin on Sunday 29 Nov 2026 is 01:00 UTC (CET, UTC+1).
    ['just before the window', '2026-11-29T00:59:59.000Z', null],
    ['at its start', '2026-11-29T01:00:00.000Z', '2026-11-29T03:00:00.000Z'],
    ['inside it', '2026-11-29T02:30:00.000Z', '2026-11-29T03:00:00.000Z'],
    ['at its end', '2026-11-29T03:00:00.000Z', null],
    // Summer time: 02:00 Berlin on Sunday 28 Jun 2026 is 00:00 UTC (CEST, UTC+2).
    ['in summer time', '2026-06-28T00:30:00.000Z', '2026-06-28T02:00:00.000Z'],
  ])('%s', (_name, now, end) => {
    expect(activeWindowEnd([sundayNight], new Date(now))?.toISOString() ?? null).toBe(end);
  });

  it('a mute until a time covers everything before it; overlapping windows end at the latest end', () => {
    const until: MaintenanceWindow = { kind: 'until', until: '2026-11-29T05:00:00.000Z' };
    expect(activeWindowEnd([until], new Date('2026-11-24T10:00:00Z'))?.toISOString()).toBe('2026-11-29T05:00:00.000Z');
    // The later-ending window listed second: "the first active window wins" would answer 03:00.
    expect(activeWindowEnd([sundayNight, until], new Date('2026-11-29T02:00:00Z'))?.toISOString()).toBe('2026-11-29T05:00:00.000Z');
    expect(activeWindowEnd([until], new Date('2026-11-29T05:00:00Z'))).toBeNull();
  });
});
