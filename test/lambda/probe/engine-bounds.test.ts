import { createServer, type Socket } from 'node:net';
import { connectTcp } from '../../../lambda/probe/connection';
import { withDeadline } from '../../../lambda/probe/deadline';
import { chainLimiters, createLimiter, createSoftLimiter } from '../../../lambda/probe/limiter';
import { secureContextFor } from '../../../lambda/probe/tls';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('chainLimiters: a per-call bound under a process-wide one', () => {
  it('never exceeds the smaller bound, across two callers sharing the process pool', async () => {
    // Prepare
    const pool = createLimiter(4);
    const a = chainLimiters(createLimiter(3), pool);
    const b = chainLimiters(createLimiter(3), pool);
    let running = 0;
    let most = 0;
    const task = async (): Promise<void> => {
      running++;
      most = Math.max(most, running);
      await sleep(3);
      running--;
    };
    // Act
    await Promise.all([...Array.from({ length: 12 }, () => a.run(task)), ...Array.from({ length: 12 }, () => b.run(task))]);
    // Assess
    expect(most).toBe(4);
    expect(a.peak).toBe(3);
    expect(pool.active).toBe(0);
  });
});

describe('createSoftLimiter', () => {
  it('bounds tasks that can wait, and lets a task go ahead without a slot once it cannot wait longer', async () => {
    // Prepare
    const limiter = createSoftLimiter(2);
    const started: string[] = [];
    const hold = (name: string, ms: number) => async (): Promise<string> => {
      started.push(name);
      await sleep(ms);
      return name;
    };
    // Act: two long tasks take both slots; one waiter can afford 500 ms, the other only 10 ms.
    const results = Promise.all([limiter.run(1000, hold('a', 80)), limiter.run(1000, hold('b', 80)), limiter.run(500, hold('patient', 1)), limiter.run(10, hold('hurried', 1))]);
    await sleep(40);
    const startedBeforeSlotsFreed = [...started];
    // Assess
    expect(await results).toEqual(['a', 'b', 'patient', 'hurried']);
    expect(startedBeforeSlotsFreed).toEqual(['a', 'b', 'hurried']);
    expect(limiter.overflowed).toBe(1);
    expect(limiter.peak).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('releases its slot when a task throws or rejects', async () => {
    const limiter = createSoftLimiter(1);
    await expect(limiter.run(100, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(100, () => { throw new Error('sync'); })).rejects.toThrow('sync');
    expect(limiter.active).toBe(0);
    await expect(limiter.run(100, async () => 'next')).resolves.toBe('next');
  });
});

describe('secureContextFor', () => {
  it('builds one TLS context per trust anchor and TLS version range, then reuses it', () => {
    const system = secureContextFor({});
    const legacy = secureContextFor({ legacy: true });
    expect(secureContextFor({})).toBe(system);
    expect(secureContextFor({ legacy: true })).toBe(legacy);
    expect(legacy).not.toBe(system);
  });
});

describe('connectTcp abortiveClose', () => {
  it('a connect-only probe closes with a reset, so the server sees ECONNRESET rather than an orderly end', async () => {
    // Prepare
    const seen: string[] = [];
    const server = createServer((socket: Socket) => {
      socket.on('error', (err: NodeJS.ErrnoException) => seen.push(err.code ?? 'error'));
      socket.on('end', () => seen.push('end'));
      socket.on('close', () => seen.push('close'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    // Act
    const outcome = await withDeadline(1000, 'connect', async (deadline) => connectTcp(deadline, '127.0.0.1', port, 4, { noDelay: false, abortiveClose: true }), () => null);
    for (let i = 0; i < 50 && !seen.includes('close'); i++) await sleep(10);
    await new Promise<void>((r) => server.close(() => r()));
    // Assess
    expect(outcome?.ok).toBe(true);
    expect(seen).toContain('ECONNRESET');
    expect(seen).not.toContain('end');
  });
});
