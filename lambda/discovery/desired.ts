/** Endpoints -> the Targets items discovery wants: one per address or name, merged where two resources share one, with expect and labels from tags. */
import type { Origin, OriginKind } from '../monitor/exposure-model';
import { formatHostPort, parseHost } from '../monitor/target';
import type { Endpoint } from './endpoint';
import { tagSettings } from './tags';

/** The attributes discovery owns on an item it wrote; any other attribute (a user's `remindEvery`, the prober's `digest`) is left alone. */
export const MANAGED_ATTRIBUTES = ['expect', 'labels', 'description', 'origin', 'enabled', 'disabledReason', 'disabledAt'] as const;

/** A Targets item as discovery writes it (a type, not an interface, so that it is a plain record to the store). */
export type DesiredItem = {
  readonly target: string;
  /** Absent: alert on any change (`portwatch:expect=any`). */
  readonly expect?: 'open' | 'closed';
  readonly labels: Readonly<Record<string, string>>;
  readonly description: string;
  readonly origin: Origin;
  readonly enabled: true;
};

export interface Desired {
  readonly items: readonly DesiredItem[];
  /** Resources not watched, each with why (`portwatch:ignore`, a wildcard name). */
  readonly skipped: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * When two resources share an address (an Elastic IP and the interface it is associated with; a load
 * balancer's interface and the balancer), the one closest to what a user manages names the target.
 */
const PRECEDENCE: Readonly<Record<OriginKind, number>> = { 'load-balancer': 0, 'network-interface': 1, 'elastic-ip': 2, 'dns-record': 3 };

const KIND_TEXT: Readonly<Record<OriginKind, string>> = {
  'network-interface': 'network interface',
  'elastic-ip': 'Elastic IP',
  'load-balancer': 'load balancer',
  'dns-record': 'DNS record',
};

export function describeOrigin(origin: Origin): string {
  const name = origin.name !== origin.resourceId ? ` (${origin.name})` : '';
  const where = origin.region === 'global' ? origin.account : `${origin.account} ${origin.region}`;
  return `${KIND_TEXT[origin.kind]} ${origin.resourceId}${name} in ${where}`;
}

/** Route 53 writes `*` as `\052` and keeps the final dot; a wildcard is a pattern, not a name anyone can connect to. */
function hostOf(endpoint: Endpoint): { host: string } | { skip: string } {
  const raw = endpoint.host.replace(/\.$/, '');
  if (raw.startsWith('\\052') || raw.startsWith('*')) return { skip: `${describeOrigin(endpoint.origin)}: a wildcard name is not a host` };
  const parsed = parseHost(raw, 'host');
  return parsed.ok ? { host: parsed.value } : { skip: `${describeOrigin(endpoint.origin)}: ${parsed.error.reason}` };
}

/**
 * A DNS name has no tags of its own: it takes the tags and security groups of the resources its
 * record names (an alias to a load balancer, an A record of an instance's address), so that
 * `broker.example.com` expects what the broker's instance says, and its root cause finds its groups.
 */
function withTargetsOfNames(endpoints: readonly Endpoint[]): Endpoint[] {
  const byHost = new Map<string, Endpoint>();
  for (const e of endpoints) if (e.origin.kind !== 'dns-record' && !byHost.has(e.host.toLowerCase())) byHost.set(e.host.toLowerCase(), e);
  return endpoints.map((e) => {
    if (e.origin.kind !== 'dns-record' || !e.pointsTo) return e;
    const named = e.pointsTo.flatMap((v) => byHost.get(v.toLowerCase()) ?? []);
    if (named.length === 0) return e;
    const tags = Object.assign({}, ...named.slice().reverse().map((n) => n.tags), e.tags) as Record<string, string>;
    const securityGroups = [...new Set([...e.origin.securityGroups, ...named.flatMap((n) => n.origin.securityGroups)])].sort();
    return { ...e, tags, origin: { ...e.origin, securityGroups } };
  });
}

/** The desired items for `endpoints`, watched on `port`; deterministic (sorted by key) so that a second run compares equal. */
export function desiredItems(endpoints: readonly Endpoint[], port: number): Desired {
  const skipped: string[] = [];
  const warnings: string[] = [];
  const byKey = new Map<string, Endpoint[]>();
  for (const endpoint of withTargetsOfNames(endpoints)) {
    const host = hostOf(endpoint);
    if ('skip' in host) {
      skipped.push(host.skip);
      continue;
    }
    const key = formatHostPort(host.host, port);
    byKey.set(key, [...(byKey.get(key) ?? []), endpoint]);
  }
  const items: DesiredItem[] = [];
  for (const [key, group] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ranked = [...group].sort((a, b) => PRECEDENCE[a.origin.kind] - PRECEDENCE[b.origin.kind] || a.origin.resourceId.localeCompare(b.origin.resourceId));
    const lead = ranked[0] as Endpoint;
    // Tags of every resource behind the address; the leading resource's win on a conflict.
    const tags = Object.assign({}, ...ranked.slice().reverse().map((e) => e.tags)) as Record<string, string>;
    const settings = tagSettings(tags, describeOrigin(lead.origin));
    warnings.push(...settings.warnings);
    if (settings.ignore) {
      skipped.push(`${describeOrigin(lead.origin)}: tagged portwatch:ignore`);
      continue;
    }
    const groups = [...new Set(ranked.flatMap((e) => e.origin.securityGroups))].sort();
    const origin: Origin = { ...lead.origin, securityGroups: groups };
    items.push({
      target: key,
      ...(settings.expect !== null ? { expect: settings.expect } : {}),
      labels: settings.labels,
      description: `discovered: ${describeOrigin(origin)}`,
      origin,
      enabled: true,
    });
  }
  return { items, skipped, warnings };
}
