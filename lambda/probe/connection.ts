/**
 * Opening a TCP connection for a probe, and the byte cap every probe connection reads through.
 * Both are owned by a Deadline: the caller decides when they die.
 */
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Deadline } from './deadline';

/** A probe reads at most this much from one connection; beyond it the socket is destroyed. */
export const READ_CAP_BYTES = 16 * 1024;
/** `code` of the error a CappedStream is destroyed with when the server sends more than the cap. */
export const READ_CAP_CODE = 'PORTWATCH_READ_CAP';

export type ConnectOutcome =
  | { readonly ok: true; readonly socket: Socket; readonly latencyMs: number }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly latencyMs: number };

export interface ConnectOptions {
  /**
   * Disable Nagle's algorithm: the deep probe writes small packets (CONNECT) and waits for answers.
   * A connect-only probe writes nothing, so it skips the extra setsockopt. @default true
   */
  readonly noDelay?: boolean;
  /**
   * Close an established connection with a reset (SO_LINGER 0) instead of a FIN, as `nmap -sT` and
   * load-balancer health checks do: a connect-only probe has nothing to say, and an abortive close
   * leaves no TIME_WAIT entry on either host (at fleet scale, one per open target per tick).
   * A connect still in progress is always destroyed. @default false
   */
  readonly abortiveClose?: boolean;
}

/**
 * Connects to an IP address (never a name: DNS was done once, up front, and vetted by the guard).
 * The socket is registered with the deadline before anything can happen to it.
 */
export function connectTcp(deadline: Deadline, address: string, port: number, family: 4 | 6, options: ConnectOptions = {}): Promise<ConnectOutcome> {
  const started = performance.now();
  const socket = new Socket();
  let connected = false;
  deadline.own(
    options.abortiveClose
      ? () => {
          // resetAndDestroy on a socket still connecting would wait for the connect: destroy it instead.
          if (connected && !socket.destroyed) socket.resetAndDestroy();
          else socket.destroy();
        }
      : () => socket.destroy(),
  );
  return new Promise<ConnectOutcome>((resolve) => {
    // Plain `on` listeners (no `once` wrappers): settling twice is harmless, resolve keeps the first.
    // The 'error' listener stays for the socket's life, so an error after the connect never crashes the process.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      resolve({ ok: false, code: err.code ?? 'ERROR', message: err.message, latencyMs: Math.round(performance.now() - started) });
    });
    socket.on('close', () => {
      resolve({ ok: false, code: 'ECONNABORTED', message: 'socket closed before connecting', latencyMs: Math.round(performance.now() - started) });
    });
    socket.once('connect', () => {
      connected = true;
      resolve({ ok: true, socket, latencyMs: Math.round(performance.now() - started) });
    });
    if (options.noDelay !== false) socket.setNoDelay(true);
    // A connect-only probe never reads: a paused socket skips starting the read watcher on connect.
    if (options.abortiveClose) socket.pause();
    socket.connect({ host: address, port, family });
  });
}

/**
 * A Duplex over a connected socket that counts what the server sends, keeps the first bytes for
 * diagnosis (is that TLS? what did it say?) and destroys the connection once the server has sent more
 * than `cap` bytes. TLS runs on top of it (tls.connect({ socket })), so the cap also covers the
 * handshake, which Node otherwise reads straight from the socket handle where nothing can count it.
 * A read of up to 64 KiB may already be in memory when the cap trips: bounded, not byte-exact.
 */
export class CappedStream extends Duplex {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Bytes received from the server so far. */
  bytesIn = 0;
  /** The server closed its side (FIN) or reset the connection. */
  peerEnded = false;
  peerReset = false;
  capExceeded = false;

  constructor(
    private readonly raw: Socket,
    private readonly cap: number = READ_CAP_BYTES,
  ) {
    super();
    raw.on('data', (chunk: Buffer) => this.onData(chunk));
    raw.on('end', () => {
      this.peerEnded = true;
      this.push(null);
    });
    raw.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') this.peerReset = true;
      this.destroy(err);
    });
    raw.on('close', () => {
      if (this.destroyed) return;
      // Let the reader have what already arrived (a CONNACK followed by a hang-up) before closing.
      if (this.readableLength === 0) this.destroy();
      else this.once('end', () => this.destroy());
    });
  }

  /** The first bytes the server sent (at most the cap). */
  get received(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    if (this.kept < this.cap) {
      const part = chunk.subarray(0, this.cap - this.kept);
      this.chunks.push(part);
      this.kept += part.length;
    }
    if (this.bytesIn > this.cap) {
      this.capExceeded = true;
      this.raw.pause();
      this.destroy(Object.assign(new Error(`server sent more than ${this.cap} bytes; connection destroyed`), { code: READ_CAP_CODE }));
      return;
    }
    if (!this.push(chunk)) this.raw.pause();
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.raw.write(chunk, (err) => callback(err ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.raw.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.raw.destroy();
    callback(err);
  }
}

/** Shows the start of a non-protocol reply: text when printable, hex otherwise. */
export function describeBytes(bytes: Buffer, max = 16): string {
  const head = bytes.subarray(0, max);
  const printable = head.length > 0 && [...head].every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09);
  const text = printable ? JSON.stringify(head.toString('latin1')) : [...head].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${text}...` : text;
}
