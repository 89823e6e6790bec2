import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, jsonLines, LoopbackPort, runBin } from './cli-harness';

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
});
