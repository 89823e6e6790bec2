/**
 * Depth `mqtt`: one CONNECT without credentials, read the CONNACK, DISCONNECT. Never SUBSCRIBE,
 * PUBLISH or guess credentials: the probe learns whether anonymous clients get in, nothing more.
 * Packets are built and parsed by mqtt-packet, so the bytes are those of a real client.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { generate, parser, type IConnackPacket, type IConnectPacket, type IDisconnectPacket, type Packet } from 'mqtt-packet';
import { READ_CAP_BYTES, READ_CAP_CODE } from './connection';
import { errorInfo } from './tls-handshake';
import type { MqttV5Facts } from './types';

/** MQTT protocol level of a CONNECT: 3 = 3.1 (protocol name `MQIsdp`), 4 = 3.1.1, 5 = 5.0. */
export type MqttVersion = 3 | 4 | 5;

export interface MqttExchange {
  readonly protocolVersion: MqttVersion;
  /** CONNACK return code (3.1.1) or reason code (5); null when none arrived. */
  readonly connack: number | null;
  readonly reason: string;
  /** Transport error that ended the exchange (TLS alerts arrive here on TLS 1.3). */
  readonly errorCode: string | null;
  /**
   * The connection ended (closed, reset, a transport or TLS error) before the server sent any MQTT
   * packet, and not at the read cap: the server hung up on the CONNECT without an MQTT word.
   */
  readonly hungUp: boolean;
  /** What an MQTT 5 CONNACK said about the broker; null for other levels or when none arrived. */
  readonly v5: MqttV5Facts | null;
  /** Resolves once DISCONNECT (if any) and our end of the stream are handed to the transport. */
  readonly goodbye: Promise<void>;
}

/**
 * `portwatch-` and 12 hex digits: recognisable in broker logs, unique enough not to kick anyone off
 * (a broker drops an older session with the same id), and 22 characters, within the 23 that every
 * MQTT 3.1.1 server must accept.
 */
export function newClientId(): string {
  return `portwatch-${randomBytes(6).toString('hex')}`;
}

