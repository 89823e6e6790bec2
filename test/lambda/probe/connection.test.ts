import { createServer, Socket } from 'node:net';
import { connectTcp } from '../../../lambda/probe/connection';
import { withDeadline } from '../../../lambda/probe/deadline';
import { timed } from '../../helpers/probe-fixtures';
import { blackholePort, listen, silentServer, type Blackhole, type Running } from '../../helpers/servers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('connectTcp under a deadline', () => {
  let blackhole: Blackhole;
  let silent: Running;

  beforeAll(async () => {
    blackhole = await blackholePort();
    silent = await listen(silentServer());
  });
  afterAll(async () => {
    await blackhole.close();
    await silent.close();
  });

  it('gives up on a connect that never completes when the deadline passes', async () => {
    // Act
    const { value, elapsedMs } = await timed(() =>
      withDeadline(
        150,
        'connect',
        async (deadline) => {
          const pending = connectTcp(deadline, '127.0.0.1', blackhole.port, 4);
          return pending.then((o) => (o.ok ? 'connected' : o.code));
        },
        (info) => `timeout after ${info.timeoutMs} ms`,
      ),
    );

    // Assess
    expect(value).toBe('timeout after 150 ms');
    expect(elapsedMs).toBeGreaterThanOrEqual(140);
    expect(elapsedMs).toBeLessThan(1500);
  });

  it('destroys a connected socket when the work is done', async () => {
    // Prepare
    let kept: Socket | undefined;

    // Act
    await withDeadline(
      1000,
      'connect',
      async (deadline) => {
        const outcome = await connectTcp(deadline, '127.0.0.1', silent.port, 4);
        if (outcome.ok) kept = outcome.socket;
        return outcome.ok;
      },
      () => false,
    );

    // Assess
    expect(kept?.destroyed).toBe(true);
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
