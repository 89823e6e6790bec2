import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadTcpWrap, rawConnectOnly, type ConnectOnly, type TcpWrapBinding } from '../../../lambda/probe/raw-connect';
import { connectReport, defaultConnectOnly, netConnectOnly, probeTcpAddress } from '../../../lambda/probe/tcp';
import type { AddressResult, ResolvedAddress } from '../../../lambda/probe/types';
import { waitFor } from '../../helpers/probe-fixtures';
import { blackholePort, closedPort, listen, type Blackhole, type Running } from '../../helpers/servers';

const run = promisify(execFile);
const V4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const V6 = (address: string): ResolvedAddress => ({ address, family: 6 });
/** What a classification is made of; latency differs between any two connects. */
const verdict = (r: AddressResult): Omit<AddressResult, 'latencyMs'> => ({ address: r.address, family: r.family, status: r.status, reason: r.reason });

describe('the TCP handle path and the net.Socket path classify alike', () => {
  /**
   * The handle path with a fallback that fails: once a handle throws, rawConnectOnly switches to its
   * fallback for good, and with net.Socket there these tests would compare net.Socket with itself.
   */
  const handleOnly = rawConnectOnly(
    (_deadline, target, port) => Promise.reject(new Error(`the handle path fell back to its fallback for ${target.address}:${port}`)),
    connectReport,
  );
  let open4: Running;
  let open6: Running;
  let held: Running;
  let blackhole: Blackhole;
  const heldSockets = new Set<Socket>();

  beforeAll(async () => {
    open4 = await listen(createServer((s) => s.destroy()));
    open6 = await listen(createServer((s) => s.destroy()), '::1');
    // Keeps every accepted connection open: only our close can end it, so how it ends is ours.
    held = await listen(
      createServer((s) => {
        heldSockets.add(s);
        s.on('close', () => heldSockets.delete(s));
        s.resume();
      }),
    );
    blackhole = await blackholePort();
  });
  afterAll(async () => {
    await Promise.all([open4.close(), open6.close(), held.close(), blackhole.close()]);
  });
  afterEach(() => {
    expect(handleOnly.usesHandle()).toBe(true);
    expect(defaultConnectOnly.usesHandle()).toBe(true);
  });

  it('uses the handle on this Node (the bench and the Lambda rely on it; the fallback covers its absence)', () => {
    // Assess: Node 20 and 24 both allow-list tcp_wrap; a runtime without it would only be slower.
    expect(defaultConnectOnly.usesHandle()).toBe(true);
  });

  it.each<[string, () => Promise<[ResolvedAddress, number]>, string, string]>([
    ['an open IPv4 port', async () => [V4('127.0.0.1'), open4.port], 'open', 'connected'],
    ['an open IPv6 port', async () => [V6('::1'), open6.port], 'open', 'connected'],
    ['a closed IPv4 port', async () => [V4('127.0.0.1'), await closedPort()], 'closed', 'ECONNREFUSED'],
    ['a closed IPv6 port', async () => [V6('::1'), await closedPort('::1')], 'closed', 'ECONNREFUSED'],
    // The kernel refuses TCP to broadcast and multicast before sending anything: the unreachable family.
    ['a broadcast address', async () => [V4('255.255.255.255'), 80], 'unreachable', 'ENETUNREACH'],
    ['a multicast address', async () => [V4('224.0.0.1'), 80], 'unreachable', 'ENETUNREACH'],
    // Link-local without a scope: what connect(2) says on Node 20, said by the engine on every version
    // (Node 24 would pick an interface itself and send the SYN there).
    ['a link-local IPv6 address without a scope', async () => [V6('fe80::1'), 80], 'error', 'EINVAL'],
  ])('%s', async (_name, where, status, reason) => {
    // Prepare
    const [target, port] = await where();

    // Act
    const viaHandle = await probeTcpAddress(target, port, 2000, handleOnly);
    const viaSocket = await probeTcpAddress(target, port, 2000, netConnectOnly);

    // Assess
    expect(verdict(viaHandle)).toEqual({ address: target.address, family: target.family, status, reason });
    expect(verdict(viaHandle)).toEqual(verdict(viaSocket));
  });

  it('reports a port that drops SYNs as filtered on both paths, the deadline ending each connect', async () => {
    // Act
    const [viaHandle, viaSocket] = await Promise.all([
      probeTcpAddress(V4('127.0.0.1'), blackhole.port, 300, handleOnly),
      probeTcpAddress(V4('127.0.0.1'), blackhole.port, 300, netConnectOnly),
    ]);

    // Assess
    expect(verdict(viaHandle)).toEqual({ address: '127.0.0.1', family: 4, status: 'filtered', reason: 'timeout after 300 ms' });
    expect(verdict(viaHandle)).toEqual(verdict(viaSocket));
  });

  it('closes an open connection with a reset: the server sees ECONNRESET and no TIME_WAIT is left', async () => {
    // Prepare
    const ended: string[] = [];
    const server = await listen(
      createServer((s) => {
        s.on('error', (err: NodeJS.ErrnoException) => ended.push(err.code ?? 'error'));
        s.on('end', () => ended.push('FIN'));
        s.resume();
      }),
    );

    // Act
    const results = await Promise.all(Array.from({ length: 5 }, () => probeTcpAddress(V4('127.0.0.1'), server.port, 2000, handleOnly)));
    await waitFor(() => ended.length === 5);
    const timeWait = timeWaitPorts();
    await server.close();

    // Assess
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('open'));
    expect(ended).toEqual(Array(5).fill('ECONNRESET'));
    if (timeWait) expect(timeWait.has(server.port)).toBe(false);
  });

  it('leaves no descriptor behind, whatever the outcome', async () => {
    // Prepare
    const closed = await closedPort();
    const targets: [ResolvedAddress, number][] = [
      [V4('127.0.0.1'), held.port],
      [V4('127.0.0.1'), closed],
      [V4('127.0.0.1'), blackhole.port],
      [V4('224.0.0.1'), 80],
      [V6('fe80::1'), 80],
    ];
    await probeTcpAddress(V4('127.0.0.1'), closed, 2000, handleOnly);
    const before = openDescriptors();

    // Act
    for (let i = 0; i < 4; i++) await Promise.all(targets.map(([t, p]) => probeTcpAddress(t, p, 200, handleOnly)));
    await waitFor(() => heldSockets.size === 0);

    // Assess
    if (before !== null) expect(openDescriptors()).toBe(before);
  });
});

