/**
 * Real MQTT brokers for probe tests: aedes (MQTT 3.1.1) behind a TLS or a plain TCP listener on
 * loopback, with anonymous access allowed or authentication required.
 */
import { createServer as createNetServer } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { createBroker, type AuthenticateError } from 'aedes';
import { generate, parser, type Packet } from 'mqtt-packet';
import { listen, type Running } from './servers';

export interface BrokerOptions {
  /** TLS options for `tls.createServer`; absent: plain MQTT over TCP. */
  readonly tls?: TlsOptions;
  /** `required`: a CONNECT without a user name gets CONNACK 5 (not authorized). A function is asked per CONNECT. */
  readonly auth: 'anonymous' | 'required' | (() => 'anonymous' | 'required');
  /** The address to listen on (a veth address a network namespace reaches, test/helpers/netns.ts). @default 127.0.0.1 */
  readonly host?: string;
}

export interface RunningBroker extends Running {
  /** What the broker saw: CONNACK codes sent, and any packet a probe must never send. */
  readonly seen: { connacks: number[]; subscribes: number; publishes: number; disconnects: number; clientIds: string[] };
}

export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const broker = createBroker({
    authenticate: (_client, username, _password, done) => {
      const auth = typeof options.auth === 'function' ? options.auth() : options.auth;
      if (auth === 'anonymous' || (username !== undefined && username !== '')) {
        done(null, true);
        return;
      }
      const error = Object.assign(new Error('credentials required'), { returnCode: 5 }) as AuthenticateError;
      done(error, null);
    },
  });
  const seen = { connacks: [] as number[], subscribes: 0, publishes: 0, disconnects: 0, clientIds: [] as string[] };
  broker.on('connackSent', (packet, client) => {
    seen.connacks.push(packet.returnCode ?? -1);
    seen.clientIds.push(client.id);
  });
  broker.on('subscribe', () => seen.subscribes++);
  broker.on('publish', (_packet, client) => {
    if (client) seen.publishes++;
  });
  broker.on('clientDisconnect', () => seen.disconnects++);
  broker.on('clientError', () => undefined);
  broker.on('connectionError', () => undefined);

  const server = options.tls ? createTlsServer(options.tls, broker.handle) : createNetServer(broker.handle);
  server.on('tlsClientError', () => undefined);
  const running = await listen(server, options.host);
  return {
    ...running,
    seen,
    close: async () => {
      await running.close();
      await new Promise<void>((done) => broker.close(() => done()));
    },
  };
}

/**
 * A broker that speaks only MQTT 5 (as some do): a 3.1.1 CONNECT gets CONNACK 1 (unacceptable protocol
 * version), a 5 CONNECT gets `v5ReasonCode`. Built on mqtt-packet, served over TLS.
 */
export async function startMqtt5OnlyBroker(tls: TlsOptions, v5ReasonCode: number): Promise<RunningBroker> {
  const seen = { connacks: [] as number[], subscribes: 0, publishes: 0, disconnects: 0, clientIds: [] as string[] };
  const server = createTlsServer(tls, (socket) => {
    const packets = parser();
    packets.on('error', () => socket.destroy());
    packets.on('packet', (packet: Packet) => {
      if (packet.cmd === 'disconnect') seen.disconnects++;
      if (packet.cmd === 'subscribe') seen.subscribes++;
      if (packet.cmd === 'publish') seen.publishes++;
      if (packet.cmd !== 'connect') return;
      seen.clientIds.push(packet.clientId);
      if (packet.protocolVersion === 5) {
        seen.connacks.push(v5ReasonCode);
        socket.end(generate({ cmd: 'connack', reasonCode: v5ReasonCode, sessionPresent: false }, { protocolVersion: 5 }));
      } else {
        seen.connacks.push(1);
        socket.end(generate({ cmd: 'connack', returnCode: 1, sessionPresent: false }));
      }
    });
    socket.on('data', (chunk: Buffer) => packets.parse(chunk));
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  const running = await listen(server);
  return { ...running, seen };
}
