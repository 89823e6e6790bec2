/**
 * One vantage point's probe worker as seen from `portwatch local`: a child process (normally
 * `ip netns exec NETNS node probe-worker.cjs`) spoken to in JSON lines (lambda/contracts/probe-worker.ts),
 * offered to the prober as a ProbeFn. A hung or dead worker never hangs a tick: every request has a
 * deadline (the probe's own bound plus a grace), a worker that misses one is killed, and the requests
 * it held come back as probe errors (never `closed`); the next request starts a new worker.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { staleBundle } from '../../bin/bundle-freshness';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROBE_WORKER_VERSION, type ProbeWorkerReply, type ProbeWorkerRequest, type ProbeWorkerSettings } from '../../lambda/contracts/probe-worker';
import { maxProbeDurationMs, probeErrorResult, type ProbeOptions, type ProbeResult, type ProbeSpec } from '../../lambda/probe';
import type { ProbeFn } from '../../lambda/monitor/prober/service';

/** How to start a worker process. */
export interface WorkerCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * The node arguments that run the worker: the bundle built beside dist/portwatch.cjs when this code
 * runs from that bundle, or when it is newer than every file the build read (the sources, tests, a
 * stale CLI bundle); else the TypeScript entry through tsx, which starts a second or so slower.
 */
export function workerEntry(): string[] {
  if (__filename.endsWith('.cjs')) return [join(__dirname, 'probe-worker.cjs')];
  const root = join(__dirname, '..', '..');
  return staleBundle(root, 'dist/probe-worker.cjs') === null ? [join(root, 'dist', 'probe-worker.cjs')] : ['--require', require.resolve('tsx/cjs'), join(__dirname, 'probe-worker.ts')];
}

/** The worker inside network namespace `netns`: `ip netns exec` execs node there (no process in between). */
export function netnsWorkerCommand(netns: string, entry: readonly string[] = workerEntry()): WorkerCommand {
  return { command: 'ip', args: ['netns', 'exec', netns, process.execPath, ...entry] };
}

export interface ProbeWorkerOptions {
  /** Added to a probe's own bound (maxProbeDurationMs) before its request is given up. @default 2000 */
  readonly graceMs?: number;
  /** How long a starting worker may take to say it is ready. @default 20000 (tsx compiles the sources first) */
  readonly startMs?: number;
  /** After a failed start, requests fail at once for this long instead of starting a worker each. @default 5000 */
  readonly retryStartMs?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

interface Pending {
  readonly spec: ProbeSpec;
  readonly resolve: (result: ProbeResult) => void;
  readonly timer: NodeJS.Timeout;
}

/** One worker process, from its start until it exits; its requests die with it. */
interface Live {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<void>;
  readonly pending: Map<number, Pending>;
}

/** A probe error for `spec` that says which vantage point could not look, and why. */
export function workerErrorResult(spec: ProbeSpec, vantage: string, reason: string): ProbeResult {
  return probeErrorResult(spec, `vantage ${vantage}: ${reason}`);
}

export class ProbeWorker {
  /** Process ids of the workers started so far, the first one included (a restart adds one). */
  readonly pids: number[] = [];
  /** The worker requests go to (starting or running); null: the next request starts one. */
  private live: Promise<Live> | null = null;
  /** What `live` resolved to, once it did. */
  private ready: Live | null = null;
  /** Every worker not yet exited, a retired one included: close() waits for them all. */
  private readonly running = new Set<Live>();
  private failedStart: { at: number; reason: string } | null = null;
  private nextId = 1;
  private closed = false;
  private stderrTail = '';

  constructor(
    readonly vantage: string,
    private readonly command: WorkerCommand,
    private readonly settings: Omit<ProbeWorkerSettings, 'v'>,
    private readonly options: ProbeWorkerOptions = {},
  ) {}

  /** Starts the worker now, so a worker that cannot start is reported before the first tick. */
  async start(): Promise<void> {
    await this.ensure();
  }

  /** The ProbeFn for one tick: requests of one epoch share the worker's DNS cache. */
  probeFor(epoch: string): ProbeFn {
    return (spec, options) => this.probe(spec, options, epoch);
  }

  /** Ends every worker: stdin closed (a worker exits when its probes are answered), then SIGTERM, then SIGKILL. */
  async close(): Promise<void> {
    this.closed = true;
    const starting = this.live;
    this.live = null;
    await starting?.catch(() => undefined);
    await Promise.all(
      [...this.running].map(async (worker) => {
        worker.child.stdin.end();
        const term = setTimeout(() => worker.child.kill('SIGTERM'), 1000);
        const kill = setTimeout(() => worker.child.kill('SIGKILL'), 3000);
        await worker.exited;
        clearTimeout(term);
        clearTimeout(kill);
      }),
    );
  }

