import { Worker } from 'node:worker_threads';
// The module object itself (not an import-star copy), so a spy on it reaches mqtt.ts's calls.
import mqttPacket = require('mqtt-packet');
import { probeTarget } from '../../../lambda/probe/index';
import type { ProbeResult } from '../../../lambda/probe/types';
import { startBroker } from '../../helpers/brokers';
import { usePki } from '../../helpers/certs';
import { probeOptions, spec } from '../../helpers/probe-fixtures';
import { listen, tlsServer } from '../../helpers/servers';

/**
 * aedes behind `tls.createServer` on a worker thread: a broker with an event loop of its own, as a
 * real broker has. A broker on the test's own thread could not act while the client is held up,
 * which is the very case here. Plain JavaScript, because jest's transform does not reach a worker.
 */
const WORKER_BROKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:tls');
const { createBroker } = require(workerData.aedes);
const broker = createBroker();
const stats = { accepted: 0, connacks: 0 };
broker.on('connackSent', () => stats.connacks++);
broker.on('clientError', () => undefined);
broker.on('connectionError', () => undefined);
const sockets = new Set();
const byPort = new Map();
const server = createServer(workerData.tls, broker.handle);
server.on('tlsClientError', (_err, tlsSocket) => {
  // Mosquitto's OpenSSL reads one record at a time, so it closes a refused connection with the
  // client's Finished still unread, and the kernel sends a reset right behind the alert. Node's
  // server has read everything by then and would send a FIN: reset the TCP socket to match.
  if (workerData.resetAfterAlert) byPort.get(tlsSocket.remotePort)?.resetAndDestroy();
});
server.on('connection', (socket) => {
  stats.accepted++;
  sockets.add(socket);
  byPort.set(socket.remotePort, socket);
  socket.on('error', () => undefined);
  socket.on('close', () => sockets.delete(socket));
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'stats') parentPort.postMessage({ stats });
  if (message === 'close') {
    for (const socket of sockets) socket.destroy();
    server.close(() => broker.close(() => parentPort.close()));
  }
});
`;

interface WorkerBroker {
  readonly port: number;
  stats(): Promise<{ accepted: number; connacks: number }>;
  close(): Promise<void>;
}

async function startWorkerBroker(tls: Record<string, unknown>, resetAfterAlert = false): Promise<WorkerBroker> {
  const worker = new Worker(WORKER_BROKER, { eval: true, workerData: { tls, resetAfterAlert, aedes: require.resolve('aedes') } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve(m.port));
    worker.once('error', reject);
  });
  return {
    port,
    stats: () =>
      new Promise((resolve) => {
        worker.once('message', (m: { stats: { accepted: number; connacks: number } }) => resolve(m.stats));
        worker.postMessage('stats');
      }),
    close: async () => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      // A worker that does not stop by itself is ended: the suite must not hang on it.
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Blocks this thread for `ms` without spinning the CPU. */
function blockThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Holds every CONNECT back for 150 ms, as a cold process does: mqtt-packet builds a 65536-entry number
 * cache on its first packet (about 100 ms on a busy core, on every CLI run and Lambda cold start), and
 * a loaded CPU does the same to any probe. The server finishes the handshake, refuses the missing
 * client certificate and closes meanwhile; the late CONNECT meets the closed connection.
 */
function lateConnect(): jest.SpyInstance {
  const real = mqttPacket.generate;
  return jest.spyOn(mqttPacket, 'generate').mockImplementation((packet, options) => {
    if (packet.cmd === 'connect') blockThread(150);
    return real(packet, options);
  });
}

describe('a broker that requires a client certificate, at depth mqtt', () => {
  const pki = usePki();
  let late: jest.SpyInstance | null = null;

  afterEach(() => {
    late?.mockRestore();
    late = null;
  });

  const probe = (port: number): Promise<ProbeResult> => probeTarget(spec(port, 'mqtt', 'localhost'), probeOptions({ ca: pki().ca.cert }));

  function certRequiredBroker(): Promise<WorkerBroker> {
    return startWorkerBroker({ key: pki().trusted.key, cert: pki().trusted.cert, ca: pki().ca.cert, requestCert: true, rejectUnauthorized: true }, true);
  }

  it('reports clientCertRequired when the CONNECT leaves after the server refused the handshake', async () => {
    // Prepare
    const broker = await certRequiredBroker();
    late = lateConnect();

    // Act
    const result = await probe(broker.port);
    const stats = await broker.stats();
    await broker.close();

    // Assess: the MQTT session met a reset; the verdict check (one more connection) heard the alert.
    expect(late).toHaveBeenCalled();
    expect(result.status).toBe('open');
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', authorized: true, clientCertRequired: true });
    expect(result.tls?.reason).toMatch(/; server requires a client certificate \(certificate_required alert\)$/);
    expect(result.mqtt).toEqual({ transport: 'tls', protocolVersion: 4, connack: null, anonymous: false, reason: 'no CONNACK: the TLS session was refused for lack of a client certificate' });
    expect(result.reason).not.toMatch(/reset/);
    expect(result.findings).toEqual([]);
    // The TCP phase's connect, the MQTT session, the verdict check, the legacy ClientHello.
    expect(stats).toEqual({ accepted: 4, connacks: 0 });
  });

  it('reports the same at depth mqtt as at depth tls, CONNECT late or not', async () => {
    // Prepare
    const broker = await certRequiredBroker();

    // Act
    const atTls = await probeTarget(spec(broker.port, 'tls', 'localhost'), probeOptions({ ca: pki().ca.cert }));
    const prompt = await probe(broker.port);
    late = lateConnect();
    const delayed = await probe(broker.port);
    await broker.close();

    // Assess: the deeper look never reports less than the shallower one.
    expect(atTls.tls?.clientCertRequired).toBe(true);
    expect(prompt.tls?.clientCertRequired).toBe(true);
    expect(delayed.tls?.clientCertRequired).toBe(true);
    expect(prompt.mqtt?.reason).toBe(delayed.mqtt?.reason);
  });

  it('asks nothing more of a broker that answers the CONNECT', async () => {
    // Prepare
    const broker = await startWorkerBroker({ key: pki().trusted.key, cert: pki().trusted.cert });
    late = lateConnect();

    // Act
    const result = await probe(broker.port);
    // aedes counts a CONNACK once its write is done, which can come after our side has read it and
    // moved on (the last session, a protocol-level question, ends just before the probe returns).
    let stats = await broker.stats();
    for (let i = 0; i < 50 && stats.connacks < 3; i++) stats = await new Promise((r) => setTimeout(r, 20)).then(() => broker.stats());
    await broker.close();

    // Assess: the TCP phase's connect, the MQTT session, the TLS 1.2 suite check, the legacy
    // ClientHello and the two protocol level questions (5, 3.1: posture.ts); no verdict check.
    expect(result.mqtt).toMatchObject({ connack: 0, anonymous: true });
    expect(result.tls?.clientCertRequired).toBe(false);
    expect(stats).toEqual({ accepted: 6, connacks: 3 });
  });

  it('does not take a TLS 1.3 server that hangs up on the CONNECT for one that wants a certificate', async () => {
    // Prepare: completes TLS (session tickets and all), then closes on the first MQTT byte.
    const server = await listen(tlsServer({ key: pki().trusted.key, cert: pki().trusted.cert }, (socket) => socket.once('data', () => socket.destroy())));

    // Act
    const result = await probe(server.port);
    await server.close();

    // Assess: the verdict check ran (the TCP connect, the MQTT session, the check, the TLS 1.2 suite
    // check, the legacy ClientHello) and saw the server accept the session.
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', clientCertRequired: false, reason: expect.not.stringMatching(/client certificate/) });
    expect(result.mqtt).toMatchObject({ connack: null, reason: expect.stringMatching(/before CONNACK$/) });
    expect(server.stats.accepted).toBe(5);
  });

  it('costs a broker that answers no extra connection when it runs on the test thread too', async () => {
    // Prepare
    const broker = await startBroker({ tls: pki().trusted, auth: 'required' });

    // Act
    const result = await probe(broker.port);
    await broker.close();

    // Assess
    // The TCP connect, the MQTT session, the TLS 1.2 suite check, the legacy ClientHello.
    expect(result.mqtt).toMatchObject({ connack: 5, authRequired: true });
    // The TCP connect, the MQTT session, the TLS 1.2 suite check, the legacy ClientHello, and one
    // CONNECT at 5 and at 3.1.
    expect(broker.stats.accepted).toBe(6);
  });
});
