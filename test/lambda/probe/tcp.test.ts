import { createServer } from 'node:net';
import { aggregateStatus, probeTarget } from '../../../lambda/probe/index';
import { classifyConnectError } from '../../../lambda/probe/tcp';
import type { AddressResult, ProbeStatus, Resolver } from '../../../lambda/probe/types';
import { loopbackResolver, probeOptions, spec, timed } from '../../helpers/probe-fixtures';
import { blackholePort, closedPort, listen, type Blackhole, type Running } from '../../helpers/servers';

const AT = new Date('2026-05-01T12:00:00.000Z');
const BOTH = { 'dual.test': [{ address: '127.0.0.1', family: 4 as const }, { address: '::1', family: 6 as const }] };

describe('probeTarget at depth tcp', () => {
  let v4: Running;
  let v6: Running;

  beforeAll(async () => {
    v4 = await listen(createServer((s) => s.destroy()));
    v6 = await listen(createServer((s) => s.destroy()), '::1');
  });
  afterAll(async () => {
    await v4.close();
    await v6.close();
  });

  it('reports an open port with its address, latency and start time', async () => {
    // Act
    const result = await probeTarget(spec(v4.port, 'tcp'), probeOptions({ now: () => AT }));

    // Assess
    expect(result).toMatchObject({
      target: `127.0.0.1:${v4.port}`,
      host: '127.0.0.1',
      port: v4.port,
      transport: 'tcp',
      depth: 'tcp',
      status: 'open',
      reason: '127.0.0.1: connected',
      at: '2026-05-01T12:00:00.000Z',
      tls: null,
      mqtt: null,
      findings: [],
    });
    expect(result.addresses).toEqual([{ address: '127.0.0.1', family: 4, status: 'open', reason: 'connected', latencyMs: expect.any(Number) }]);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('probes an IPv6 literal (no brackets in the spec)', async () => {
    // Act
    const result = await probeTarget(spec(v6.port, 'tcp', '::1'), probeOptions());

    // Assess
    expect(result.status).toBe('open');
    expect(result.addresses).toEqual([expect.objectContaining({ address: '::1', family: 6, status: 'open' })]);
  });

  it('reports a port where nothing listens as closed (ECONNREFUSED)', async () => {
    // Prepare
    const port = await closedPort();

    // Act
    const result = await probeTarget(spec(port, 'tcp'), probeOptions());

    // Assess
    expect(result).toMatchObject({ status: 'closed', reason: '127.0.0.1: ECONNREFUSED', findings: [] });
  });

  it('probes every address of a name: open when any is open, each address listed', async () => {
    // Prepare: the port is open on 127.0.0.1; on ::1 the same number is closed (unless the v6 server
    // happened to get the same number, which the expectation allows for).
    const resolver = loopbackResolver(BOTH);

    // Act
    const result = await probeTarget(spec(v4.port, 'tcp', 'dual.test'), probeOptions({ resolver }));

    // Assess
    expect(result.status).toBe('open');
    expect(result.addresses.map((a) => [a.address, a.status])).toEqual([
      ['127.0.0.1', 'open'],
      ['::1', v4.port === v6.port ? 'open' : 'closed'],
    ]);
  });

  it('consults the guard for every address and never connects to a refused one', async () => {
    // Prepare
    const asked: string[] = [];
    const guard = (a: { address: string }): string | null => {
      asked.push(a.address);
      return a.address === '::1' ? 'refused: loopback (::1/128) is not allowed' : null;
    };
    const before = v6.stats.accepted;

    // Act
    const result = await probeTarget(spec(v6.port, 'tcp', 'dual.test'), probeOptions({ resolver: loopbackResolver(BOTH), guard }));

    // Assess
    expect(asked).toEqual(['127.0.0.1', '::1']);
    expect(result.addresses.find((a) => a.address === '::1')).toEqual({ address: '::1', family: 6, status: 'error', reason: 'refused: loopback (::1/128) is not allowed', latencyMs: 0 });
    expect(v6.stats.accepted).toBe(before);
  });

  it('is an error, not closed, when the guard refuses every address', async () => {
    // Prepare
    const before = v4.stats.accepted;

    // Act
    const result = await probeTarget(spec(v4.port, 'mqtt'), probeOptions({ guard: () => 'refused: loopback' }));

    // Assess
    expect(result).toMatchObject({ status: 'error', reason: '127.0.0.1: refused: loopback', tls: null, mqtt: null, findings: [] });
    expect(v4.stats.accepted).toBe(before);
  });

  it('reports a name that does not resolve as an error naming the DNS code', async () => {
    // Act: nonexistent.invalid fails in the injected resolver as NXDOMAIN does (no packet leaves the host).
    const result = await probeTarget(spec(8883, 'mqtt', 'nonexistent.invalid'), probeOptions());

    // Assess
    expect(result).toMatchObject({ status: 'error', reason: 'DNS ENOTFOUND for nonexistent.invalid', addresses: [], tls: null, mqtt: null, findings: [] });
  });

  it.each([
    [{ port: 0 }, 'invalid target: port 0 is not 1-65535'],
    [{ port: 70000 }, 'invalid target: port 70000 is not 1-65535'],
    [{ host: ' ' }, 'invalid target: empty host'],
    [{ timeoutMs: -1 }, 'invalid timeout: -1 ms'],
  ])('reports an invalid spec %j as an error without probing', async (overrides, reason) => {
    // Act
    const result = await probeTarget({ ...spec(8883, 'tcp'), ...overrides }, probeOptions());

    // Assess
    expect(result).toMatchObject({ status: 'error', reason, addresses: [] });
  });

  it('never rejects, even when the resolver is broken in a way no resolver should be', async () => {
    // Prepare
    const broken: Resolver = () => {
      throw new TypeError('not a resolver');
    };

    // Act
    const result = await probeTarget(spec(8883, 'tcp', 'broken.test'), probeOptions({ resolver: broken }));

    // Assess
    expect(result.status).toBe('error');
    expect(result.reason).toMatch(/not a resolver/);
  });
});

describe('probeTarget against a port that drops SYNs', () => {
  let blackhole: Blackhole;

  beforeAll(async () => {
    blackhole = await blackholePort();
  });
  afterAll(async () => {
    await blackhole.close();
  });

  it('reports filtered with the timeout in the reason, within the deadline', async () => {
    // Act
    const { value: result, elapsedMs } = await timed(() => probeTarget(spec(blackhole.port, 'mqtt'), probeOptions({ timeoutMs: 300 })));

    // Assess
    expect(result).toMatchObject({ status: 'filtered', reason: '127.0.0.1: timeout after 300 ms', tls: null, mqtt: null });
    expect(elapsedMs).toBeLessThan(300 + 700);
  });
});

describe('classifyConnectError', () => {
  it.each([
    ['ECONNREFUSED', 'closed'],
    ['ECONNRESET', 'closed'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['EADDRNOTAVAIL', 'unreachable'],
    ['ETIMEDOUT', 'filtered'],
    ['EMFILE', 'error'],
  ])('%s -> %s', (code, status) => {
    expect(classifyConnectError(code)).toBe(status);
  });
});

describe('aggregateStatus', () => {
  const a = (status: ProbeStatus): AddressResult => ({ address: '192.0.2.1', family: 4, status, reason: '', latencyMs: 0 });

  it.each<[ProbeStatus[], ProbeStatus]>([
    [['filtered', 'open'], 'open'],
    [['filtered', 'closed', 'unreachable'], 'closed'],
    [['filtered', 'unreachable'], 'unreachable'],
    [['error', 'filtered'], 'filtered'],
    [['error'], 'error'],
    [[], 'error'],
  ])('%j -> %s', (statuses, expected) => {
    expect(aggregateStatus(statuses.map(a))).toBe(expected);
  });
});