  private async probe(spec: ProbeSpec, options: ProbeOptions, epoch: string): Promise<ProbeResult> {
    let worker: Live;
    try {
      worker = await this.ensure();
    } catch (err) {
      return workerErrorResult(spec, this.vantage, err instanceof Error ? err.message : String(err));
    }
    const id = this.nextId++;
    const timeoutMs = spec.timeoutMs ?? options.timeoutMs;
    const request: ProbeWorkerRequest = { id, spec, timeoutMs: options.timeoutMs, certExpiringDays: options.certExpiringDays, plaintextPort: options.plaintextPort ?? null, epoch };
    const deadlineMs = maxProbeDurationMs(timeoutMs) + (this.options.graceMs ?? 2000);
    return new Promise<ProbeResult>((resolve) => {
      const timer = setTimeout(() => {
        // The probe bounds itself; a worker this late is stuck, and its other requests would be late too.
        fail(worker, id, this.vantage, `probe worker gave no answer within ${deadlineMs} ms; worker restarted`);
        this.retire(worker);
        this.options.log?.('warn', 'probe worker killed', { vantage: this.vantage, reason: `request ${id} missed its deadline of ${deadlineMs} ms` });
        worker.child.kill('SIGKILL');
      }, deadlineMs);
      worker.pending.set(id, { spec, resolve, timer });
      worker.child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** The running worker, started when there is none. */
  private ensure(): Promise<Live> {
    if (this.closed) return Promise.reject(new Error('probe worker stopped'));
    if (this.live !== null) return this.live;
    const retryMs = this.options.retryStartMs ?? 5000;
    if (this.failedStart !== null && Date.now() - this.failedStart.at < retryMs) return Promise.reject(new Error(this.failedStart.reason));
    const live = this.spawnWorker();
    this.live = live;
    live.then(
      () => (this.failedStart = null),
      (err: unknown) => {
        if (this.live === live) this.live = null;
        this.failedStart = { at: Date.now(), reason: err instanceof Error ? err.message : String(err) };
      },
    );
    return live;
  }

  /** New requests go to a new worker from now on (at once: the caller may send the next request in the same turn). */
  private retire(worker: Live): void {
    if (this.ready !== worker) return;
    this.ready = null;
    this.live = null;
  }

  private spawnWorker(): Promise<Live> {
    const child = spawn(this.command.command, [...this.command.args], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid !== undefined) this.pids.push(child.pid);
    this.stderrTail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
    });
    // A worker that died closes its stdin pipe; the write error is the exit's to report.
    child.stdin.on('error', () => undefined);
    const worker: Live = { child, exited: new Promise<void>((resolve) => child.once('close', () => resolve())), pending: new Map() };
    this.running.add(worker);
    void worker.exited.then(() => this.running.delete(worker));
    return new Promise<Live>((resolve, reject) => {
      const startMs = this.options.startMs ?? 20_000;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`probe worker (${this.describe()}) was not ready within ${startMs} ms${this.stderrText()}`));
      }, startMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        this.running.delete(worker);
        reject(new Error(`could not start the probe worker (${this.describe()}): ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const why = `probe worker (${this.describe()}) exited (${signal ?? `code ${code}`})${this.stderrText()}`;
        reject(new Error(why));
        this.retire(worker);
        for (const id of [...worker.pending.keys()]) fail(worker, id, this.vantage, why);
        if (!this.closed) this.options.log?.('warn', 'probe worker exited', { vantage: this.vantage, reason: why });
      });
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
        let reply: ProbeWorkerReply;
        try {
          reply = JSON.parse(line) as ProbeWorkerReply;
        } catch {
          return;
        }
        if ('ready' in reply) {
          clearTimeout(timer);
          this.ready = worker;
          resolve(worker);
        } else if ('result' in reply) answer(worker, reply.id, reply.result);
        else if (reply.id !== undefined) fail(worker, reply.id, this.vantage, `probe worker refused the request: ${reply.error}`);
        else this.options.log?.('warn', 'probe worker complained', { vantage: this.vantage, error: reply.error });
      });
      child.stdin.write(`${JSON.stringify({ v: PROBE_WORKER_VERSION, ...this.settings } satisfies ProbeWorkerSettings)}\n`);
    });
  }

  /** The command as errors show it: the program and its first arguments (not a whole inline script). */
  private describe(): string {
    return [this.command.command, ...this.command.args.slice(0, 3)].join(' ').split('\n')[0] as string;
  }

  private stderrText(): string {
    const text = this.stderrTail.trim();
    return text === '' ? '' : `: ${text.split('\n').slice(-3).join(' | ')}`;
  }
}

function answer(worker: Live, id: number, result: ProbeResult): void {
  const p = worker.pending.get(id);
  if (p === undefined) return;
  worker.pending.delete(id);
  clearTimeout(p.timer);
  p.resolve(result);
}

function fail(worker: Live, id: number, vantage: string, reason: string): void {
  const p = worker.pending.get(id);
  if (p !== undefined) answer(worker, id, workerErrorResult(p.spec, vantage, reason));
}
