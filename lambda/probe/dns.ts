/** Name resolution for probes: every A and AAAA address, resolved on every tick, cached within one. */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { withDeadline } from './deadline';
import type { ResolvedAddress, Resolver } from './types';

/** An IP literal is its own single address; brackets around IPv6 are tolerated. */
export function literalAddress(host: string): ResolvedAddress | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  return family === 4 || family === 6 ? { address: bare, family } : null;
}

/**
 * The system resolver (getaddrinfo: /etc/hosts, then DNS), every address, in the order the resolver
 * returned them (`verbatim`), de-duplicated. IP literals never reach DNS.
 */
export const systemResolver: Resolver = async (host) => {
  const literal = literalAddress(host);
  if (literal) return [literal];
  const records = await dns.lookup(host, { all: true, verbatim: true });
  const seen = new Set<string>();
  const out: ResolvedAddress[] = [];
  for (const record of records) {
    if (seen.has(record.address) || (record.family !== 4 && record.family !== 6)) continue;
    seen.add(record.address);
    out.push({ address: record.address, family: record.family });
  }
  return out;
};

/**
 * Wraps a resolver so that each host is looked up once for the life of the wrapper (one tick): many
 * targets on one host, and the confirmation re-probe, share the answer. Failures are cached too, so a
 * dead name costs one lookup per tick, not one per target. Concurrent callers share one lookup.
 */
export function createCachingResolver(resolver: Resolver): Resolver {
  const cache = new Map<string, Promise<readonly ResolvedAddress[]>>();
  return (host) => {
    const key = host.toLowerCase();
    let answer = cache.get(key);
    if (!answer) {
      answer = Promise.resolve().then(() => resolver(host));
      // The cached promise may reject; keep that from being reported as unhandled while it waits.
      answer.catch(() => undefined);
      cache.set(key, answer);
    }
    return answer;
  };
}

export type Resolution =
  | { readonly ok: true; readonly addresses: readonly ResolvedAddress[] }
  | { readonly ok: false; readonly reason: string };

/** Resolves under the probe deadline; a failure becomes a reason naming the DNS error code. */
export function resolveHost(resolver: Resolver, host: string, timeoutMs: number): Promise<Resolution> {
  const literal = literalAddress(host);
  if (literal) return Promise.resolve({ ok: true, addresses: [literal] });
  return withDeadline<Resolution>(
    timeoutMs,
    'DNS',
    async () => {
      try {
        const addresses = await resolver(host);
        if (addresses.length === 0) return { ok: false, reason: `DNS: no A or AAAA address for ${host}` };
        return { ok: true, addresses };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        return { ok: false, reason: `DNS ${typeof code === 'string' ? code : 'error'} for ${host}${typeof code === 'string' ? '' : `: ${String(err)}`}` };
      }
    },
    (info) => ({ ok: false, reason: `DNS: no answer for ${host} within ${info.timeoutMs} ms` }),
  );
}
