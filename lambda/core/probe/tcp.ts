/** Depth `tcp`: one connect to one address. The open/closed signal every other depth builds on. */
import { connectTcp, type ConnectOptions } from './connection';
import { withDeadline } from './deadline';
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

/** Connects, records how it went, closes (with a reset: see ConnectOptions). Never rejects. */
export function probeTcpAddress(target: ResolvedAddress, port: number, timeoutMs: number): Promise<AddressResult> {
  const started = performance.now();
  return withDeadline(
    timeoutMs,
    'connect',
    (deadline) =>
      connectTcp(deadline, target.address, port, target.family, CONNECT_ONLY).then((outcome) =>
        outcome.ok
          ? addressResult(target, 'open', 'connected', outcome.latencyMs)
          : addressResult(target, classifyConnectError(outcome.code), outcome.code, outcome.latencyMs),
      ),
    (info) => addressResult(target, 'filtered', timeoutReason(info.timeoutMs), Math.round(performance.now() - started)),
  );
}

const CONNECT_ONLY: ConnectOptions = { noDelay: false, abortiveClose: true };

function addressResult(target: ResolvedAddress, status: ProbeStatus, reason: string, latencyMs: number): AddressResult {
  return { address: target.address, family: target.family, status, reason, latencyMs };
}
