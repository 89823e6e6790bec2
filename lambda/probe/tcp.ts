/** Depth `tcp`: one connect to one address. The open/closed signal every other depth builds on. */
import { connectTcp, type ConnectOptions } from './connection';
import { withDeadline } from './deadline';
import { rawConnectOnly, type ConnectOnly, type ConnectReport, type RawConnectOnly } from './raw-connect';
import type { AddressResult, ProbeStatus, ResolvedAddress } from './types';

/** Status for a connect error code. Anything not listed is `error`: we could not tell. */
export function classifyConnectError(code: string): ProbeStatus {
  switch (code) {
    case 'ECONNREFUSED': // RST to our SYN: a host is there, nothing listens
    case 'ECONNRESET':
      return 'closed';
    case 'EHOSTUNREACH': // ICMP host/net unreachable, or a firewall REJECT with icmp-*-prohibited
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL': // no local address can reach it (e.g. IPv6 target on an IPv4-only host)
    case 'EAFNOSUPPORT':
    case 'EACCES': // local policy refused the connect
    case 'EPERM':
      return 'unreachable';
    case 'ETIMEDOUT': // the kernel gave up on SYN retries before our deadline
      return 'filtered';
    default:
      return 'error';
  }
}

export function timeoutReason(timeoutMs: number): string {
  return `timeout after ${timeoutMs} ms`;
}

const CONNECT_ONLY: ConnectOptions = { noDelay: false, abortiveClose: true };

/** One address's result from how its connect ended: `code` null when it connected, else the errno name. */
export const connectReport: ConnectReport = (target, code, latencyMs) =>
  code === null ? addressResult(target, 'open', 'connected', latencyMs) : addressResult(target, classifyConnectError(code), code, latencyMs);

/** Connect-only through net.Socket: the reference behaviour, and the fallback of the handle path. */
export const netConnectOnly: ConnectOnly = (deadline, target, port) =>
  connectTcp(deadline, target.address, port, target.family, CONNECT_ONLY).then((outcome) => connectReport(target, outcome.ok ? null : outcome.code, outcome.latencyMs));

/** Through Node's TCP handle where this runtime allows it, else net.Socket (raw-connect.ts says why). */
export const defaultConnectOnly: RawConnectOnly = rawConnectOnly(netConnectOnly, connectReport);

/** The errno connect(2) gives an unscoped link-local address, reported without connecting. */
export const UNSCOPED_LINK_LOCAL_CODE = 'EINVAL';

/**
 * An IPv6 link-local address (fe80::/10) without a zone names no link, and a ResolvedAddress never has
 * one (targets refuse zones, DNS gives none). Node 20 (libuv 1.46) hands it to connect(2), which fails
 * with EINVAL; Node 24 (libuv 1.52) gives it the scope of the first interface that has a link-local
 * address and sends the SYN there, probing whatever is on a link nobody chose. The engine answers
 * EINVAL itself, before any socket: the same result on every Node version, no packet to a guessed link.
 */
export function isUnscopedLinkLocal(target: ResolvedAddress): boolean {
  if (target.family !== 6 || target.address.includes('%')) return false;
  // The first 16-bit group decides /10; `::...` starts with zeros.
  const first = target.address.startsWith('::') ? 0 : parseInt(target.address.slice(0, target.address.indexOf(':')), 16);
  return (first & 0xffc0) === 0xfe80;
}

/**
 * Connects, records how it went, closes (with a reset: see ConnectOptions). Never rejects.
 * `connect` is for tests that hold both connect paths to the same classification.
 */
export function probeTcpAddress(target: ResolvedAddress, port: number, timeoutMs: number, connect: ConnectOnly = defaultConnectOnly): Promise<AddressResult> {
  if (isUnscopedLinkLocal(target)) return Promise.resolve(connectReport(target, UNSCOPED_LINK_LOCAL_CODE, 0));
  const started = performance.now();
  return withDeadline(
    timeoutMs,
    'connect',
    (deadline) => connect(deadline, target, port),
    (info) => addressResult(target, 'filtered', timeoutReason(info.timeoutMs), Math.round(performance.now() - started)),
  );
}

function addressResult(target: ResolvedAddress, status: ProbeStatus, reason: string, latencyMs: number): AddressResult {
  return { address: target.address, family: target.family, status, reason, latencyMs };
}
