/**
 * Servers that do not play along. Every probe must come back within its deadline (plus a little slack
 * for a loaded machine), say in `reason` what happened, read a bounded amount, and never throw.
 */
import { probeTarget } from '../../../lambda/probe/index';
import type { Depth, ProbeResult } from '../../../lambda/probe/types';
import { createTestPki, type TestPki } from '../../helpers/certs';
import { probeOptions, spec, timed } from '../../helpers/probe-fixtures';
import {
  garbageServer,
  listen,
  resetMidHandshakeServer,
  silentServer,
  streamingServer,
  tlsNoConnackServer,
  tlsStreamingServer,
  type Running,
} from '../../helpers/servers';

const TIMEOUT_MS = 600;
/** Slack for a shared 2-core machine: scheduling, the legacy check after a hostile phase. */
const SLACK_MS = 900;

describe('probeTarget against hostile servers', () => {
  let pki: TestPki;
  const servers: Running[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => {
    uncaught.push(err);
  };

  async function probeHostile(server: Parameters<typeof listen>[0], depth: Depth = 'mqtt'): Promise<{ result: ProbeResult; elapsedMs: number }> {
    const running = await listen(server);
    servers.push(running);
    const { value, elapsedMs } = await timed(() => probeTarget(spec(running.port, depth), probeOptions({ timeoutMs: TIMEOUT_MS })));
    return { result: value, elapsedMs };
  }

  beforeAll(() => {
    pki = createTestPki();
    process.on('uncaughtException', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await Promise.all(servers.map((s) => s.close()));
    pki.cleanup();
  });
  afterEach(() => {
    expect(uncaught).toEqual([]);
  });

  it('accepts TCP but never answers the ClientHello: open, and the reason says so', async () => {
    // Act
    const { result, elapsedMs } = await probeHostile(silentServer());

    // Assess
    expect(result.status).toBe('open');
    expect(result.reason).toMatch(/no TLS: no reply to the ClientHello within 600 ms/);
    expect(result.tls).toMatchObject({ version: null, cert: null, legacyTls: null });
    expect(result.mqtt).toBeNull();
    expect(result.findings).toEqual([]);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('answers garbage: not TLS, then not MQTT either', async () => {
    // Act
    const { result, elapsedMs } = await probeHostile(garbageServer());

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls?.reason).toBe('no TLS: server replied with non-TLS data "HTTP/1.1 400 Bad"...');
    expect(result.mqtt).toMatchObject({ transport: 'plain', connack: null, anonymous: false, reason: expect.stringMatching(/^not MQTT: /) });
    expect(result.findings).toEqual([]);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('resets the connection in the middle of the handshake', async () => {
    // Act
    const { result, elapsedMs } = await probeHostile(resetMidHandshakeServer());

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls?.reason).toBe('connection reset during the TLS handshake after 15 bytes');
    expect(result.tls?.version).toBeNull();
    expect(result.findings).toEqual([]);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it.each([
    ['TLS-looking records', 0x16],
    ['text', 0x41],
  ])('streams %s forever: the read cap cuts it off', async (_name, byte) => {
    // Act
    const { result, elapsedMs } = await probeHostile(streamingServer(byte));

    // Assess
    expect(result.status).toBe('open');
    expect(result.reason).toMatch(/more than the 16384-byte read cap; connection destroyed/);
    expect(result.findings).toEqual([]);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('completes TLS but never sends a CONNACK', async () => {
    // Act
    const { result, elapsedMs } = await probeHostile(tlsNoConnackServer(pki.selfSigned));

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls?.version).toBe('TLSv1.3');
    expect(result.mqtt).toEqual({ transport: 'tls', protocolVersion: 4, connack: null, anonymous: false, reason: 'no CONNACK within 600 ms' });
    expect(result.findings).toEqual(['self-signed-cert']);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('completes TLS, then streams application data instead of a CONNACK', async () => {
    // Act
    const { result, elapsedMs } = await probeHostile(tlsStreamingServer(pki.selfSigned));

    // Assess
    expect(result.status).toBe('open');
    expect(result.mqtt).toMatchObject({ connack: null, reason: expect.stringMatching(/read cap without a CONNACK/) });
    expect(result.findings).toEqual(['self-signed-cert']);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('never answers at depth tls either: the ClientHello wait ends at the timeout', async () => {
    // Act
    const { result, elapsedMs } = await probeHostile(silentServer(), 'tls');

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls?.reason).toBe('no TLS: no reply to the ClientHello within 600 ms');
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });
});
