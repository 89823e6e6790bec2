import { createServer, type Socket } from 'node:net';
import { probeMany } from '../../../lambda/probe/index';
import type { Resolver } from '../../../lambda/probe/types';
import { probeOptions, spec } from '../../helpers/probe-fixtures';
import { closedPort, listen, type Running } from '../../helpers/servers';

describe('probeMany', () => {
  let open: Running;

  beforeAll(async () => {
    open = await listen(createServer((s) => s.destroy()));
  });
  afterAll(async () => {
    await open.close();
  });

  it('returns one result per spec, in the order given', async () => {
    // Prepare
    const closed = await closedPort();
    const specs = [spec(closed, 'tcp'), spec(open.port, 'tcp'), spec(8883, 'tcp', 'nonexistent.invalid'), spec(open.port, 'tcp', '::1')];

    // Act
    const results = await probeMany(specs, { ...probeOptions(), concurrency: 2 });

    // Assess
    expect(results.map((r) => [r.target, r.status])).toEqual([
      [`127.0.0.1:${closed}`, 'closed'],
      [`127.0.0.1:${open.port}`, 'open'],
      ['nonexistent.invalid:8883', 'error'],
      [`[::1]:${open.port}`, expect.stringMatching(/^(closed|open)$/)],
    ]);
  });

  it('holds no more sockets than maxSockets, and queueing never counts against a deadline', async () => {
    // Prepare: each probe holds a connection to a silent server for its whole TLS deadline. The server
    // counts the connections whose client has not hung up, once the events of the current poll are in
    // (client and server share this event loop, so a FIN and the next SYN can arrive together).
    const live = new Set<Socket>();
    let peak = 0;
    const counting = await listen(
      createServer((socket) => {
        live.add(socket);
        socket.resume();
        const gone = (): boolean => live.delete(socket);
        socket.on('end', gone);
        socket.on('close', gone);
        setImmediate(() => {
          peak = Math.max(peak, live.size);
        });
      }),
    );
    const specs = Array.from({ length: 6 }, () => spec(counting.port, 'tls'));

    // Act
    const results = await probeMany(specs, { ...probeOptions({ timeoutMs: 250 }), concurrency: 6, maxSockets: 2 });
    await counting.close();

    // Assess
    expect(peak).toBe(2);
    expect(results.every((r) => r.status === 'open')).toBe(true);
    expect(results.every((r) => r.tls?.reason === 'no TLS: no reply to the ClientHello within 250 ms')).toBe(true);
  });

  it('has at most `concurrency` targets in flight', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const resolver: Resolver = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const specs = Array.from({ length: 9 }, (_, i) => ({ ...spec(open.port, 'tcp', `host${i}.test`) }));

    // Act
    const results = await probeMany(specs, { ...probeOptions({ resolver }), concurrency: 3 });

    // Assess
    expect(most).toBe(3);
    expect(results.map((r) => r.status)).toEqual(Array(9).fill('open'));
  });
});
