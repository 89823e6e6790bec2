/**
 * Making the Targets table hold a list of entries (`targets import`, and `portwatch local` with its
 * targets file): writes in proportion to changes, and with `prune` the entries become the whole list.
 */
import type { DynamoDbTargets } from '../../lambda/adapters/operator/dynamodb-targets';
import { withoutDigest } from '../../lambda/monitor/digest-field';
import type { Progress } from './output';
import type { TargetsEntry } from './targets-file';

/** JSON with sorted keys: two items are the same when their canonical texts are. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface SyncReport {
  readonly added: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly removedKeys: readonly string[];
}

/**
 * Makes the Targets table hold `entries`: puts the items that are new or differ (writes in
 * proportion to changes) and, with `prune`, deletes the items the entries do not name. Removing a
 * target deletes only its Targets item: its state and history stay in the State table.
 */
export async function syncTargets(
  repo: DynamoDbTargets,
  entries: readonly Pick<TargetsEntry, 'item'>[],
  options: { readonly prune: boolean; readonly progress?: Progress },
): Promise<SyncReport> {
  const current = new Map<string, string>();
  // Discovered items (with `origin`) belong to `portwatch discover`: a targets file never prunes them.
  const discovered = new Set<string>();
  for await (const page of repo.list()) {
    for (const item of page) {
      if (typeof item.target !== 'string') continue;
      current.set(item.target, canonical(withoutDigest(item))); // the prober's digest is not the user's
      if (item.origin !== undefined && item.origin !== null) discovered.add(item.target);
    }
  }
  const wanted = new Set<string>();
  const puts: Readonly<Record<string, unknown>>[] = [];
  let added = 0;
  let changed = 0;
  for (const { item } of entries) {
    const key = item.target as string;
    wanted.add(key);
    const before = current.get(key);
    if (before === canonical(item)) continue;
    if (before === undefined) added++;
    else changed++;
    puts.push(item);
  }
  const removedKeys = options.prune ? [...current.keys()].filter((k) => !wanted.has(k) && !discovered.has(k)).sort() : [];
  const total = puts.length + removedKeys.length;
  await repo.batchPut(puts, (done) => options.progress?.update(done, total));
  await repo.batchDelete(removedKeys, (done) => options.progress?.update(puts.length + done, total));
  options.progress?.done();
  return { added, changed, unchanged: entries.length - added - changed, removed: removedKeys.length, removedKeys };
}
