import { plaintextPortFor, probeTarget } from '../../../lambda/probe/index';
import { plaintextConnectMs, versionVerdict } from '../../../lambda/probe/posture';
import type { SessionState } from '../../../lambda/probe/session';
import type { ProbeResult } from '../../../lambda/probe/types';
import { startBroker } from '../../helpers/brokers';
import { usePki } from '../../helpers/certs';
import { describeWithMosquitto, useMosquitto } from '../../helpers/mosquitto';
import { probeOptions, spec } from '../../helpers/probe-fixtures';
import { closedPort, listen, silentServer, useServers } from '../../helpers/servers';

const probe = (port: number, plaintextPort: number | null, ca?: string): Promise<ProbeResult> =>
  probeTarget(spec(port, 'mqtt', 'localhost'), probeOptions({ plaintextPort, ...(ca !== undefined ? { ca } : {}) }));

describeWithMosquitto('the plaintext listener and protocol levels, against mosquitto', () => {
  const pki = usePki();
  const mosquitto = useMosquitto();

  it('a plaintext listener that lets anyone in: plaintext-listener and anonymous-access', async () => {
    // Prepare
    const broker = await mosquitto({ tls: pki().trusted, auth: 'anonymous', plaintextListener: true });

    // Act
    const result = await probe(broker.port, broker.plaintextPort, pki().ca.cert);

    // Assess
    expect(result.plaintextListener).toEqual({ port: broker.plaintextPort, status: 'open', connack: 0, anonymous: true, reason: 'CONNACK 0 (accepted)' });
    expect(result.findings).toEqual(['anonymous-access', 'plaintext-listener']);
    expect(result.mqtt?.versions).toEqual({ '3.1': true, '3.1.1': true, '5': true });
    expect(result.mqtt?.v5).toMatchObject({ receiveMaximum: 20, topicAliasMaximum: 10 });
  });

  it('a plaintext listener that wants a password: plaintext-listener alone, every level still spoken', async () => {
    // Prepare
    const broker = await mosquitto({ tls: pki().trusted, auth: 'password', plaintextListener: true });

    // Act
    const result = await probe(broker.port, broker.plaintextPort, pki().ca.cert);

    // Assess: an auth refusal at a level proves the level.
    expect(result.plaintextListener).toMatchObject({ status: 'open', connack: 5, anonymous: false });
    expect(result.findings).toEqual(['plaintext-listener']);
    expect(result.mqtt).toMatchObject({ connack: 5, versions: { '3.1': true, '3.1.1': true, '5': true } });
  });

  it('TLS alone: the plaintext port is closed, no finding', async () => {
    // Prepare
    const broker = await mosquitto({ tls: pki().trusted, auth: 'password' });
    const plain = await closedPort();

    // Act
    const result = await probe(broker.port, plain, pki().ca.cert);

    // Assess
    expect(result.plaintextListener).toEqual({ port: plain, status: 'closed', connack: null, anonymous: false, reason: 'ECONNREFUSED' });
    expect(result.findings).toEqual([]);
  });
});

describe('the plaintext listener and protocol levels, against aedes and loopback servers', () => {
  const pki = usePki();
  const listenOn = useServers();

  it('aedes speaks 3.1 and 3.1.1, not 5; its plain listener beside the TLS one is plaintext-listener', async () => {
    // Prepare
    const tls = await startBroker({ tls: pki().trusted, auth: 'required' });
    const plain = await startBroker({ auth: 'required' });

    try {
      // Act
      const result = await probe(tls.port, plain.port, pki().ca.cert);

      // Assess: never a SUBSCRIBE or PUBLISH on either.
      expect(result.mqtt).toMatchObject({ connack: 5, versions: { '3.1': true, '3.1.1': true, '5': false }, v5: null });
      expect(result.plaintextListener).toMatchObject({ status: 'open', connack: 5, anonymous: false });
      expect(result.findings).toEqual(['plaintext-listener']);
      for (const b of [tls, plain]) expect([b.seen.subscribes, b.seen.publishes]).toEqual([0, 0]);
    } finally {
      await Promise.all([tls.close(), plain.close()]);
    }
  });

  it('a plaintext port that accepts and says nothing: open, no CONNACK, no finding', async () => {
    // Prepare
    const broker = await startBroker({ tls: pki().trusted, auth: 'required' });
    const silent = await listenOn(silentServer());

    try {
      // Act
      const result = await probeTarget(spec(broker.port, 'mqtt', 'localhost'), probeOptions({ plaintextPort: silent.port, ca: pki().ca.cert, timeoutMs: 300 }));

      // Assess
      expect(result.plaintextListener).toMatchObject({ status: 'open', connack: null, reason: expect.stringMatching(/^no CONNACK within \d+ ms$/) });
      expect(result.findings).toEqual([]);
    } finally {
      await broker.close();
    }
  });

  it('asks no plaintext port at depth tls', async () => {
    // Prepare
    const server = await listen(silentServer());

    // Act
    const result = await probeTarget(spec(server.port, 'tls'), probeOptions({ plaintextPort: server.port + 1, timeoutMs: 200 }));
    await server.close();

    // Assess
    expect(result.plaintextListener).toBeNull();
  });
});

describe('plaintextPortFor', () => {
  const base = { target: 'b:8883', host: 'b', port: 8883, transport: 'tcp', depth: 'mqtt' } as const;
  const cases: [string, { port?: number; plaintextPort?: number | null }, { plaintextPort?: number | null }, number | null][] = [
    ['default 1883', {}, {}, 1883],
    ['the options switch it off', {}, { plaintextPort: null }, null],
    ['the target overrides the options', { plaintextPort: 1884 }, { plaintextPort: null }, 1884],
    ['the target switches it off', { plaintextPort: null }, {}, null],
    ['never the target port itself', { port: 1884, plaintextPort: 1884 }, {}, null],
    ['never beside a target on 1883', { port: 1883, plaintextPort: 1884 }, {}, null],
  ];
  it.each(cases)('%s', (_name, target, options, expected) => {
    expect(plaintextPortFor({ ...base, ...target }, { timeoutMs: 3000, certExpiringDays: 14, ...options })).toBe(expected);
  });
});

describe('versionVerdict', () => {
  const state = (mqtt: Partial<NonNullable<SessionState['mqtt']>> | null): SessionState =>
    ({ mqtt: mqtt && { protocolVersion: 4, connack: null, reason: '', errorCode: null, hungUp: false, v5: null, ...mqtt } }) as SessionState;
  const cases: [string, SessionState | null, boolean | null][] = [
    ['not asked', null, null],
    ['no exchange (budget spent, connect failed)', state(null), null],
    ['accepted', state({ connack: 0 }), true],
    ['refused for credentials: the level is spoken', state({ connack: 5 }), true],
    ['3.1.1 unacceptable protocol version', state({ connack: 1 }), false],
    ['5 unsupported protocol version', state({ protocolVersion: 5, connack: 0x84 }), false],
    ['5 answered in the 3.1.1 format', state({ protocolVersion: 5, connack: 1 }), false],
    ['5 not authorized: spoken', state({ protocolVersion: 5, connack: 0x87 }), true],
    ['a hang-up on this level alone', state({ hungUp: true }), false],
    ['no CONNACK in time', state({ hungUp: false }), null],
  ];
  it.each(cases)('%s', (_name, session, expected) => {
    expect(versionVerdict(session)).toBe(expected);
  });
});

describe('plaintextConnectMs', () => {
  it('waits a few round trips of the target port, never less than the floor', () => {
    expect(plaintextConnectMs(0)).toBe(250);
    expect(plaintextConnectMs(100)).toBe(400);
  });
});
