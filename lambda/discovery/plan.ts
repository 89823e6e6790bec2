/** The discovery diff: desired items against the Targets table -> what to add, update and disable; the user's items are never in it. */
import type { Origin } from '../monitor/exposure-model';
import { parseOrigin } from '../monitor/origin';
import { DEFAULT_PORT, formatHostPort, parseTargetKey } from '../monitor/target';
import { describeOrigin, type DesiredItem } from './desired';
import { GLOBAL_REGION, scopeKey } from './endpoint';

export interface Update {
  readonly item: DesiredItem;
  /** The managed attributes that differ, e.g. `expect`, `labels`, `enabled`. */
  readonly changed: readonly string[];
  /** `expect` as stored, when it changes (null: any). */
  readonly expectBefore?: string | null;
}

export interface Disable {
  readonly target: string;
  readonly origin: Origin;
  readonly reason: string;
}

export interface DiscoveryPlan {
  readonly add: readonly DesiredItem[];
  readonly update: readonly Update[];
  readonly disable: readonly Disable[];
  /** Keys discovery found that the user already watches: left exactly as the user wrote them. */
  readonly userOwned: readonly string[];
  readonly unchanged: number;
}

/** JSON with sorted keys: DynamoDB returns maps in any order, so equality must not depend on it. */
function canonical(value: unknown): string {
  if (value instanceof Set) return canonical([...(value as Set<unknown>)].sort());
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Which managed attributes of `current` differ from `desired` (an item re-enabled counts as `enabled`). */
function changedAttributes(current: Readonly<Record<string, unknown>>, desired: DesiredItem): string[] {
  const changed: string[] = [];
  if ((current.expect ?? null) !== (desired.expect ?? null)) changed.push('expect');
  if (canonical(current.labels ?? {}) !== canonical(desired.labels)) changed.push('labels');
  if (current.description !== desired.description) changed.push('description');
  const origin = parseOrigin(current.origin);
  if (!origin.ok || canonical(origin.value) !== canonical(desired.origin)) changed.push('origin');
  // Re-enabled only when discovery disabled it (a reason is recorded): an item the user switched off stays off.
  if (typeof current.disabledReason === 'string') changed.push('enabled');
  return changed;
}

function originScope(origin: Origin): string {
  return scopeKey(origin.account, origin.kind === 'dns-record' ? GLOBAL_REGION : origin.region);
}

/**
 * `scanned`: the scopes (account/region) read completely this run. A discovered item is disabled only
 * when its scope was read and its resource is gone; a scope whose account could not be read keeps
 * its items as they are, so one failing account never switches off the watch of its endpoints.
 */
export function planDiscovery(desired: readonly DesiredItem[], current: readonly Readonly<Record<string, unknown>>[], scanned: ReadonlySet<string>, at: string): DiscoveryPlan {
  const byKey = new Map(current.map((item) => [String(item.target), item]));
  // The user's targets by the endpoint they name: `broker.example.com` and `broker.example.com:8883` are one.
  const userEndpoints = new Map<string, string>();
  for (const item of current) {
    if (item.origin !== undefined && item.origin !== null) continue;
    const key = parseTargetKey(item.target);
    if (key.ok) userEndpoints.set(formatHostPort(key.value.host, key.value.port ?? (typeof item.port === 'number' ? item.port : DEFAULT_PORT)), String(item.target));
  }
  const add: DesiredItem[] = [];
  const update: Update[] = [];
  const userOwned: string[] = [];
  let unchanged = 0;
  const wanted = new Set<string>();
  const disable: Disable[] = [];
  for (const item of desired) {
    wanted.add(item.target);
    const existing = byKey.get(item.target);
    const userKey = userEndpoints.get(item.target);
    if (userKey !== undefined) {
      userOwned.push(userKey);
      // Discovered before the user added it under another spelling: one watch of the endpoint is enough.
      const enabled = existing !== undefined && existing.origin !== undefined && existing.origin !== null && existing.enabled !== false && existing.enabled !== 'false';
      if (enabled && userKey !== item.target) disable.push({ target: item.target, origin: item.origin, reason: `the user watches this endpoint as ${userKey} (seen by discovery at ${at})` });
    } else if (existing === undefined) add.push(item);
    else if (existing.origin === undefined || existing.origin === null) userOwned.push(item.target);
    else {
      const changed = changedAttributes(existing, item);
      if (changed.length > 0) update.push({ item, changed, ...(changed.includes('expect') ? { expectBefore: typeof existing.expect === 'string' ? existing.expect : null } : {}) });
      else unchanged++;
    }
  }
  for (const item of current) {
    const key = String(item.target);
    if (wanted.has(key)) continue;
    const origin = parseOrigin(item.origin);
    if (!origin.ok || origin.value === undefined || !scanned.has(originScope(origin.value))) continue;
    // Already disabled by discovery: nothing to write (a second run writes nothing).
    if ((item.enabled === false || item.enabled === 'false') && typeof item.disabledReason === 'string') continue;
    disable.push({ target: key, origin: origin.value, reason: `${describeOrigin(origin.value)} no longer found by discovery at ${at}` });
  }
  return { add, update, disable, userOwned, unchanged };
}
