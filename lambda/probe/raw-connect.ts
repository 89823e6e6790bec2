/**
 * The connect-only probe (depth tcp, and the TCP phase of every depth) through Node's own TCP handle,
 * `process.binding('tcp_wrap')`, instead of a `net.Socket`.
 *
 * Why: a probe that only wants to know whether the SYN was answered pays, with net.Socket, for a
 * Duplex stream, its event emitters, nextTick hops, and for every refused port an Error with a
 * captured stack (read through the source map under --enable-source-maps, as the Lambda runs). On
 * loopback that is about half the CPU of a closed-port probe, the kernel's connect and close being the
 * other half; at fleet scale most targets are closed. The handle makes the same connect(2), close(2)
 * and SO_LINGER-0 reset that net.Socket makes underneath, so the kernel and the far end see exactly
 * the same packets.
 *
 * This is an internal, documented-as-deprecated API (DEP0111, documentation-only: it prints nothing
 * unless --pending-deprecation asks for it). Hence:
 * - it is feature-detected once; when it is missing, throws (the permission model forbids it), or
 *   would print a deprecation warning (--pending-deprecation, NODE_PENDING_DEPRECATION=1), probes
 *   use net.Socket (connection.ts), which classifies the same way;
 * - a handle that throws at run time switches this process to net.Socket for good;
 * - checked on Node 20 (this repository's floor). The Lambda runs Node 24, where the binding is still
 *   allow-listed today; if a release drops it or starts warning, the detection or the fallback covers it.
 */
import { getSystemErrorName } from 'node:util';
import type { Deadline } from './deadline';
import type { AddressResult, ResolvedAddress } from './types';

/**
 * Connects, reports, and leaves the connection to the deadline, which closes it when the work ends:
 * with a reset (SO_LINGER 0) once established, as `nmap -sT` does, so no TIME_WAIT is left on either host.
 */
export type ConnectOnly = (deadline: Deadline, target: ResolvedAddress, port: number) => Promise<AddressResult>;

/**
 * The address's result from how the connect ended: `code` is null when it connected, else the errno
 * name (net.Socket's `err.code`). Both paths report through the same function (tcp.ts), so they
 * cannot classify differently.
 */
export type ConnectReport = (target: ResolvedAddress, code: string | null, latencyMs: number) => AddressResult;

/** The parts of tcp_wrap's TCP handle this file uses (Node's lib/net.js uses the same). */
interface TcpHandle {
  connect(req: ConnectRequest, address: string, port: number): number;
  connect6(req: ConnectRequest, address: string, port: number): number;
  /** Closes with SO_LINGER 0 (uv_tcp_close_reset). */
  reset(): number;
  close(): void;
}

interface ConnectRequest {
  /** Called once with 0 or a negative libuv errno (UV_ECANCELED after the handle was closed). */
  oncomplete: ((status: number) => void) | null;
}

export interface TcpWrapBinding {
  readonly TCP: new (type: number) => TcpHandle;
  readonly TCPConnectWrap: new () => ConnectRequest;
  readonly constants: { readonly SOCKET: number };
}

/** Whether this process asked to see pending deprecations, which process.binding() would print. */
function pendingDeprecation(): boolean {
  const flag = '--pending-deprecation';
  return process.execArgv.includes(flag) || (process.env.NODE_OPTIONS ?? '').includes(flag) || process.env.NODE_PENDING_DEPRECATION === '1';
}

/** tcp_wrap, or null where it is missing, forbidden or would warn. */
export function loadTcpWrap(): TcpWrapBinding | null {
  if (pendingDeprecation()) return null;
  try {
    const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
    if (typeof binding !== 'function') return null;
    const wrap = binding.call(process, 'tcp_wrap') as Partial<TcpWrapBinding> | null;
    if (!wrap || typeof wrap.TCP !== 'function' || typeof wrap.TCPConnectWrap !== 'function' || typeof wrap.constants?.SOCKET !== 'number') return null;
    const proto = wrap.TCP.prototype as Partial<TcpHandle>;
    if (typeof proto.connect !== 'function' || typeof proto.connect6 !== 'function' || typeof proto.reset !== 'function' || typeof proto.close !== 'function') return null;
    return wrap as TcpWrapBinding;
  } catch {
    return null;
  }
}

