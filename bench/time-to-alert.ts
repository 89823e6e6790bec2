/**
 * Time to alert: from a change on the wire to the alert handed to the notifier, in the local pipeline
 * (`portwatch local --json`, the Lambdas' own dispatcher and prober on the embedded DynamoDB, alerts
 * printed as they are decided). Two runs side by side on their own loopback listeners: the fast lane
 * (`--every 10s` within a 1-minute `--interval`) and the 1-minute schedule alone. Ports open and close,
 * and TLS brokers (aedes) start accepting anonymous clients, each once, at random moments of a window,
 * concurrently, so the 1-minute run takes minutes, not one minute per change.
 *
 * Beside them, the same figure computed for a Route 53 TCP health check (30 s interval, failure
 * threshold 3, an alarm on its 1-minute HealthCheckStatus metric) and for a cron job running nmap every
 * minute (nmap's own scan time measured in this run when nmap is installed).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServer as createTlsServer } from 'node:tls';
import { createBroker, type AuthenticateError } from 'aedes';
import { REPO_ROOT } from './engine';
import { selfSignedCert } from './listeners';
import { runNmap, type NmapInfo } from './nmap';
import { findClosedPorts } from './ports';
import { median } from './table';

/** One change the bench makes, and when the alert for it arrived. */
interface Change {
  readonly target: string;
  readonly kind: 'opens' | 'closes' | 'turns anonymous';
  /** The alert events that report it. */
  readonly events: readonly string[];
  apply(): Promise<void>;
  changedAt?: number;
  /** Why the change could not be made (its port taken meanwhile): left out of the figures. */
  failed?: string;
}

export interface LaneMeasure {
  readonly label: string;
  readonly changes: number;
  readonly latenciesMs: readonly number[];
  readonly p50Ms: number;
  readonly maxMs: number;
  /** Changes no alert reported before the run ended. */
  readonly missed: readonly string[];
  /** Alerts for targets that had not changed (or a second alert for one change), and refused targets-file lines. */
  readonly unexpected: readonly string[];
}

export interface ComputedMeasure {
  readonly label: string;
  readonly p50Ms: number;
  readonly maxMs: number;
  readonly note: string;
}

export interface TimeToAlertResult {
  readonly fast: LaneMeasure;
  readonly minute: LaneMeasure;
  readonly route53: ComputedMeasure;
  readonly nmapCron: ComputedMeasure;
}

export interface TimeToAlertOptions {
  /** Changes per run (ports and brokers); at least 20 for the published figure. */
  readonly changes: number;
  /** Brokers among them (each turns anonymous once). */
  readonly brokers: number;
  /** The changes fall at random moments of this window. */
  readonly windowMs: number;
  readonly nmap: NmapInfo | null;
  readonly log: (line: string) => void;
}

const listenOn = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
const closeServer = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** What one run watches: ports and brokers, each changing once, and the targets file lines for them. */
async function buildFleet(count: number, brokers: number, cert: { key: string; cert: string }): Promise<{ changes: Change[]; lines: string[]; close: () => Promise<void> }> {
  const changes: Change[] = [];
  const lines: string[] = [];
  const servers: Server[] = [];
  const closers: (() => Promise<void>)[] = [];
  // Ports that open are taken below the ephemeral range (where the probes' own connections get their
  // local ports), from a random start: other processes on this machine pick theirs too.
  const closed = await findClosedPorts(Math.ceil((count - brokers) / 2), 20_000 + Math.floor(Math.random() * 8_000));
  for (let i = 0; i < count - brokers; i++) {
    if (i % 2 === 0) {
      // Closed, then opens: the security case (expect closed).
      const port = closed[i / 2] as number;
      const server = createServer((s) => s.destroy());
      servers.push(server);
      lines.push(`127.0.0.1:${port} depth=tcp expect=closed`);
      changes.push({ target: `127.0.0.1:${port}`, kind: 'opens', events: ['opened'], apply: async () => void (await listenOn(server, port)) });
    } else {
      // Open, then closes: the availability case (expect open).
      const server = createServer((s) => s.destroy());
      const port = await listenOn(server);
      servers.push(server);
      lines.push(`127.0.0.1:${port} depth=tcp expect=open`);
      changes.push({ target: `127.0.0.1:${port}`, kind: 'closes', events: ['closed'], apply: () => closeServer(server) });
    }
  }
  for (let i = 0; i < brokers; i++) {
    // A TLS broker that refuses clients without credentials (CONNACK 5), until it does not.
    let anonymous = false;
    const broker = createBroker({
      authenticate: (_client, username, _password, done) => {
        if (anonymous || (username !== undefined && username !== '')) return done(null, true);
        done(Object.assign(new Error('credentials required'), { returnCode: 5 }) as AuthenticateError, null);
      },
    });
    broker.on('clientError', () => undefined);
    broker.on('connectionError', () => undefined);
    const server = createTlsServer({ key: cert.key, cert: cert.cert }, broker.handle);
    server.on('tlsClientError', () => undefined);
    const port = await listenOn(server as unknown as Server);
    closers.push(async () => {
      await closeServer(server as unknown as Server);
      await new Promise<void>((r) => broker.close(() => r()));
    });
    lines.push(`127.0.0.1:${port} expect=open`);
    changes.push({
      target: `127.0.0.1:${port}`,
      kind: 'turns anonymous',
      events: ['posture'],
      apply: async () => {
        anonymous = true;
      },
    });
  }
  return {
    changes,
    lines,
    close: async () => {
      await Promise.all(servers.filter((s) => s.listening).map(closeServer));
      await Promise.all(closers.map((c) => c()));
    },
  };
}

