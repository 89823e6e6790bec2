import { checkDeepResults, checkNmapDeep } from '../../bench/deep';
import type { EngineResult } from '../../bench/engine-worker';
import { nmapStates, parseGrepable } from '../../bench/nmap';
import { checkUnchangedTick, loopbackHosts, runPipelineBench } from '../../bench/pipeline';
import { findClosedPorts, startListeners, type OpenListeners } from '../../bench/ports';
import { checkClassification, classifyInProcess, type PortCase } from '../../bench/tcp';

/*
 * The bench's own correctness: that it classifies ports, reads nmap's output and checks a pipeline
 * tick the way it claims to. Timings are the bench's business, never asserted here.
 */

describe('TCP classification', () => {
  let listeners: OpenListeners;
  let cases: PortCase[];

  beforeAll(async () => {
    listeners = await startListeners(['127.0.0.1'], 5);
    const closed = await findClosedPorts(20, 20_000);
    const open = listeners.ports.get('127.0.0.1') ?? [];
    cases = [...open.map((port) => ({ port, expected: 'open' as const })), ...closed.map((port) => ({ port, expected: 'closed' as const }))];
  });
  afterAll(async () => {
    await listeners.close();
  });

  it('classifies 5 open and 20 closed loopback ports right with the engine', async () => {
    // Act
    const got = await classifyInProcess(cases, 8);

    // Assess
    const result = checkClassification(cases, got);
    expect(result.mismatches).toEqual([]);
    expect(result).toMatchObject({ total: 25, correct: 25 });
  });

  it('counts a port reported in any other state as a mismatch', () => {
    // Prepare
    const [first, second] = cases as [PortCase, PortCase];
    const got = new Map<number, string>(cases.map((c) => [c.port, c.expected]));
    got.set(first.port, 'filtered');
    got.delete(second.port);

    // Act
    const result = checkClassification(cases, got);

    // Assess
    expect(result.correct).toBe(23);
    expect(result.mismatches).toEqual([
      expect.objectContaining({ port: first.port, expected: first.expected, got: 'filtered' }),
      expect.objectContaining({ port: second.port, expected: second.expected, got: 'missing' }),
    ]);
  });
});

describe("reading nmap's output", () => {
  const GREPABLE = [
    '# Nmap 7.93 scan initiated Tue Nov 24 21:38:50 2026 as: nmap -sT -Pn -n -p 33009,33203,20000,20001 -oG - 127.0.0.1',
    'Host: 127.0.0.1 ()\tStatus: Up',
    'Host: 127.0.0.1 ()\tPorts: 33009/open/tcp/////, 33203/open/tcp//unknown///\tIgnored State: closed (2)',
    '# Nmap done at Tue Nov 24 21:38:50 2026 -- 1 IP address (1 host up) scanned in 0.04 seconds',
  ].join('\n');

  it('gives listed ports their state and the others the ignored state', () => {
    // Act
    const states = nmapStates(GREPABLE, [33009, 33203, 20000, 20001]);

    // Assess
    expect(Object.fromEntries(states)).toEqual({ 33009: 'open', 33203: 'open', 20000: 'closed', 20001: 'closed' });
    expect(parseGrepable(GREPABLE)).toMatchObject({ ignoredState: 'closed', ignoredCount: 2 });
  });

  it('accepts a broker only when nmap saw our certificate and was let in to subscribe', () => {
    // Prepare
    const host = (addr: string, cert: string, mqtt: string): string =>
      `<host starttime="1"><status state="up"/><address addr="${addr}" addrtype="ipv4"/><ports><port protocol="tcp" portid="8883"><state state="open" reason="syn-ack"/>` +
      `<service name="secure-mqtt"/><script id="ssl-cert" output="${cert}"/><script id="mqtt-subscribe" output="${mqtt}"/></port></ports></host>`;
    const xml =
      '<nmaprun>' +
      host('127.77.0.1', 'Subject: commonName=portwatch-bench&#xa;Issuer: commonName=portwatch-bench', '&#xa;  Topics and their most recent payloads: &#xa;    portwatch/bench: hello') +
      host('127.77.0.2', 'Subject: commonName=portwatch-bench', '&#xa;  ERROR: Connection rejected: Not Authorized') +
      '</nmaprun>';

    // Act
    const check = checkNmapDeep(xml, ['127.77.0.1', '127.77.0.2', '127.77.0.3'], 'portwatch-bench');

    // Assess
    expect(check.correct).toBe(1);
    expect(check.problems.map((p) => p.split(':')[0])).toEqual(['127.77.0.2', '127.77.0.3']);
  });
});

describe('deep probe check', () => {
  const good: EngineResult = {
    target: '127.77.0.1:8883',
    port: 8883,
    status: 'open',
    reason: 'connected',
    findings: ['self-signed-cert', 'anonymous-access'],
    tlsVersion: 'TLSv1.3',
    selfSigned: true,
    connack: 0,
    anonymous: true,
  };

  it('wants open, TLS, CONNACK 0 and exactly anonymous-access and self-signed-cert', () => {
    // Act
    const check = checkDeepResults([good, { ...good, target: 'b', connack: 5, anonymous: false, findings: ['self-signed-cert'] }, { ...good, target: 'c', findings: [...good.findings, 'legacy-tls'] }]);

    // Assess
    expect(check.correct).toBe(1);
    expect(check.problems.map((p) => p.split(':')[0])).toEqual(['b', 'c']);
  });
});

describe('pipeline ticks on the embedded DynamoDB', () => {
  it('records every status and digest, then writes nothing and reads no state when nothing changed', async () => {
    // Act: 1 loopback host, 5 open and 45 closed ports, depth tcp, the real probe.
    const result = await runPipelineBench({ hosts: loopbackHosts(1, '127.0.2'), openPerHost: 5, closedPerHost: 45, listenersIn: 'process' });

    // Assess
    expect(result.targets).toBe(50);
    expect(result.misclassified).toEqual([]);
    // One probe per target and tick: no re-probe without a suspected (alerting) change.
    expect(result.baseline.run.probed).toBe(50);
    expect(result.unchanged.run.probed).toBe(50);
    expect(result.baseline.proberRequests.PutItemCommand).toBeGreaterThan(0);
    expect(result.unchangedCheck.problems).toEqual([]);
    expect(result.baseline.run.digestsRecorded).toBe(50);
    // Every target settled by its digest, but for the few due their hourly check against the state
    // (1 in 60 at 1-minute ticks), which are read in one batch.
    const { digestHits, digestChecks } = result.unchangedCheck;
    expect(result.unchangedCheck).toMatchObject({ ok: true, writes: 0, otherReads: 0, batchGets: digestChecks > 0 ? 1 : 0 });
    expect(digestHits + digestChecks).toBe(50);
    expect(digestChecks).toBeLessThan(15);
    expect(result.unchangedCheck.getItems).toBeLessThanOrEqual(1);
  });

  it('flags writes, targets without a digest, per-target reads and too few batched reads', () => {
    // Act
    const check = checkUnchangedTick(1000, { PutItemCommand: 2, BatchGetItemCommand: 5, GetItemCommand: 40, QueryCommand: 1 }, 400);

    // Assess
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      '2 writes in a tick where nothing changed',
      '600 targets not settled by their digest',
      '5 BatchGetItem calls cannot have read 600 targets',
      '40 GetItem calls: per-target reads (only the scanner item, once per run, is expected)',
      '1 Query/Scan calls by the prober',
    ]);
  });
});
