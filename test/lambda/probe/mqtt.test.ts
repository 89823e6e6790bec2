import { probeTarget } from '../../../lambda/probe/index';
import { connackMeaning } from '../../../lambda/probe/mqtt';
import type { ProbeOptions, ProbeResult } from '../../../lambda/probe/types';
import { startBroker, startMqtt5OnlyBroker, type RunningBroker } from '../../helpers/brokers';
import { createTestPki, type TestPki } from '../../helpers/certs';
import { probeOptions, spec, waitFor } from '../../helpers/probe-fixtures';
import { listen, tlsServer } from '../../helpers/servers';

const CLIENT_ID = /^portwatch-[0-9a-f]{12}$/;
/** aedes speaks MQTT 3.1 and 3.1.1, and answers a version-5 CONNECT with the 3.1.1 CONNACK 1. */
const AEDES_VERSIONS = { '3.1': true, '3.1.1': true, '5': false };

describe('probeTarget at depth mqtt', () => {
  let pki: TestPki;
  const brokers: RunningBroker[] = [];

  async function broker(...args: Parameters<typeof startBroker>): Promise<RunningBroker> {
    const running = await startBroker(...args);
    brokers.push(running);
    return running;
  }

  async function probe(port: number, overrides: Partial<ProbeOptions> = {}, host = 'localhost'): Promise<ProbeResult> {
    return probeTarget(spec(port, 'mqtt', host), probeOptions(overrides));
  }

  /** The broker's side of a probe: one CONNECT, then DISCONNECT; nothing else, ever. */
  function expectPoliteClient(seen: RunningBroker['seen']): void {
    expect(seen.subscribes).toBe(0);
    expect(seen.publishes).toBe(0);
    // aedes refuses a protocol level it does not speak (the MQTT 5 CONNECT) before it reads the id.
    for (const id of seen.clientIds) if (id !== null) expect(id).toMatch(CLIENT_ID);
  }

  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.close()));
    pki.cleanup();
  });

  it('finds anonymous access on a TLS broker that lets anyone in, and leaves with DISCONNECT', async () => {
    // Prepare
    const b = await broker({ tls: pki.selfSigned, auth: 'anonymous' });

    // Act
    const result = await probe(b.port);

    // Assess
    expect(result.status).toBe('open');
    expect(result.mqtt).toEqual({ transport: 'tls', protocolVersion: 4, connack: 0, anonymous: true, authRequired: false, reason: 'CONNACK 0 (accepted)', versions: AEDES_VERSIONS, v5: null });
    expect(result.findings).toEqual(['anonymous-access', 'self-signed-cert']);
    // 3.1.1 accepted, 5 refused (CONNACK 1), 3.1 accepted: each accepted session left with DISCONNECT.
    expect(b.seen.connacks).toEqual([0, 1, 0]);
    await waitFor(() => b.seen.disconnects === 2);
    expectPoliteClient(b.seen);
  });

  it('reports enforced authentication (CONNACK 5) on a trusted broker with no finding', async () => {
    // Prepare
    const b = await broker({ tls: pki.trusted, auth: 'required' });

    // Act
    const result = await probe(b.port, { ca: pki.ca.cert });

    // Assess
    expect(result.mqtt).toEqual({ transport: 'tls', protocolVersion: 4, connack: 5, anonymous: false, authRequired: true, reason: 'CONNACK 5 (not authorized)', versions: AEDES_VERSIONS, v5: null });
    expect(result.tls).toMatchObject({ authorized: true, hostnameMatch: true });
    expect(result.findings).toEqual([]);
    expectPoliteClient(b.seen);
  });

  it('falls back to MQTT in clear on a plaintext broker: plaintext-mqtt and anonymous-access', async () => {
    // Prepare
    const b = await broker({ auth: 'anonymous' });

    // Act
    const result = await probe(b.port);

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls).toMatchObject({ version: null, cert: null, legacyTls: null, reason: expect.stringMatching(/^no TLS: /) });
    expect(result.mqtt).toMatchObject({ transport: 'plain', protocolVersion: 4, connack: 0, anonymous: true });
    expect(result.findings).toEqual(['anonymous-access', 'plaintext-mqtt']);
    expectPoliteClient(b.seen);
  });

  it('reports a plaintext broker that requires authentication as plaintext-mqtt only', async () => {
    // Prepare
    const b = await broker({ auth: 'required' });

    // Act
    const result = await probe(b.port);

    // Assess
    expect(result.mqtt).toMatchObject({ transport: 'plain', connack: 5, anonymous: false, authRequired: true });
    expect(result.findings).toEqual(['plaintext-mqtt']);
  });

  it('retries as MQTT 5 when the broker refuses 3.1.1, and reads the v5 reason code', async () => {
    // Prepare
    const b = await startMqtt5OnlyBroker({ key: pki.trusted.key, cert: pki.trusted.cert }, 0x87);
    brokers.push(b);

    // Act
    const result = await probe(b.port, { ca: pki.ca.cert });

    // Assess
    // 3.1.1 refused, the retry as 5, then the 3.1 question (refused like 3.1.1); 5 is not asked twice.
    expect(b.seen.connacks).toEqual([1, 0x87, 1]);
    expect(result.mqtt).toMatchObject({ transport: 'tls', protocolVersion: 5, connack: 0x87, anonymous: false, authRequired: true, reason: 'CONNACK 0x87 (not authorized)' });
    expect(result.mqtt?.versions).toEqual({ '3.1': false, '3.1.1': false, '5': true });
    expect(result.mqtt?.v5).toMatchObject({ maximumQoS: null, reasonString: null });
    expect(result.reason).toMatch(/MQTT 3\.1\.1 refused \(CONNACK 1 \(unacceptable protocol version\)\), retried as MQTT 5/);
    expect(result.findings).toEqual([]);
  });

  it('finds anonymous access on an MQTT 5 broker too', async () => {
    // Prepare
    const b = await startMqtt5OnlyBroker({ key: pki.trusted.key, cert: pki.trusted.cert }, 0);
    brokers.push(b);

    // Act
    const result = await probe(b.port, { ca: pki.ca.cert });

    // Assess
    expect(result.mqtt).toMatchObject({ protocolVersion: 5, connack: 0, anonymous: true });
    expect(result.findings).toEqual(['anonymous-access']);
  });

  it('sends no MQTT at depth tls', async () => {
    // Prepare
    const b = await broker({ tls: pki.trusted, auth: 'anonymous' });

    // Act
    const result = await probeTarget(spec(b.port, 'tls', 'localhost'), probeOptions({ ca: pki.ca.cert }));

    // Assess
    expect(result.mqtt).toBeNull();
    expect(result.tls?.version).toBe('TLSv1.3');
    expect(b.seen.connacks).toEqual([]);
  });

  it('reports a broker that requires a client certificate: no CONNACK, port open, clientCertRequired', async () => {
    // Prepare
    const server = await listen(tlsServer({ key: pki.trusted.key, cert: pki.trusted.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true }));

    // Act
    const result = await probe(server.port, { ca: pki.ca.cert });
    await server.close();

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', clientCertRequired: true });
    expect(result.mqtt).toMatchObject({ connack: null, anonymous: false, reason: expect.stringMatching(/client certificate/) });
    expect(result.findings).toEqual([]);
  });
});

