/**
 * `portwatch local --vantage` on real sockets across network namespaces: three namespaces joined to
 * this one by veth pairs (test/helpers/netns.ts), TLS brokers (aedes) bound to a root-side veth
 * address, iptables rules inside single namespaces making a broker filtered (DROP) or closed (REJECT
 * with tcp-reset) from there. One state directory, two runs of the real CLI: a baseline, then the
 * firewall changes, then a few 1-second ticks. Needs root, `ip` and `iptables`; skipped with the
 * reason otherwise. The signal test (no worker outlives its run) runs with PORTWATCH_VANTAGE_SIGNALS=1 (.ci/run).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../helpers/brokers';
import { createTestPki } from '../../helpers/certs';
import { describeWithNetns } from '../../helpers/netns';
import { BIN, jsonLines, runCli } from './cli-harness';

describeWithNetns('portwatch local --vantage across network namespaces', 3, (lab) => {
  let dir: string;
  const brokers: RunningBroker[] = [];
  let hostAddress: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-netns-'));
    hostAddress = lab().spaces[0]?.hostAddress as string;
    const pki = createTestPki();
    for (let i = 0; i < 3; i++) brokers.push(await startBroker({ tls: { key: pki.selfSigned.key, cert: pki.selfSigned.cert }, auth: 'anonymous', host: hostAddress }));
  });
  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('alerts PARTIAL (not CLOSED) when one of three is blocked, OPEN at once when one of three sees an exposure, CLOSED when the quorum sees an outage', async () => {
    // Prepare: one target per case; vantage points a, b, c probe from namespaces 0, 1, 2.
    const [partial, exposed, outage] = brokers.map((b) => `${hostAddress}:${b.port}`) as [string, string, string];
    const port = (target: string): number => Number(target.split(':')[1]);
    const vantages = lab().spaces.flatMap((s, i) => ['--vantage', `${'abc'[i]}=${s.name}`]);
    const run = (ticks: number) =>
      runCli([
        'local',
        `${partial} depth=tls expect=open`,
        `${exposed} depth=tls expect=closed`,
        `${outage} depth=tls expect=open`,
        ...vantages,
        '--state',
        join(dir, 'state'),
        '--interval',
        '1s',
        '--timeout',
        '500',
        '--confirm-delay',
        '0',
        '--ticks',
        String(ticks),
        '--json',
      ]);
    // The exposed broker is refused from everywhere at first: a closed baseline, as expected.
    for (const i of [0, 1, 2]) lab().block(i, hostAddress, port(exposed), 'closed');
    const baseline = await run(1);
    expect(baseline.code).toBe(0);

    // Act: c drops the first broker's packets; a sees the second broker; b and c are refused by the third.
    lab().block(2, hostAddress, port(partial), 'filtered');
    lab().unblock(0, port(exposed));
    lab().block(1, hostAddress, port(outage), 'closed');
    lab().block(2, hostAddress, port(outage), 'closed');
    const later = await run(3);

    // Assess
    expect(later.code).toBe(0);
    const alerts = jsonLines(later.stdout).map((a) => ({ event: a.event, target: a.target, reach: a.reach }));
    const of = (target: string) => alerts.filter((a) => a.target === target).map((a) => a.event);
    expect(of(partial)).toEqual(['partial']);
    expect(alerts.find((a) => a.target === partial)?.reach).toMatchObject({ open: ['a', 'b'], notOpen: ['c'] });
    expect(of(exposed)).toEqual(['opened']);
    // Decided by a's look at once: b and c have not looked yet or are not open (unknown while their heartbeat is older than 3 ticks).
    expect(alerts.find((a) => a.target === exposed)?.reach).toMatchObject({ open: ['a'] });
    expect(of(outage)).toEqual(['closed']);
  });

  // Two more runs of the CLI (about 4 s): in .ci/run, and wherever PORTWATCH_VANTAGE_SIGNALS=1.
  const itSignals = process.env.PORTWATCH_VANTAGE_SIGNALS === '1' ? it : it.skip;
  itSignals('stops its probe workers on SIGTERM; killed outright, its workers still end (their stdin closes)', async () => {
    // Prepare: two runs of the real CLI, each with three workers, watching one broker every second.
    const target = `${hostAddress}:${brokers[0]?.port} depth=tcp`;
    const vantages = lab().spaces.flatMap((s, i) => ['--vantage', `${'abc'[i]}=${s.name}`]);
    const start = (name: string): ChildProcessWithoutNullStreams =>
      spawn(process.execPath, [BIN, 'local', target, ...vantages, '--state', join(dir, name), '--interval', '1s', '--timeout', '500'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const firstTick = (child: ChildProcessWithoutNullStreams): Promise<void> =>
      new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/\d\d:\d\d:\d\d {2}1 target/.test(out)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited ${code} before its first tick: ${out}`)));
      });
    const workersOf = (pid: number): number[] => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    const exited = (child: ChildProcessWithoutNullStreams): Promise<number | null> => new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const termed = start('term');
    const killed = start('kill');
    await Promise.all([firstTick(termed), firstTick(killed)]);
    const workers = { termed: workersOf(termed.pid as number), killed: workersOf(killed.pid as number) };

    // Act
    const termedExit = exited(termed);
    const killedExit = exited(killed);
    termed.kill('SIGTERM');
    killed.kill('SIGKILL');
    const codes = [await termedExit, await killedExit];
    const until = Date.now() + 5000;
    while ([...workers.termed, ...workers.killed].some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));

    // Assess
    expect(workers.termed).toHaveLength(3);
    expect(workers.killed).toHaveLength(3);
    expect(codes).toEqual([0, null]);
    expect([...workers.termed, ...workers.killed].filter(alive)).toEqual([]);
  });
});
