/** Shared bits of the probe tests: loopback-only name resolution, options, a stopwatch, a poll. */
import { DEFAULT_PROBE_OPTIONS } from '../../lambda/probe/index';
import type { Depth, ProbeOptions, ProbeSpec, ResolvedAddress, Resolver } from '../../lambda/probe/types';

/**
 * A resolver that never leaves the machine (this host's resolv.conf points at a remote server):
 * `localhost` is 127.0.0.1, names in `extra` are what they say, anything else fails as NXDOMAIN does.
 */
export function loopbackResolver(extra: Readonly<Record<string, readonly ResolvedAddress[]>> = {}): Resolver {
  return async (host) => {
    const known = extra[host] ?? (host === 'localhost' ? [{ address: '127.0.0.1', family: 4 as const }] : undefined);
    if (known) return known;
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
  };
}

export function probeOptions(overrides: Partial<ProbeOptions> = {}): ProbeOptions {
  // No plaintext-listener check unless a test asks: 1883 on this machine is not the test's to probe.
  return { ...DEFAULT_PROBE_OPTIONS, timeoutMs: 2000, resolver: loopbackResolver(), plaintextPort: null, ...overrides };
}

export function spec(port: number, depth: Depth = 'mqtt', host = '127.0.0.1', transport: 'tcp' | 'udp' = 'tcp'): ProbeSpec {
  const display = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { target: display, host, port, transport, depth };
}

/** Runs `fn` and reports how long it took, in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, elapsedMs: performance.now() - started };
}

/**
 * Polls `condition` every 10 ms; throws when it is still false after `ms`, so a test waiting for a
 * side effect fails where it waited instead of asserting on a state that never came.
 */
export async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