/** A connect-only probe and the path it takes now. */
export interface RawConnectOnly extends ConnectOnly {
  /** True while connects go through the TCP handle; false once on (or always on) the fallback. */
  readonly usesHandle: () => boolean;
}

/**
 * The handle-based connect-only probe, or `fallback` when the handle is unavailable, and for good
 * once creating one throws. The binding is looked up on first use: a process that never probes TCP
 * never touches it. `load` is for tests.
 */
export function rawConnectOnly(fallback: ConnectOnly, report: ConnectReport, load: () => TcpWrapBinding | null = loadTcpWrap): RawConnectOnly {
  let wrap: TcpWrapBinding | null | undefined;
  const connect = (deadline: Deadline, target: ResolvedAddress, port: number): Promise<AddressResult> => {
    if (wrap === undefined) wrap = load();
    if (wrap === null) return fallback(deadline, target, port);
    let attempt: RawAttempt | null = null;
    try {
      attempt = new RawAttempt(wrap, target, report);
      // Owned before the connect starts: a deadline that fires mid-connect closes the handle, which
      // cancels the request (its late UV_ECANCELED finds the attempt settled and changes nothing).
      deadline.own(attempt.close);
      return attempt.start(port);
    } catch {
      attempt?.close();
      wrap = null;
      return fallback(deadline, target, port);
    }
  };
  return Object.assign(connect, {
    usesHandle: (): boolean => {
      if (wrap === undefined) wrap = load();
      return wrap !== null;
    },
  });
}

/**
 * One connect. A class rather than closures: this runs once per port probed, and one object with
 * prototype methods is the least a connect can allocate besides the handle and its request.
 */
class RawAttempt {
  private readonly handle: TcpHandle;
  private readonly started = performance.now();
  private connected = false;
  private closed = false;
  private resolve: ((result: AddressResult) => void) | null = null;

  constructor(
    private readonly wrap: TcpWrapBinding,
    private readonly target: ResolvedAddress,
    private readonly report: ConnectReport,
  ) {
    this.handle = new wrap.TCP(wrap.constants.SOCKET);
  }

  /** Starts the connect; throws only when the handle does (the caller then falls back to net.Socket). */
  start(port: number): Promise<AddressResult> {
    const result = new Promise<AddressResult>((resolve) => {
      this.resolve = resolve;
    });
    const req = new this.wrap.TCPConnectWrap();
    req.oncomplete = this.complete;
    const { address, family } = this.target;
    const err = family === 6 ? this.handle.connect6(req, address, port) : this.handle.connect(req, address, port);
    // Errors connect(2) returns at once (EADDRNOTAVAIL, ENETUNREACH, EINVAL...) come back here;
    // libuv defers ECONNREFUSED to the request, as the kernel may report it either way.
    if (err !== 0) {
      req.oncomplete = null;
      this.settle(err);
    }
    return result;
  }

  private readonly complete = (status: number): void => {
    if (this.closed) return;
    this.settle(status);
  };

  private settle(status: number): void {
    const resolve = this.resolve;
    if (resolve === null) return;
    this.resolve = null;
    const latencyMs = Math.round(performance.now() - this.started);
    if (status === 0) {
      this.connected = true;
      resolve(this.report(this.target, null, latencyMs));
    } else {
      // A failed handle has nothing to wait for: free the descriptor now, not when the deadline ends.
      this.close();
      resolve(this.report(this.target, errnoName(status), latencyMs));
    }
  }

  readonly close = (): void => {
    if (this.closed) return;
    this.closed = true;
    // reset() fails only for a handle already shutting down, which these never are (net.Socket's
    // resetAndDestroy relies on the same); a connect still in flight is closed, which cancels it.
    if (this.connected) this.handle.reset();
    else this.handle.close();
  };
}

/** The errno name net.Socket would put in `err.code` (both come from libuv's error table). */
function errnoName(status: number): string {
  try {
    return getSystemErrorName(status);
  } catch {
    return 'ERROR';
  }
}