describe('connackMeaning', () => {
  it.each([
    [4, 0, { name: 'accepted', anonymous: true, authRequired: false, wrongVersion: false }],
    [4, 1, { name: 'unacceptable protocol version', anonymous: false, authRequired: undefined, wrongVersion: true }],
    [4, 4, { name: 'bad user name or password', anonymous: false, authRequired: true, wrongVersion: false }],
    [4, 5, { name: 'not authorized', anonymous: false, authRequired: true, wrongVersion: false }],
    [4, 3, { name: 'server unavailable', anonymous: false, authRequired: undefined, wrongVersion: false }],
    [5, 0x86, { name: 'bad user name or password', anonymous: false, authRequired: true, wrongVersion: false }],
    [5, 0x87, { name: 'not authorized', anonymous: false, authRequired: true, wrongVersion: false }],
    [5, 0x84, { name: 'unsupported protocol version', anonymous: false, authRequired: undefined, wrongVersion: true }],
    [5, 0x8a, { name: 'banned', anonymous: false, authRequired: undefined, wrongVersion: false }],
    [4, 0x42, { name: 'unknown code 0x42', anonymous: false, authRequired: undefined, wrongVersion: false }],
  ] as const)('v%d code %d', (version, code, expected) => {
    expect(connackMeaning(version, code)).toEqual(expected);
  });
});
