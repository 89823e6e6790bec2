/**
 * Loopback servers for probe tests: well-behaved TLS servers and the hostile ones a probe must
 * survive. Every server tracks its connections so `close()` really frees the port and the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';

export interface Running {
  readonly port: number;
  /** Connections accepted so far, and the most open at once. */
  readonly stats: { accepted: number; open: number; peakOpen: number };
  close(): Promise<void>;
}

/** Listens on loopback (port 0) and tracks connections; `close` destroys them and stops listening. */
export function listen(server: Server, host = '127.0.0.1'): Promise<Running> {
  const sockets = new Set<Socket>();
  const stats = { accepted: 0, open: 0, peakOpen: 0 };
  // TLS servers emit 'secureConnection' later; 'connection' is the raw TCP accept for both kinds.
  server.on('connection', (socket: Socket) => {
    stats.accepted++;
    stats.open++;
    stats.peakOpen = Math.max(stats.peakOpen, stats.open);
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      stats.open--;
      sockets.delete(socket);
    });
  });
  server.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('no port'));
        return;
      }
      resolve({
        port: address.port,
        stats,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Listens like `listen`, for the calling suite: every server started through it is closed after the
 * suite (afterAll), so a failed assertion cannot leave a port open and the test run hanging.
 */
export function useServers(): (server: Server, host?: string) => Promise<Running> {
  const running: Running[] = [];
  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
  });
  return async (server, host) => {
    const started = await listen(server, host);
    running.push(started);
    return started;
  };
}

/** A port on loopback where nothing listens (bound, then released). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const running = await listen(createServer(), host);
  await running.close();
  return running.port;
}

/**
 * A TLS server that still accepts TLS 1.0/1.1 besides 1.3. OpenSSL 3 only agrees to those versions at
 * security level 0 (they sign with SHA-1), so the server lowers it as the probe's legacy check does.
 */
export const LEGACY_TLS_SERVER: TlsOptions = { minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' };

export function tlsServer(options: TlsOptions, onSecure: (socket: Socket) => void = (s) => s.resume()): Server {
  const server = createTlsServer(options, onSecure);
  server.on('tlsClientError', () => undefined);
  return server;
}

// ---------------------------------------------------------------------------------------------------
// Hostile servers

/** Accepts TCP, reads the ClientHello, never answers. */
export function silentServer(): Server {
  return createServer((socket) => socket.resume());
}

export const GARBAGE = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n';

/** Answers anything with an HTTP error and hangs up: a port that speaks neither TLS nor MQTT. */
export function garbageServer(): Server {
  return createServer((socket) => {
    socket.once('data', () => socket.end(GARBAGE));
  });
}

/** Starts a TLS ServerHello record (so it is clearly TLS), then resets the connection. */
export function resetMidHandshakeServer(): Server {
  return createServer((socket) => {
    socket.once('data', () => {
      // Handshake record, TLS 1.2, 80 bytes announced; ServerHello header; then only 6 of them.
      socket.write(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x50, 0x02, 0x00, 0x00, 0x4c, 0x03, 0x03, 1, 2, 3, 4]));
      // A moment later: a reset racing the data out of the send buffer can turn into a plain FIN.
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
  });
}

/** Streams bytes forever, as fast as the client reads. `byte` 0x16 looks like endless TLS records. */
export function streamingServer(byte = 0x16): Server & { sent: () => number } {
  let sent = 0;
  const server = createServer((socket) => {
    const chunk = Buffer.alloc(4096, byte);
    const pump = (): void => {
      while (!socket.destroyed && socket.write(chunk)) sent += chunk.length;
    };
    socket.on('drain', pump);
    pump();
  });
  return Object.assign(server, { sent: () => sent });
}

/** Completes TLS, reads the CONNECT, never sends a CONNACK. */
export function tlsNoConnackServer(options: TlsOptions): Server {
  return tlsServer(options, (socket) => socket.resume());
}

/** Completes TLS, then streams application data forever instead of a CONNACK. */
export function tlsStreamingServer(options: TlsOptions): Server {
  return tlsServer(options, (socket) => {
    const chunk = Buffer.alloc(4096, 0x30); // 0x30: MQTT PUBLISH header, then a huge remaining length
    const pump = (): void => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on('drain', pump);
    socket.on('error', () => undefined);
    pump();
  });
}

// ---------------------------------------------------------------------------------------------------
// A TCP port that never completes a connect: a listener whose accept queue is full, in a child process
// whose event loop is blocked so it never accepts. The kernel then drops further SYNs, as a firewall
// would: the closest thing to `filtered` that loopback allows.

export interface Blackhole {
  readonly port: number;
  close(): Promise<void>;
}

const BLACKHOLE_SCRIPT = `
const net = require('net');
const server = net.createServer();
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(String(server.address().port) + '\\n');
  // Block this thread (no CPU) so libuv never accepts: the backlog fills and SYNs are dropped.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
});
`;

export async function blackholePort(): Promise<Blackhole> {
  const child: ChildProcess = spawn(process.execPath, ['-e', BLACKHOLE_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`blackhole exited ${String(code)}`)));
  });
  // Fill the accept queue: these connects complete (kernel-side) and are never accepted.
  const fillers: Socket[] = [];
  const { connect } = await import('node:net');
  for (let i = 0; i < 8; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 100));
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// UDP

export interface RunningUdp {
  readonly port: number;
  readonly received: Buffer[];
  close(): Promise<void>;
}

/** A HelloVerifyRequest record (DTLS 1.0 record, handshake type 3, a 16-byte cookie). */
export function helloVerifyRequest(): Buffer {
  const cookie = Buffer.alloc(16, 0xab);
  const body = Buffer.concat([Buffer.from([0xfe, 0xff, cookie.length]), cookie]);
  const handshake = Buffer.concat([Buffer.from([3, 0, 0, body.length, 0, 0, 0, 0, 0, 0, 0, body.length]), body]);
  const header = Buffer.from([22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, handshake.length]);
  return Buffer.concat([header, handshake]);
}

/** A UDP server that records datagrams and answers each with `reply` (or stays silent when null). */
export function udpServer(reply: Buffer | null, host = '127.0.0.1'): Promise<RunningUdp> {
  const socket: UdpSocket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const received: Buffer[] = [];
  socket.on('message', (msg, rinfo) => {
    received.push(msg);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => {
    socket.bind(0, host, () => {
      resolve({ port: socket.address().port, received, close: () => new Promise<void>((done) => socket.close(() => done())) });
    });
  });
}

/** A UDP port on loopback where nothing listens: the kernel answers with ICMP port unreachable. */
export async function closedUdpPort(host = '127.0.0.1'): Promise<number> {
  const running = await udpServer(null, host);
  await running.close();
  return running.port;
}
