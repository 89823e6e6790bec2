import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, jsonLines, LoopbackPort, runBin, type CliResult } from './cli-harness';

/**
 * A state directory that is damaged, went back in time, or cannot be written, through the real CLI
 * in child processes (a crash inside the embedded database kills the process, as it would a user's).
 */

/** A stack trace line: what a user must never see for a damaged directory. */
const STACK_LINE = /^\s+at /m;

function newestLog(state: string): string {
  const logs = readdirSync(join(state, 'dynamodb'))
    .filter((f) => f.endsWith('.log'))
    .sort();
  const last = logs[logs.length - 1];
  if (last === undefined) throw new Error(`no LevelDB log in ${state}`);
  return join(state, 'dynamodb', last);
}

function manifest(state: string): string {
  const name = readdirSync(join(state, 'dynamodb')).find((f) => f.startsWith('MANIFEST-'));
  if (name === undefined) throw new Error(`no MANIFEST in ${state}`);
  return join(state, 'dynamodb', name);
}

/**
 * Runs the CLI as a user who cannot write `dir`. Root writes anything, so as root the child runs as
 * `nobody` (uid 65534, the way spawn() drops privileges); as another user, the directory is made read-only.
 */
function runAsReader(dir: string, args: readonly string[]): Promise<CliResult> {
  const root = process.getuid?.() === 0;
  if (!root) for (const d of [dir, join(dir, 'dynamodb')]) chmodSync(d, 0o555);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      ...(root ? { uid: 65534, gid: 65534 } : {}),
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!root) for (const d of [dir, join(dir, 'dynamodb')]) chmodSync(d, 0o755);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Every file under `dir` with its size and modification time: to show a command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else files[path] = `${statSync(path).size}@${statSync(path).mtimeMs}`;
    }
  };
  walk(dir);
  return files;
}

describe('a local state directory that is damaged, rolled back or read-only', () => {
  let dir: string;
  let port: LoopbackPort;
  let target: string;
  /** A state directory with one target probed once (closed, as expected): copied by each test. */
  let pristine: string;
  const tick = (state: string, extra: readonly string[] = []): Promise<CliResult> =>
    runBin(['local', `${target} expect=closed depth=tcp`, '--ticks', '1', '--state', state, '--timeout', '300', '--confirm-delay', '0', '--json', ...extra]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-statedir-'));
    // The child runs as nobody in the read-only test: it must be able to enter the directory.
    chmodSync(dir, 0o755);
    port = await LoopbackPort.reserve();
    target = `127.0.0.1:${port.port}`;
    pristine = join(dir, 'pristine');
    const first = await tick(pristine);
    expect(first).toMatchObject({ code: 0, stdout: '' });
  });
  afterAll(async () => {
    await port.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a truncated log rolls the state back: the next tick warns, names the directory, and does not alert again', async () => {
    // Prepare: the port opens and a tick alerts it; then the LevelDB log holding that tick's writes is cut.
    const state = join(dir, 'rollback');
    cpSync(pristine, state, { recursive: true });
    await port.open();
    try {
      const alerted = await tick(state);
      truncateSync(newestLog(state), 0);

      // Act
      const after = await tick(state);
      const status = await runBin(['status', target, '--state', state, '--json']);
      await port.close();
      const closed = await tick(state);

      // Assess
      expect(jsonLines(alerted.stdout).map((a) => a.event)).toEqual(['opened']);
      expect(after.code).toBe(0);
      expect(after.stdout).toBe('');
      expect(after.stderr).toContain(`the state in ${state} went back in time: 1 target is behind the alerts already delivered (${target}: state version`);
      expect(after.stderr).toContain(`so no alert is sent twice`);
      expect(jsonLines(status.stdout)[0]).toMatchObject({ status: 'open', open: true });
      // A change after the rollback is still news.
      expect(jsonLines(closed.stdout).map((a) => `${a.event} ${a.from}->${a.to}`)).toEqual(['recovered open->closed']);
      expect(existsSync(join(state, 'lock.json'))).toBe(false);
    } finally {
      await port.close();
    }
  });

  it.each([
    ['CURRENT', (state: string) => join(state, 'dynamodb', 'CURRENT'), 'CURRENT file does not end with newline'],
    ['MANIFEST', manifest, 'no meta-nextfile entry in descriptor'],
  ])('a truncated %s: status and local exit 2 naming the directory and the way out, leave no lock.json; repair recovers', async (_name, file, reason) => {
    // Prepare
    const state = join(dir, `damaged-${_name}`);
    cpSync(pristine, state, { recursive: true });
    truncateSync(file(state), 0);

    // Act
    const status = await runBin(['status', '--state', state]);
    const local = await tick(state);
    const repair = await runBin(['repair', '--state', state]);
    const repaired = await runBin(['status', '--state', state, '--json']);

    // Assess
    for (const result of [status, local]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`portwatch: --state: the database in ${join(state, 'dynamodb')} is damaged and cannot be opened (Corruption: ${reason}). Nothing was changed.`);
      // The message says how to recover; a pointer to --help there would send the user the wrong way.
      expect(result.stderr).not.toContain('--help for usage');
      expect(result.stderr).toContain(`portwatch repair --state ${state}`);
      expect(result.stderr).toContain(`mv ${join(state, 'dynamodb')} ${join(state, 'dynamodb')}.damaged`);
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.stdout).toBe('');
    }
    expect(existsSync(join(state, 'lock.json'))).toBe(false);
    expect(repair.code).toBe(0);
    expect(repair.stdout).toMatch(new RegExp(`^repaired the database in ${state.replace(/[.]/g, '\\.')} \\(it was: Corruption: .*\\); the damaged files are kept in ${state}/dynamodb\\.damaged-`));
    expect(repaired.code).toBe(0);
    expect(jsonLines(repaired.stdout)).toEqual([expect.objectContaining({ target, status: 'closed' })]);
  });

  it('an unwritable --state: status, history and targets list read it; writing commands exit 2 naming --state and the path', async () => {
    // Prepare
    const state = join(dir, 'readonly');
    cpSync(pristine, state, { recursive: true });
    const parent = join(dir, 'locked-parent');
    mkdirSync(parent, { mode: 0o755 });
    const before = snapshot(state);

    // Act
    const status = await runAsReader(state, ['status', '--state', state]);
    const history = await runAsReader(state, ['history', target, '--state', state]);
    const list = await runAsReader(state, ['targets', 'list', '--state', state]);
    const mute = await runAsReader(state, ['mute', target, '--until', '1h', '--state', state]);
    const local = await runAsReader(parent, ['local', `${target} depth=tcp`, '--ticks', '1', '--state', join(parent, 'new')]);

    // Assess
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(new RegExp(`^TARGET .*\\n${target.replace(/\./g, '\\.')}\\s+closed\\s`));
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/baseline\s+\(first\) -> closed/);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${target}  closed`);
    expect(mute.code).toBe(2);
    expect(mute.stderr).toBe(`portwatch: --state: ${JSON.stringify(state)} is not writable (EACCES); this command writes there. Run it as the user who owns the directory, or give --state a directory you can write.\nrun portwatch mute --help for usage\n`);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain(`portwatch: --state: cannot create ${JSON.stringify(join(parent, 'new'))} (EACCES); give --state a directory you can write\n`);
    expect(local.stderr).not.toMatch(STACK_LINE);
    expect(snapshot(state)).toEqual(before);
    expect(existsSync(join(parent, 'new'))).toBe(false);
  });
});