const CONNACK_V4: Readonly<Record<number, string>> = {
  0: 'accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

const CONNACK_V5: Readonly<Record<number, string>> = {
  0x00: 'success',
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
  0x90: 'topic name invalid',
  0x95: 'packet too large',
  0x97: 'quota exceeded',
  0x99: 'payload format invalid',
  0x9a: 'retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9f: 'connection rate exceeded',
};

export interface ConnackMeaning {
  readonly name: string;
  /** The broker let a client without credentials in. */
  readonly anonymous: boolean;
  /** The broker refused us for want of credentials; undefined when the code says neither. */
  readonly authRequired: boolean | undefined;
  /** The broker does not speak this protocol level: try another. */
  readonly wrongVersion: boolean;
}

export function connackMeaning(version: MqttVersion, code: number): ConnackMeaning {
  const names = version === 5 ? CONNACK_V5 : CONNACK_V4;
  const v4Answer = version === 5 && code === 1 ? 'unacceptable protocol version (answered as MQTT 3.1.1)' : undefined;
  const name = v4Answer ?? names[code] ?? `unknown code 0x${code.toString(16).padStart(2, '0')}`;
  const authRequired = version === 5 ? code === 0x86 || code === 0x87 : code === 4 || code === 5;
  return {
    name,
    anonymous: code === 0,
    authRequired: code === 0 ? false : authRequired ? true : undefined,
    // A 3.1.1-only broker answers a version-5 CONNECT in its own format: return code 1, read as 0x01.
    wrongVersion: code === 1 || code === 0x84,
  };
}

/**
 * The CONNACK properties a broker discloses to anyone who connects (MQTT 5, 3.2.2.3): each null when
 * absent, which the specification reads as its default (QoS 2, retain/wildcard/shared/subscription
 * identifiers available, no size or alias limit). User properties, response information and auth
 * data are left out: free-form, and nothing a posture needs.
 */
function v5Facts(properties: IConnackPacket['properties']): MqttV5Facts {
  const p = properties ?? {};
  return {
    assignedClientIdentifier: p.assignedClientIdentifier ?? null,
    serverKeepAlive: p.serverKeepAlive ?? null,
    maximumQoS: p.maximumQoS ?? null,
    retainAvailable: p.retainAvailable ?? null,
    wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable ?? null,
    sharedSubscriptionAvailable: p.sharedSubscriptionAvailable ?? null,
    subscriptionIdentifiersAvailable: p.subscriptionIdentifiersAvailable ?? null,
    reasonString: p.reasonString ?? null,
    serverReference: p.serverReference ?? null,
    maximumPacketSize: p.maximumPacketSize ?? null,
    topicAliasMaximum: p.topicAliasMaximum ?? null,
    receiveMaximum: p.receiveMaximum ?? null,
    sessionExpiryInterval: p.sessionExpiryInterval ?? null,
  };
}

/**
 * Sends CONNECT on an established stream (TLS socket or capped plain stream) and waits for the first
 * packet. Resolves on CONNACK, on anything else, on a parse error or on the stream ending; never
 * rejects. The caller's deadline bounds the wait and owns the stream.
 */
export function mqttConnect(stream: Duplex, protocolVersion: MqttVersion, clientId: string = newClientId()): Promise<MqttExchange> {
  return new Promise<MqttExchange>((resolve) => {
    let settled = false;
    const closed = new Promise<void>((done) => {
      if (stream.destroyed) done();
      stream.once('close', () => done());
      stream.once('finish', () => done());
    });
    let v5: MqttV5Facts | null = null;
    const settle = (connack: number | null, reason: string, errorCode: string | null, sayGoodbye: boolean, hungUp = false): void => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onData);
      if (!stream.destroyed) {
        // Polite exit: DISCONNECT after an accepted CONNECT; after a refusal the broker hangs up itself.
        if (sayGoodbye) stream.end(generate(disconnectPacket(protocolVersion), { protocolVersion }));
        else stream.end();
      }
      resolve({ protocolVersion, connack, reason, errorCode, hungUp, v5, goodbye: closed });
    };

    const packets = parser({ protocolVersion });
    packets.on('packet', (packet: Packet) => {
      if (packet.cmd !== 'connack') {
        settle(null, `protocol error: expected CONNACK, got ${packet.cmd.toUpperCase()}`, null, false);
        return;
      }
      const code = (protocolVersion === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
      const meaning = connackMeaning(protocolVersion, code);
      // A broker that refuses level 5 has told us nothing about its MQTT 5 side.
      if (protocolVersion === 5 && !meaning.wrongVersion) v5 = v5Facts(packet.properties);
      // MQTT 5 reason codes are written in hex in the specification and in broker logs.
      const shown = protocolVersion === 5 && code >= 0x80 ? `0x${code.toString(16)}` : String(code);
      settle(code, `CONNACK ${shown} (${meaning.name})`, null, code === 0);
    });
    packets.on('error', (err: unknown) => {
      settle(null, `not MQTT: ${err instanceof Error ? err.message : String(err)}`, null, false);
    });
    const onData = (chunk: Buffer): void => {
      packets.parse(chunk);
    };
    stream.on('data', onData);
    stream.on('error', (err: unknown) => {
      // A TLS alert is named as TLS names it, whatever OpenSSL's wording in this Node (tls-handshake.ts).
      const { code, reason } = errorInfo(err);
      if (code === READ_CAP_CODE) settle(null, `server sent more than the ${READ_CAP_BYTES}-byte read cap without a CONNACK; connection destroyed`, code, false);
      else if (code === 'ECONNRESET') settle(null, 'connection reset by the server before CONNACK', code, false, true);
      else settle(null, `connection error before CONNACK: ${reason}`, code, false, true);
    });
    stream.once('end', () => settle(null, 'server closed the connection before CONNACK', null, false, true));
    stream.once('close', () => settle(null, 'connection closed before CONNACK', null, false, true));

    stream.write(generate(connectPacket(protocolVersion, clientId), { protocolVersion }));
  });
}

function connectPacket(protocolVersion: MqttVersion, clientId: string): IConnectPacket {
  // No username, no password, no will: exactly what an anonymous client sends. Clean session, so the
  // broker keeps nothing of us once we leave.
  // MQTT 3.1 names its protocol `MQIsdp`; 3.1.1 and 5 say `MQTT`.
  return { cmd: 'connect', protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT', protocolVersion, clean: true, keepalive: 30, clientId };
}

function disconnectPacket(protocolVersion: MqttVersion): IDisconnectPacket {
  return protocolVersion === 5 ? { cmd: 'disconnect', reasonCode: 0 } : { cmd: 'disconnect' };
}
