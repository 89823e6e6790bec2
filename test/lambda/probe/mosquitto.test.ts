import { probeTarget } from '../../../lambda/probe/index';
import type { Depth, ProbeResult } from '../../../lambda/probe/types';
import { usePki } from '../../helpers/certs';
import { describeWithMosquitto, useMosquitto } from '../../helpers/mosquitto';
import { probeOptions, spec } from '../../helpers/probe-fixtures';

/** Mosquitto 2 speaks 3.1, 3.1.1 and 5, and states its receive maximum and topic alias maximum. */
const MOSQUITTO_VERSIONS = { '3.1': true, '3.1.1': true, '5': true };
const MOSQUITTO_V5 = expect.objectContaining({ receiveMaximum: 20, topicAliasMaximum: 10, maximumQoS: null, retainAvailable: null });

describeWithMosquitto("probeTarget against Debian's mosquitto", () => {
  const pki = usePki();
  const mosquitto = useMosquitto();

  const probe = (port: number, depth: Depth): Promise<ProbeResult> => probeTarget(spec(port, depth, 'localhost'), probeOptions({ ca: pki().ca.cert }));

  it('require_certificate: depth mqtt reports the client certificate requirement that depth tls sees', async () => {
    // Prepare
    const broker = await mosquitto({ tls: { ...pki().trusted, ca: pki().ca.cert, requireCertificate: true }, auth: 'anonymous' });

    // Act: the first CONNECT of a process leaves late (mqtt-packet's cold start), the later ones at
    // once; the server's alert races them differently, and every one must come out the same.
    const atTls = await probe(broker.port, 'tls');
    const atMqtt: ProbeResult[] = [];
    for (let i = 0; i < 5; i++) atMqtt.push(await probe(broker.port, 'mqtt'));

    // Assess
    expect(atTls.tls).toMatchObject({ version: 'TLSv1.3', authorized: true, clientCertRequired: true });
    for (const result of atMqtt) {
      expect(result.status).toBe('open');
      expect(result.tls).toMatchObject({ version: 'TLSv1.3', authorized: true, clientCertRequired: true, reason: expect.stringMatching(/server requires a client certificate/) });
      expect(result.mqtt).toEqual({ transport: 'tls', protocolVersion: 4, connack: null, anonymous: false, reason: 'no CONNACK: the TLS session was refused for lack of a client certificate' });
      expect(result.reason).not.toMatch(/reset/);
      expect(result.findings).toEqual([]);
    }
  });

  it('allow_anonymous true: CONNACK 0 and anonymous-access', async () => {
    // Prepare
    const broker = await mosquitto({ tls: pki().trusted, auth: 'anonymous' });

    // Act
    const result = await probe(broker.port, 'mqtt');

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', authorized: true, hostnameMatch: true, clientCertRequired: false });
    expect(result.mqtt).toEqual({ transport: 'tls', protocolVersion: 4, connack: 0, anonymous: true, authRequired: false, reason: 'CONNACK 0 (accepted)', versions: MOSQUITTO_VERSIONS, v5: MOSQUITTO_V5 });
    expect(result.findings).toEqual(['anonymous-access']);
  });

  it('allow_anonymous false with a password file: CONNACK 5, not authorized, no finding', async () => {
    // Prepare
    const broker = await mosquitto({ tls: pki().trusted, auth: 'password' });

    // Act
    const result = await probe(broker.port, 'mqtt');

    // Assess
    expect(result.mqtt).toEqual({ transport: 'tls', protocolVersion: 4, connack: 5, anonymous: false, authRequired: true, reason: 'CONNACK 5 (not authorized)', versions: MOSQUITTO_VERSIONS, v5: expect.objectContaining({ maximumQoS: null }) });
    expect(result.findings).toEqual([]);
  });

  it('MQTT in clear with anonymous access: plaintext-mqtt and anonymous-access', async () => {
    // Prepare
    const broker = await mosquitto({ auth: 'anonymous' });

    // Act
    const result = await probe(broker.port, 'mqtt');

    // Assess
    expect(result.mqtt).toMatchObject({ transport: 'plain', connack: 0, anonymous: true });
    expect(result.findings).toEqual(['anonymous-access', 'plaintext-mqtt']);
  });
});
