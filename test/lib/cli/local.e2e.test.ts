import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, jsonLines, LoopbackPort, runBin } from './cli-harness';

const CHILD_ENV = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', FORCE_COLOR: '0' };

/**
 * A `portwatch local` child that keeps running, for tests that act between its ticks. It must run
 * with `--json --verbose`: a tick ends when stderr logs "tick done".
 */
class LocalRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [BIN, 'local', ...args], { env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', resolve));
  }

  get ticks(): number {
    return this.stderr.split('"message":"tick done"').length - 1;
  }

  /** Resolves once `n` ticks are done in all; fails with what the child said when it takes too long. */
  async untilTick(n: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.ticks < n) {
      if (Date.now() > deadline) throw new Error(`tick ${n} not done within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** stderr written from now on, read later through the returned function. */
  mark(): () => string {
    const from = this.stderr.length;
    return () => this.stderr.slice(from);
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

/**
 * `portwatch local` as a user runs it: `node bin/portwatch.js` in a child process, on real loopback
 * ports the test opens and closes, with state kept on disk between invocations.
 */
describe('portwatch local (child process, real loopback listener, state on disk)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-local-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('alerts exactly once per transition across runs that share --state, and keeps the history', async () => {
    // Prepare
    const port = await LoopbackPort.reserve();
    const state = join(dir, 'state');
    const targets = join(dir, 'targets.txt');
    const target = `127.0.0.1:${port.port}`;
    writeFileSync(targets, `# e2e\n${target} depth=tcp label=env=e2e\n`);
    const tick = () => runBin(['local', '--targets', targets, '--ticks', '1', '--interval', '1s', '--state', state, '--json', '--timeout', '500', '--confirm-delay', '0']);

    // Act + Assess, one run per tick.
    const baseline = await tick();
    expect(baseline.code).toBe(0);
    expect(baseline.stdout).toBe('');
    expect(baseline.stderr).toContain('local mode probes loopback and private addresses');

    await port.open();
    let opened;
    let steady;
    try {
      opened = await tick();
      steady = await tick();
    } finally {
      await port.close();
    }
    expect(opened.code).toBe(0);
    const openAlerts = jsonLines(opened.stdout);
    expect(openAlerts).toEqual([
      expect.objectContaining({
        event: 'opened',
        target,
        from: 'closed',
        to: 'open',
        findings: [],
        severity: 'warning',
        labels: { env: 'e2e' },
        id: expect.stringMatching(new RegExp(`^${target}@`)),
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    ]);
    expect(steady.stdout).toBe('');

    const closed = await tick();
    const again = await tick();
    expect(jsonLines(closed.stdout)).toEqual([expect.objectContaining({ event: 'closed', target, from: 'open', to: 'closed' })]);
    expect(again).toMatchObject({ code: 0, stdout: '' });

    const history = await runBin(['history', target, '--state', state, '--json']);
    expect(history.code).toBe(0);
    expect(jsonLines(history.stdout).map((e) => [e.kind, e.from, e.to, e.alerted])).toEqual([
      ['transition', 'open', 'closed', true],
      ['transition', 'closed', 'open', true],
      ['baseline', null, 'closed', false],
    ]);
  });

  it('reports a bad targets line as FILE:LINE, still probes the rest, and exits 2', async () => {
    const port = await LoopbackPort.reserve();
    const targets = join(dir, 'bad.txt');
    writeFileSync(targets, `127.0.0.1:${port.port} depth=tcp expect=open\n\nbroker:8883 depth=sideways\n`);

    const result = await runBin(['local', '--targets', targets, '--ticks', '1', '--state', join(dir, 'bad-state'), '--json', '--timeout', '500', '--confirm-delay', '0']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${targets}:3: depth: "sideways" must be one of tcp, tls, mqtt`);
    // The valid line ran: its first sight violates expect=open, so it alerts as a baseline.
    expect(jsonLines(result.stdout)).toEqual([expect.objectContaining({ event: 'baseline', to: 'closed', severity: 'critical' })]);
  });

  it('stops cleanly on SIGINT between ticks, serves its state to other commands meanwhile, and refuses a second run', async () => {
    // Prepare
    const port = await LoopbackPort.reserve();
    const state = join(dir, 'signal-state');
    const child = spawn(process.execPath, [BIN, 'local', `127.0.0.1:${port.port} depth=tcp`, '--interval', '1s', '--state', state, '--timeout', '300', '--verbose'], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no tick within 15 s: ${stderr}`)), 15_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('tick done')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    // Act
    const status = await runBin(['status', '--state', state, '--json']);
    const second = await runBin(['local', `127.0.0.1:${port.port} depth=tcp`, '--ticks', '1', '--state', state]);
    child.kill('SIGINT');
    const code = await exited;
    const after = await runBin(['history', `127.0.0.1:${port.port}`, '--state', state, '--json']);

    // Assess
    expect(status.code).toBe(0);
    expect(jsonLines(status.stdout)).toEqual([expect.objectContaining({ target: `127.0.0.1:${port.port}`, status: 'closed' })]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('is already watched by portwatch local');
    expect(code).toBe(0);
    expect(stdout).toContain('watching 1 target every 1s');
    expect(stderr).toContain('SIGINT: stopping after the current tick');
    expect(existsSync(join(state, 'lock.json'))).toBe(false);
    expect(jsonLines(after.stdout).map((e) => e.kind)).toEqual(['baseline']);
  });

  it('stops by itself when its reader goes away (`local --json | head -1`), keeps the alert it could not print for the next run', async () => {
    // Prepare: a target that is open against expect=closed, so the first tick prints an alert line
    const port = await LoopbackPort.reserve();
    await port.open();
    const state = join(dir, 'epipe-state');
    const target = `127.0.0.1:${port.port} depth=tcp expect=closed`;
    const child = spawn(process.execPath, [BIN, 'local', target, '--json', '--interval', '1s', '--state', state, '--timeout', '300'], {
      env: CHILD_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);

    // Act: read the first line, close the pipe as `head -1` does, then close the port: like any Unix
    // writer, the child learns that its reader is gone at its next write, the alert of the closing
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    await port.close();
    const code = await exited;
    clearTimeout(killer);
    const next = await runBin(['local', target, '--json', '--ticks', '1', '--state', state, '--timeout', '300']);

    // Assess: exit 1 because an alert was not delivered; it stays pending and the next run prints it, once
    expect({ code, stderr }).toEqual({ code: 1, stderr: expect.stringContaining('stdout closed: stopping after the current tick') });
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(state, 'lock.json'))).toBe(false);
    expect(jsonLines(next.stdout).filter((l) => l.type === 'alert').map((l) => l.event)).toEqual(['recovered']);
  });

  it('keeps watching a target whose line gets a typo: its last valid definition stays, status shows the error, a warning each tick', async () => {
    // Prepare: one open target expected open, one closed target.
    const open = await LoopbackPort.reserve();
    const closed = await LoopbackPort.reserve();
    await open.open();
    const a = `127.0.0.1:${open.port}`;
    const b = `127.0.0.1:${closed.port}`;
    const file = join(dir, 'typo.txt');
    const state = join(dir, 'typo-state');
    const good = `${a} depth=tcp expect=open\n${b} depth=tcp\n`;
    writeFileSync(file, good);
    const run = new LocalRun(['--targets', file, '--interval', '1s', '--state', state, '--json', '--verbose', '--timeout', '300', '--confirm-delay', '0']);
    try {
      await run.untilTick(1);

      // Act 1: a typo in the value of an attribute of the first line.
      writeFileSync(file, `${a} depth=tcp expect=opne\n${b} depth=tcp\n`);
      const typo = run.mark();
      await run.untilTick(run.ticks + 3);
      const statusJson = await runBin(['status', '--state', state, '--json']);
      const statusText = await runBin(['status', '--state', state]);
      const detail = await runBin(['status', a, '--state', state]);

      // Act 2: the whole file replaced by lines that name no target of the table.
      writeFileSync(file, 'garbage in = out\n{{{\n');
      const garbage = run.mark();
      await run.untilTick(run.ticks + 2);
      const statusGarbage = await runBin(['status', '--state', state, '--json']);

      // Act 3: fixed.
      writeFileSync(file, good);
      const fixed = run.mark();
      await run.untilTick(run.ticks + 2);
      const statusFixed = await runBin(['status', '--state', state, '--json']);
      const code = await run.stop();

      // Assess: the typo is reported on every tick, and the target keeps being watched as it was.
      const warning = `${file}:1: expect: "opne" must be one of open, closed; ${a} keeps its last valid definition until the line is fixed`;
      expect(typo().split(warning).length - 1).toBeGreaterThanOrEqual(3);
      expect(typo()).toContain(`1 target now in ${file}: 0 added, 0 changed, 0 removed, 1 kept at its last valid definition`);
      expect(run.stderr).not.toMatch(/[1-9]\d* removed/);
      const rows = jsonLines(statusJson.stdout);
      expect(byKey(rows.map((r) => [r.target, r.status, r.inTargets, r.definitionError]))).toEqual(
        byKey([
          [a, 'open', true, `${file}:1: expect: "opne" must be one of open, closed`],
          [b, 'closed', true, null],
        ]),
      );
      expect(statusText.stdout).toContain(`${a}: definition error: ${file}:1: expect: "opne" must be one of open, closed; the last valid definition is still probed`);
      expect(detail.stdout).toMatch(new RegExp(`definition error +${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: expect: "opne"`));

      // A file of garbage removes nothing: neither line can be told apart from an edit of a target.
      expect(garbage()).toContain(`${file}:2: target: "{{{" `);
      expect(garbage()).toContain('no target leaves the watch until it is fixed (2 no longer in the file are still watched)');
      const kept = `not in ${file} any more, kept while ${file}:1, ${file}:2 cannot be matched to a target`;
      expect(byKey(jsonLines(statusGarbage.stdout).map((r) => [r.target, r.inTargets, r.definitionError]))).toEqual(
        byKey([
          [a, true, kept],
          [b, true, kept],
        ]),
      );

      // Fixed: the error is gone, the warnings stop, and the run ends well.
      expect(fixed().split('\n').filter((l) => l.includes(`${file}:1:`) || l.includes(`${file}:2:`))).toEqual([]);
      expect(fixed()).toContain(`2 targets now in ${file}: 0 added, 0 changed, 0 removed, 2 fixed`);
      expect(byKey(jsonLines(statusFixed.stdout).map((r) => [r.target, r.status, r.inTargets, r.definitionError]))).toEqual(
        byKey([
          [a, 'open', true, null],
          [b, 'closed', true, null],
        ]),
      );
      expect(code).toBe(0);
      // --json: stdout carries alerts only (none here); the heartbeat goes to stderr.
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^portwatch: \d\d:\d\d:\d\d {2}2 targets, 1 open, 0 changes, next tick \d\d:\d\d:\d\d$/m);
    } finally {
      await run.stop();
      await open.close();
    }
  }, 90_000);

  it('prints the baseline table after the first tick, then one heartbeat line per tick, also into a pipe', async () => {
    const open = await LoopbackPort.reserve();
    await open.open();
    const closed = await LoopbackPort.reserve();
    try {
      const result = await runBin(
        ['local', `127.0.0.1:${open.port} depth=tcp`, `127.0.0.1:${closed.port} depth=tcp`, '--ticks', '3', '--interval', '1s', '--state', join(dir, 'heartbeat-state'), '--timeout', '300', '--confirm-delay', '0'],
      );
      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`watching 2 targets every 1s, deep look (TLS, MQTT) every 1s (state in ${join(dir, 'heartbeat-state')}); alerts follow`);
      expect(lines[1]).toMatch(/^TARGET +STATUS +FOR +FINDINGS +REASON$/);
      const rows = [
        [`127.0.0.1:${closed.port}`, 'closed +\\d+ s +- +127\\.0\\.0\\.1: ECONNREFUSED'],
        [`127.0.0.1:${open.port}`, 'open +\\d+ s +- +127\\.0\\.0\\.1: connected'],
      ].sort(([x], [y]) => (x as string).localeCompare(y as string));
      expect(lines.slice(2, 4)).toEqual(rows.map(([key, rest]) => expect.stringMatching(new RegExp(`^${(key as string).replace(/\./g, '\\.')} +${rest as string}$`))));
      expect(lines.slice(4)).toEqual([
        expect.stringMatching(/^\d\d:\d\d:\d\d {2}2 targets, 1 open, 0 changes, next tick \d\d:\d\d:\d\d$/),
        expect.stringMatching(/^\d\d:\d\d:\d\d {2}2 targets, 1 open, 0 changes, next tick \d\d:\d\d:\d\d$/),
        expect.stringMatching(/^\d\d:\d\d:\d\d {2}2 targets, 1 open, 0 changes, final tick$/),
      ]);
    } finally {
      await open.close();
    }
  });

  (existsSync('/usr/bin/script') ? it : it.skip)('on a terminal, clears the progress line before an alert and draws the table only once', async () => {
    // Prepare: a listener that accepts and never speaks keeps a TLS look waiting for its deadline, so
    // the progress line is drawn; the closed target expected open alerts at the end of that same tick.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s.on('error', () => undefined)));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    const closed = await LoopbackPort.reserve();
    const command = [
      process.execPath, BIN, 'local', `'127.0.0.1:${silentPort} depth=tls'`, `'127.0.0.1:${closed.port} depth=tcp expect=open'`,
      '--ticks', '2', '--interval', '1s', '--state', join(dir, 'tty-state'), '--timeout', '700', '--confirm-delay', '0',
    ].join(' ');
    try {
      // Act: under a pseudo-terminal, as a person runs it (stdout and stderr both on the terminal).
      const terminal = await new Promise<string>((resolve, reject) => {
        const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], { env: { ...CHILD_ENV, COLUMNS: '200' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('error', reject);
        child.on('close', () => {
          clearTimeout(timer);
          resolve(text);
        });
      });

      // Assess: what the terminal shows, after carriage returns and line clears are applied.
      const screen = renderTerminal(terminal);
      expect(terminal).toContain('probing 2/2 (100%)');
      const alert = screen.find((l) => l.includes('CRITICAL'));
      expect(alert).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z CRITICAL CLOSED 127\\.0\\.0\\.1:${closed.port} on first check`));
      expect(screen.filter((l) => /^TARGET +STATUS/.test(l))).toHaveLength(1);
      expect(screen.filter((l) => /^\d\d:\d\d:\d\d {2}2 targets, \d open, 0 changes, (next tick \d\d:\d\d:\d\d|final tick)$/.test(l))).toHaveLength(2);
      expect(screen.some((l) => l.includes('probing'))).toBe(false);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 60_000);
});

/** Rows ordered by their first cell, the target key (the ports, hence the order, are picked at random). */
function byKey(rows: unknown[][]): unknown[][] {
  return [...rows].sort((x, y) => String(x[0]).localeCompare(String(y[0])));
}

/** The lines a terminal shows for `text`: `\r` returns to the start of the line, ESC[2K clears it. */
function renderTerminal(text: string): string[] {
  const screen: string[] = [];
  let line = '';
  let column = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('\u001b[2K', i)) {
      line = '';
      i += 3;
    } else if (text[i] === '\r') column = 0;
    else if (text[i] === '\n') {
      screen.push(line);
      line = '';
      column = 0;
    } else {
      line = line.slice(0, column) + (text[i] as string) + line.slice(column + 1);
      column++;
    }
  }
  if (line !== '') screen.push(line);
  return screen;
}