describe('rawConnectOnly falls back to net.Socket', () => {
  let open: Running;

  beforeAll(async () => {
    open = await listen(createServer((s) => s.destroy()));
  });
  afterAll(async () => {
    await open.close();
  });

  /** A fallback that records its calls and connects through net.Socket. */
  function countingFallback(): { connect: ConnectOnly; calls: number } {
    const counter = {
      calls: 0,
      connect: ((deadline, target, port) => {
        counter.calls++;
        return netConnectOnly(deadline, target, port);
      }) as ConnectOnly,
    };
    return counter;
  }

  it('when the binding is not there', async () => {
    // Prepare
    const fallback = countingFallback();
    const connect = rawConnectOnly(fallback.connect, connectReport, () => null);

    // Act
    const result = await probeTcpAddress(V4('127.0.0.1'), open.port, 2000, connect);

    // Assess
    expect(result.status).toBe('open');
    expect(fallback.calls).toBe(1);
    expect(connect.usesHandle()).toBe(false);
  });

  it('for good, once the handle throws', async () => {
    // Prepare: a binding whose connect throws, as a changed internal API might.
    const real = loadTcpWrap() as TcpWrapBinding;
    class ThrowingTcp extends real.TCP {
      override connect(): number {
        throw new TypeError('changed internals');
      }
    }
    let loads = 0;
    const broken: TcpWrapBinding = { TCP: ThrowingTcp, TCPConnectWrap: real.TCPConnectWrap, constants: real.constants };
    const fallback = countingFallback();
    const connect = rawConnectOnly(fallback.connect, connectReport, () => {
      loads++;
      return broken;
    });

    // Act
    const first = await probeTcpAddress(V4('127.0.0.1'), open.port, 2000, connect);
    const second = await probeTcpAddress(V4('127.0.0.1'), open.port, 2000, connect);

    // Assess
    expect([first.status, second.status]).toEqual(['open', 'open']);
    expect(fallback.calls).toBe(2);
    expect(loads).toBe(1);
    expect(connect.usesHandle()).toBe(false);
  });
});

describe('process.binding and warnings', () => {
  const root = join(__dirname, '..', '..', '..');
  const script = `
    const { defaultConnectOnly, probeTcpAddress } = require('./lambda/probe/tcp.ts');
    probeTcpAddress({ address: '127.0.0.1', family: 4 }, 1, 2000).then((r) => {
      process.stdout.write(JSON.stringify({ handle: defaultConnectOnly.usesHandle(), status: r.status, reason: r.reason }));
    });
  `;
  const probeInChild = async (nodeOptions: string): Promise<{ out: { handle: boolean; status: string; reason: string }; stderr: string }> => {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { ...process.env, NODE_OPTIONS: nodeOptions } });
    return { out: JSON.parse(stdout) as { handle: boolean; status: string; reason: string }, stderr };
  };

  it('uses the handle and prints nothing in a plain process', async () => {
    // Act
    const { out, stderr } = await probeInChild('');

    // Assess
    expect(out).toEqual({ handle: true, status: 'closed', reason: 'ECONNREFUSED' });
    expect(stderr).toBe('');
  });

  it('stays on net.Socket, and prints nothing, when the process asked for pending deprecations', async () => {
    // Act
    const { out, stderr } = await probeInChild('--pending-deprecation');

    // Assess
    expect(out).toEqual({ handle: false, status: 'closed', reason: 'ECONNREFUSED' });
    expect(stderr).not.toMatch(/DEP0111|process\.binding/);
  });
});

/** Local ports of this namespace's TIME_WAIT sockets (Linux), or null without /proc. */
function timeWaitPorts(): Set<number> | null {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) return null;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // st 06 is TIME_WAIT; either end of the connection may hold it.
      if (fields[3] !== '06') continue;
      for (const end of [fields[1], fields[2]]) ports.add(Number.parseInt(end?.split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

function openDescriptors(): number | null {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : null;
}

