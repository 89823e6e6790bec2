/** Depth `tcp`: one connect to one address. The open/closed signal every other depth builds on. */
import { connectTcp } from './connection';
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

/** Connects, records how it went, closes. Never rejects. */
export function probeTcpAddress(target: ResolvedAddress, port: number, timeoutMs: number): Promise<AddressResult> {
  const started = performance.now();
  const base = { address: target.address, family: target.family };
  return withDeadline(
    timeoutMs,
    'connect',
    async (deadline): Promise<AddressResult> => {
      const outcome = await connectTcp(deadline, target.address, port, target.family);
      if (outcome.ok) return { ...base, status: 'open', reason: 'connected', latencyMs: outcome.latencyMs };
      return { ...base, status: classifyConnectError(outcome.code), reason: outcome.code, latencyMs: outcome.latencyMs };
    },
    (info) => ({ ...base, status: 'filtered', reason: timeoutReason(info.timeoutMs), latencyMs: Math.round(performance.now() - started) }),
  );
}
