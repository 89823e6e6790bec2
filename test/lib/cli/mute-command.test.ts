import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBackend } from '../../../lib/cli/backend';
import { mergeWindows, untilFrom } from '../../../lib/cli/mute-command';
import { jsonLines, runCli } from './cli-harness';

/** `portwatch mute` / `unmute` in-process through the real entry point, on a local state directory. */
describe('portwatch mute / unmute', () => {
  let dir: string;
  let state: string;
  let states = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-mute-'));
  });
  // Each test starts from a state of its own holding one target and no window: windows a test leaves
  // behind (mute without unmute) must not reach the next one.
  beforeEach(async () => {
    state = join(dir, `state-${++states}`);
    const added = await runCli(['targets', 'add', 'broker.example.com', '--expect', 'closed', '--state', state]);
    expect(added.code).toBe(0);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('mutes a target until a time and adds a recurring window, stored as target attributes', async () => {
    // Act
    const until = await runCli(['mute', 'broker.example.com', '--until', '2099-01-01T00:00:00Z', '--state', state, '--json']);
    const cron = await runCli(['mute', 'broker.example.com', '--cron', '0 2 * * SUN', '--tz', 'Europe/Berlin', '--for', '2h', '--state', state]);
    const list = await runCli(['targets', 'list', '--state', state, '--json']);
    // Assess
    expect(until.code).toBe(0);
    expect(jsonLines(until.stdout)).toEqual([{ target: 'broker.example.com', windows: [{ kind: 'until', until: '2099-01-01T00:00:00.000Z' }] }]);
    expect(cron.stdout).toBe('broker.example.com muted until 2099-01-01T00:00:00.000Z, every "0 2 * * SUN" (Europe/Berlin) for 2h\n');
    expect(jsonLines(list.stdout)[0]).toMatchObject({ windows: [{ kind: 'until' }, { kind: 'cron', cron: '0 2 * * SUN', tz: 'Europe/Berlin', durationMs: 7_200_000 }] });
  });

  it('unmute removes every window of the target', async () => {
    // Prepare
    expect((await runCli(['mute', 'broker.example.com', '--until', '2099-01-01T00:00:00Z', '--state', state])).code).toBe(0);
    // Act
    const result = await runCli(['unmute', 'broker.example.com', '--state', state]);
    const list = await runCli(['targets', 'list', '--state', state, '--json']);
    // Assess
    expect(result.stdout).toBe('unmuted broker.example.com\n');
    expect(jsonLines(list.stdout)[0]).toMatchObject({ windows: [] });
  });

  it('--all keeps the window on the scanner item', async () => {
    // Prepare
    const scannerWindows = (): Promise<unknown> => withBackend({ state }, false, async (backend) => (await backend.store.getScanner())?.windows);

    // Act
    const muted = await runCli(['mute', '--all', '--until', '30m', '--state', state, '--json']);
    const stored = await scannerWindows();
    const unmuted = await runCli(['unmute', '--all', '--state', state, '--json']);
    const cleared = await scannerWindows();

    // Assess
    expect(jsonLines(muted.stdout)).toEqual([{ target: '*', windows: [{ kind: 'until', until: expect.any(String) }] }]);
    expect(stored).toEqual(jsonLines(muted.stdout)[0]?.windows);
    expect(jsonLines(unmuted.stdout)).toEqual([{ target: '*', windows: [] }]);
    expect(cleared).toEqual([]);
  });

  it('status and targets list show the windows of a target and those of --all, also after mute --all and unmute --all', async () => {
    // Prepare
    await runCli(['mute', 'broker.example.com', '--until', '2099-01-01T00:00:00Z', '--state', state]);
    await runCli(['mute', 'broker.example.com', '--cron', '0 2 * * SUN', '--tz', 'Europe/Berlin', '--for', '2h', '--state', state]);
    const own = /muted until 2099-01-01 00:00:00Z \(\d+ days \d+ h left\); maintenance: 0 2 \* \* SUN Europe\/Berlin for 2h \(next \d{4}-\d\d-\d\d 0[23]:00\)/;

    // Act
    const muted = await runCli(['mute', '--all', '--until', '2h', '--state', state]);
    const status = await runCli(['status', '--state', state]);
    const detail = await runCli(['status', 'broker.example.com', '--state', state]);
    const json = await runCli(['status', '--state', state, '--json']);
    const list = await runCli(['targets', 'list', '--state', state]);
    await runCli(['unmute', '--all', '--state', state]);
    const afterUnmute = await runCli(['status', '--state', state]);
    await runCli(['unmute', 'broker.example.com', '--state', state]);

    // Assess
    expect(muted.code).toBe(0);
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(/^TARGET\s+STATUS\s+FOR\s+EXPECT\s+FINDINGS\s+MUTED\s+REASON\n/);
    expect(status.stdout).toMatch(new RegExp(`\\nbroker\\.example\\.com\\s+not probed yet\\s+-\\s+closed\\s+-\\s+${own.source}`));
    expect(status.stdout).toMatch(/\nall targets \(mute --all\): muted until \S+ \S+ \((1 h 59|2 h 0) min left\)\n1 target: 1 not probed yet\n$/);
    expect(detail.stdout).toMatch(/\nwindow\s+muted until 2099-01-01 00:00:00Z/);
    expect(detail.stdout).toMatch(/\nwindow\s+maintenance: 0 2 \* \* SUN Europe\/Berlin for 2h/);
    expect(detail.stdout).toMatch(/\nwindow \(all\)\s+muted until /);
    expect(jsonLines(json.stdout)).toEqual([
      expect.objectContaining({ target: 'broker.example.com', windows: [expect.objectContaining({ kind: 'until' }), expect.objectContaining({ kind: 'cron' })], mutedUntil: '2099-01-01T00:00:00.000Z' }),
    ]);
    expect(list.stdout).toMatch(/^TARGET\s+EXPECT\s+DEPTH\s+ENABLED\s+LABELS\s+MUTED\s+DESCRIPTION\n/);
    expect(list.stdout).toMatch(new RegExp(`\\nbroker\\.example\\.com\\s+closed\\s+mqtt\\s+yes\\s+-\\s+${own.source}\\n`));
    expect(list.stdout).toContain('\nall targets (mute --all): muted until ');
    expect(afterUnmute).toMatchObject({ code: 0, stderr: '' });
    expect(afterUnmute.stdout).not.toContain('all targets');
  });

  it.each<[string[], string]>([
    [['mute', 'broker.example.com'], 'give either --until TIME|DURATION or --cron EXPR --for DURATION'],
    [['mute', 'broker.example.com', '--until', 'soon'], '--until: "soon" must be a time'],
    [['mute', 'broker.example.com', '--until', '2001-01-01T00:00:00Z'], 'is in the past'],
    [['mute', 'broker.example.com', '--cron', '0 2 * * SUN', '--tz', 'Mars/Base', '--for', '1h'], '--tz: "Mars/Base" is not an IANA time zone'],
    [['mute', 'broker.example.com', '--cron', '0 2 * *', '--for', '1h'], '--cron: "0 2 * *" must be a 5-field cron expression'],
    [['mute', '--until', '1h'], 'name a TARGET or give --all'],
  ])('exits 2 on %p, naming the problem', async (args, message) => {
    const result = await runCli([...args, '--state', state]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('--until takes a duration from now', () => {
    expect(untilFrom('2h', new Date('2026-11-24T10:00:00Z'))).toBe('2026-11-24T12:00:00.000Z');
  });

  it('--all windows: a new until replaces the old, expired ones and repeats are dropped', () => {
    const now = new Date('2026-11-24T10:00:00Z');
    const cron = { kind: 'cron' as const, cron: '0 2 * * SUN', tz: 'UTC', durationMs: 3_600_000 };
    const expired = { kind: 'until' as const, until: '2026-11-24T09:00:00.000Z' };
    expect(mergeWindows([expired, cron], cron, now)).toEqual([cron]);
    expect(mergeWindows([cron, { kind: 'until', until: '2026-11-25T00:00:00.000Z' }], { kind: 'until', until: '2026-11-26T00:00:00.000Z' }, now)).toEqual([
      cron,
      { kind: 'until', until: '2026-11-26T00:00:00.000Z' },
    ]);
  });
});
