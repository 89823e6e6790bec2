/**
 * The probe worker of `portwatch local --vantage`, started here without a namespace (plain `node`), on
 * real loopback sockets: its results equal the in-process probe's, and a worker that hangs, dies or
 * never starts turns its requests into probe errors (never `closed`) within their deadlines.
 */
import { createServer } from 'node:net';
import { probeTarget, type ProbeOptions, type ProbeResult, type ProbeSpec } from '../../../lambda/probe';
import { createAddressGuard } from '../../../lambda/probe/address-policy';
import { ProbeWorker, workerEntry, type WorkerCommand } from '../../../lib/cli/probe-worker-client';
import { startBroker, type RunningBroker } from '../../helpers/brokers';
import { createTestPki, type TestPki } from '../../helpers/certs';

const policy = { allow: [], allowLoopback: true, allowPrivate: true };
const options: ProbeOptions = { timeoutMs: 1000, certExpiringDays: 14, plaintextPort: null, guard: createAddressGuard(policy) };
const spec = (port: number, depth: ProbeSpec['depth'] = 'tcp'): ProbeSpec => ({ target: `127.0.0.1:${port}`, host: '127.0.0.1', port, transport: 'tcp', depth });

/** A stand-in worker: says it is ready, then runs `onRequest` (JavaScript, `line` in scope) per request. */
function fakeWorker(onRequest: string): WorkerCommand {
  const script = `const rl = require('node:readline').createInterface({ input: process.stdin }); let first = true;
rl.on('line', (line) => { if (first) { first = false; process.stdout.write(JSON.stringify({ ready: true, pid: process.pid }) + '\\n'); return; } ${onRequest} });`;
  return { command: process.execPath, args: ['-e', script] };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What two probes of the same port must share; times and latencies differ. */
function essence(r: ProbeResult): unknown {
  return { status: r.status, reason: r.reason, findings: r.findings, authorized: r.tls?.authorized, anonymous: r.mqtt?.anonymous };
}

describe('ProbeWorker', () => {
  const workers: ProbeWorker[] = [];
  const make = (command: WorkerCommand, extra: ConstructorParameters<typeof ProbeWorker>[3] = {}): ProbeWorker => {
    const w = new ProbeWorker('v1', command, { policy, ca: null }, extra);
    workers.push(w);
    return w;
  };
  let broker: RunningBroker;
  let closedPort: number;
  let pki: TestPki;
  beforeAll(async () => {
    pki = createTestPki();
    broker = await startBroker({ tls: { key: pki.trusted.key, cert: pki.trusted.cert }, auth: 'anonymous' });
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    closedPort = (free.address() as { port: number }).port;
    await new Promise<void>((r) => free.close(() => r()));
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
  });
  afterAll(async () => {
    await broker.close();
    pki.cleanup();
  });

  it('answers as the in-process probe does: an anonymous TLS broker of a private CA at depth mqtt, a closed port', async () => {
    // Prepare: the CA reaches the worker in its settings, as --ca does.
    const worker = new ProbeWorker('v1', { command: process.execPath, args: workerEntry() }, { policy, ca: pki.ca.cert });
    workers.push(worker);
    const probe = worker.probeFor('tick-1');
    const specs = [spec(broker.port, 'mqtt'), spec(closedPort)];
    // Act
    const fromWorker = await Promise.all(specs.map((s) => probe(s, options)));
    const inProcess = await Promise.all(specs.map((s) => probeTarget(s, { ...options, ca: pki.ca.cert })));
    // Assess
    expect(fromWorker.map(essence)).toEqual(inProcess.map(essence));
    expect(fromWorker.map((r) => r.status)).toEqual(['open', 'closed']);
    expect(fromWorker[0]?.tls?.authorized).toBe(true);
    expect(fromWorker[0]?.findings).toContain('anonymous-access');
  });

  it('applies the run address policy in the worker: a refused address is refused there too', async () => {
    // Prepare
    const worker = new ProbeWorker('v1', { command: process.execPath, args: workerEntry() }, { policy: { allow: [], howToAllow: '--allow CIDR' }, ca: null });
    workers.push(worker);
    // Act
    const result = await worker.probeFor('t')(spec(closedPort), options);
    // Assess
    expect(result.status).toBe('error');
    expect(result.reason).toContain('refused: 127.0.0.1 is loopback');
  });

  it('gives up on a hung worker at the deadline: a probe error naming the vantage point, and a new worker for the next request', async () => {
    // Prepare: a worker that never answers; deadline 3 x 50 ms + 100 ms.
    const worker = make(fakeWorker(''), { graceMs: 100 });
    const probe = worker.probeFor('t');
    // Act
    const started = Date.now();
    const first = await probe(spec(closedPort), { ...options, timeoutMs: 50 });
    const waited = Date.now() - started;
    const second = await probe(spec(closedPort), { ...options, timeoutMs: 50 });
    // Assess
    expect(first.status).toBe('error');
    expect(first.reason).toBe('vantage v1: probe worker gave no answer within 250 ms; worker restarted');
    expect(waited).toBeLessThan(5000);
    expect(second.status).toBe('error');
    expect(worker.pids).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(alive(worker.pids[0] as number)).toBe(false);
  });

  it('turns the requests of a worker that died into probe errors, never closed, and starts another for the next ones', async () => {
    // Prepare: a worker that exits on its first request, with two requests in flight.
    const worker = make(fakeWorker('process.exit(3);'));
    const probe = worker.probeFor('t');
    // Act
    const lost = await Promise.all([probe(spec(closedPort), options), probe({ ...spec(closedPort), target: 'second' }, options)]);
    const next = await probe(spec(closedPort), options);
    // Assess
    expect(lost.map((r) => r.status)).toEqual(['error', 'error']);
    expect(lost[0]?.reason).toMatch(/^vantage v1: probe worker \(.*\) exited \(code 3\)$/s);
    expect(next.status).toBe('error');
    expect(worker.pids).toHaveLength(2);
  });

  it('reports a worker that cannot start as a probe error for each request, without a start per request', async () => {
    // Prepare
    const worker = make({ command: '/nonexistent/ip', args: [] });
    // Act
    const results = await Promise.all([1, 2, 3].map(() => worker.probeFor('t')(spec(closedPort), options)));
    // Assess
    expect(results.map((r) => r.status)).toEqual(['error', 'error', 'error']);
    expect(results[0]?.reason).toContain('vantage v1: could not start the probe worker (/nonexistent/ip): spawn /nonexistent/ip ENOENT');
    expect(worker.pids).toHaveLength(0);
  });

  it('leaves no process behind when closed, a worker that never answers included', async () => {
    // Prepare
    const stubborn = make(fakeWorker(''));
    await stubborn.start();
    const real = make({ command: process.execPath, args: workerEntry() });
    await real.start();
    // Act
    await Promise.all([stubborn.close(), real.close()]);
    // Assess
    expect([...stubborn.pids, ...real.pids].map(alive)).toEqual([false, false]);
  });
});
