import { describeWindow, globalWindowsLine, windowsCell } from '../../../lib/cli/window-text';
import type { MaintenanceWindow } from '../../../lambda/monitor/model';

describe('how mutes and maintenance windows are shown', () => {
  const berlin: MaintenanceWindow = { kind: 'cron', cron: '0 2 * * SUN', tz: 'Europe/Berlin', durationMs: 7_200_000 };
  const until: MaintenanceWindow = { kind: 'until', until: '2026-12-01T14:00:00.000Z' };

  it.each<[string, MaintenanceWindow, string, string | null]>([
    ['a mute in force', until, '2026-12-01T12:00:00Z', 'muted until 2026-12-01 14:00:00Z (2 h 0 min left)'],
    ['a mute that has ended', until, '2026-12-01T14:00:01Z', null],
    ['a recurring window to come, in its own time zone', berlin, '2026-12-01T10:00:00Z', 'maintenance: 0 2 * * SUN Europe/Berlin for 2h (next 2026-12-06 02:00)'],
    ['a recurring window in force', berlin, '2026-12-06T01:30:00Z', 'maintenance now: 0 2 * * SUN Europe/Berlin for 2h (ends 2026-12-06 04:00, 1 h 30 min left)'],
  ])('%s', (_case, window, now, text) => {
    expect(describeWindow(window, new Date(now))).toBe(text);
  });

  it('joins the windows of a target in one cell, `-` when none holds anything; one line for --all', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    expect(windowsCell([until, berlin], now)).toBe('muted until 2026-12-01 14:00:00Z (2 h 0 min left); maintenance: 0 2 * * SUN Europe/Berlin for 2h (next 2026-12-06 02:00)');
    expect(windowsCell([{ kind: 'until', until: '2026-11-01T00:00:00.000Z' }], now)).toBe('-');
    expect(windowsCell([], now)).toBe('-');
    expect(globalWindowsLine([until], now)).toBe('all targets (mute --all): muted until 2026-12-01 14:00:00Z (2 h 0 min left)');
    expect(globalWindowsLine([], now)).toBeNull();
  });
});