interface LocalRun {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves at the first heartbeat (the baseline tick is done). */
  readonly firstTick: Promise<void>;
  readonly alerts: { target: string; event: string; at: number }[];
  /** Targets-file lines the run refused (FILE:LINE: ...): a bench whose targets are not watched measures nothing. */
  readonly refused: string[];
  readonly exited: Promise<void>;
}

function startLocal(targetsFile: string, stateDir: string, extra: readonly string[]): LocalRun {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'portwatch.js'), 'local', '--targets', targetsFile, '--state', stateDir, '--interval', '60s', '--json', '--plaintext-port', 'none', ...extra], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const alerts: { target: string; event: string; at: number }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const at = Date.now();
    try {
      const alert = JSON.parse(line) as { target?: string; event?: string };
      if (alert.target !== undefined && alert.event !== undefined) alerts.push({ target: alert.target, event: alert.event, at });
    } catch {
      // Not an alert line.
    }
  });
  let stderr = '';
  const refused: string[] = [];
  const firstTick = new Promise<void>((resolve, reject) => {
    // With --json the heartbeat goes to stderr: `10:41:50  12 targets, 3 open, ...`.
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      if (/\.txt:\d+: /.test(line) && !refused.includes(line)) refused.push(line);
      if (/^(portwatch: )?\d\d:\d\d:\d\d {2}\d+ targets?,/.test(line)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`portwatch local exited with ${String(code)} before its first tick: ${stderr.slice(-1500)}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, firstTick, alerts, refused, exited };
}

function measureLane(label: string, changes: readonly Change[], run: LocalRun): LaneMeasure {
  const { alerts } = run;
  const latencies: number[] = [];
  const missed: string[] = [];
  const used = new Set<number>();
  for (const c of changes) {
    if (c.failed !== undefined) continue;
    const index = alerts.findIndex((a, i) => !used.has(i) && a.target === c.target && c.events.includes(a.event) && c.changedAt !== undefined && a.at >= c.changedAt);
    if (index === -1 || c.changedAt === undefined) {
      missed.push(`${c.target} ${c.kind}`);
      continue;
    }
    used.add(index);
    latencies.push((alerts[index]?.at ?? 0) - c.changedAt);
  }
  const unexpected = [...alerts.filter((_, i) => !used.has(i)).map((a) => `${a.event} ${a.target}`), ...run.refused];
  return { label, changes: changes.filter((c) => c.failed === undefined).length, latenciesMs: latencies, p50Ms: median(latencies), maxMs: latencies.length > 0 ? Math.max(...latencies) : Number.NaN, missed, unexpected };
}

/**
 * What a change waits for, uniformly placed in time: the p50 and max over many phases of a model.
 * Route 53: three failed checks 30 s apart, the check period's phase uniform; the HealthCheckStatus
 * datapoint of that minute is complete at its end; then ALARM_LAG_S for ingestion, the alarm's
 * evaluation and SNS (assumed). A cron job: the minute's phase uniform, then one nmap run.
 */
const ALARM_LAG_S = 30;

function quantiles(sample: (u: () => number) => number): { p50Ms: number; maxMs: number } {
  let seed = 17;
  const u = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const values = Array.from({ length: 20_000 }, () => sample(u)).sort((a, b) => a - b);
  return { p50Ms: values[Math.floor(values.length / 2)] ?? Number.NaN, maxMs: values[values.length - 1] ?? Number.NaN };
}

export function route53Figure(): ComputedMeasure {
  const { p50Ms, maxMs } = quantiles((u) => {
    const minuteOffset = u() * 60; // where in its minute the change falls
    const failedAt = u() * 30 + 2 * 30; // the third failing check after it
    const datapointComplete = Math.ceil((minuteOffset + failedAt) / 60) * 60 - minuteOffset;
    return (datapointComplete + ALARM_LAG_S) * 1000;
  });
  return {
    label: 'Route 53 TCP check (30 s, threshold 3) + 1-minute alarm',
    p50Ms,
    maxMs,
    note: `computed: 3 failed checks 30 s apart, the minute's datapoint complete at its end, +${ALARM_LAG_S} s alarm and SNS (assumed); sees open/closed only, not anonymous MQTT`,
  };
}

export function nmapCronFigure(scanMs: number, measured: boolean): ComputedMeasure {
  const { p50Ms, maxMs } = quantiles((u) => u() * 60_000 + scanMs);
  return {
    label: 'cron: nmap every minute',
    p50Ms,
    maxMs,
    note: `computed: the minute's phase uniform + one nmap run (${(scanMs / 1000).toFixed(1)} s${measured ? ', measured in this run: -sT on the ports, --script ssl-cert,mqtt-subscribe on a broker' : ', nmap absent: its start-up not counted'}); no confirmation re-probe`,
  };
}

/** How long nmap takes on what a cron job would scan: the TCP ports, then one broker with the MQTT scripts. */
async function nmapScanMs(nmap: NmapInfo | null, ports: readonly number[], brokerPort: number | null): Promise<number | null> {
  if (nmap === null) return null;
  const tcp = await runNmap(nmap, ['-Pn', '-n', '-sT', '-p', ports.join(','), '-oX', '-', '127.0.0.1']);
  const deep = brokerPort === null ? null : await runNmap(nmap, ['-Pn', '-n', '-sT', '-p', String(brokerPort), '--script', 'ssl-cert,mqtt-subscribe', '--script-args', 'mqtt-subscribe.listen-msgs=1,mqtt-subscribe.listen-time=2s', '-oX', '-', '127.0.0.1']);
  return tcp.wallMs + (deep?.wallMs ?? 0);
}

export async function runTimeToAlertBench(options: TimeToAlertOptions): Promise<TimeToAlertResult> {
  const { log } = options;
  // The CLI bundle bin/portwatch.js runs (it falls back to tsx when stale; the bench wants the fast start).
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-cli.mjs')], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-bench-tta-'));
  const cert = selfSignedCert(['127.0.0.1']);
  const fleets = { fast: await buildFleet(options.changes, options.brokers, cert), minute: await buildFleet(options.changes, options.brokers, cert) };
  const runs: LocalRun[] = [];
  try {
    const start = (name: string, lines: readonly string[], extra: readonly string[]): LocalRun => {
      const file = join(dir, `${name}.txt`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      const run = startLocal(file, join(dir, `${name}-state`), extra);
      runs.push(run);
      return run;
    };
    const fast = start('fast', fleets.fast.lines, ['--every', '10s']);
    const minute = start('minute', fleets.minute.lines, []);
    await Promise.all([fast.firstTick, minute.firstTick]);
    log(`  time to alert: baselines done; ${options.changes} changes per run at random moments of ${Math.round(options.windowMs / 1000)} s`);
    const t0 = Date.now();
    const all = [...fleets.fast.changes, ...fleets.minute.changes];
    await Promise.all(
      all.map(async (c) => {
        await new Promise((r) => setTimeout(r, Math.random() * options.windowMs));
        c.changedAt = Date.now();
        try {
          await c.apply();
        } catch (err) {
          // The port was taken by another process meanwhile: this change did not happen.
          c.changedAt = undefined;
          c.failed = err instanceof Error ? err.message : String(err);
        }
      }),
    );
    // The last change of the 1-minute run waits up to a tick, then its confirmation.
    const tailMs = 80_000;
    const deadline = t0 + options.windowMs + tailMs;
    while (Date.now() < deadline) {
      const pending = all.filter((c) => c.failed === undefined && !(fast.alerts.some((a) => a.target === c.target) || minute.alerts.some((a) => a.target === c.target)));
      if (pending.length === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    log(`  time to alert: changes done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const ports = fleets.fast.changes.filter((c) => c.kind !== 'turns anonymous').map((c) => Number(c.target.split(':')[1]));
    const broker = fleets.fast.changes.find((c) => c.kind === 'turns anonymous');
    // nmap's scan time is an input of the computed cron row; a failed nmap leaves it at 0 and says so.
    const scan = await nmapScanMs(options.nmap, ports, broker ? Number(broker.target.split(':')[1]) : null).catch((err: unknown) => {
      log(`  time to alert: nmap failed (${err instanceof Error ? err.message : String(err)}); the cron row counts no scan time`);
      return null;
    });
    return {
      fast: measureLane('fast lane: every 10 s within a 1-minute tick', fleets.fast.changes, fast),
      minute: measureLane('1-minute schedule', fleets.minute.changes, minute),
      route53: route53Figure(),
      nmapCron: nmapCronFigure(scan ?? 0, scan !== null),
    };
  } finally {
    for (const r of runs) r.child.kill('SIGTERM');
    await Promise.race([Promise.all(runs.map((r) => r.exited)), new Promise((r) => setTimeout(r, 5000))]);
    for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await fleets.fast.close();
    await fleets.minute.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
