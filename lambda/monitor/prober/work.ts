/** Work planning: the items of each group parsed into targets to probe (or errors to record), one per target key. */
import type { Target, TargetInfo } from '../model';
import { formatFieldError, itemKey, parseTargetItem } from '../target';
import type { WorkGroup } from './config';
import type { RunScope } from './report';

export type WorkItem =
  /** `tickMs`: when the look was due; `periodMs`: time between two looks (a fast lane's), absent: the schedule's tick. */
  | { readonly kind: 'probe'; readonly group: string; readonly target: Target; readonly tickMs: number; readonly periodMs?: number }
  | { readonly kind: 'invalid'; readonly group: string; readonly info: TargetInfo; readonly reason: string };

export function keyOf(w: WorkItem): string {
  return w.kind === 'probe' ? w.target.target : w.info.target;
}

/** Every enabled or invalid item of the groups, once per key; disabled and invalid items are counted. */
export function planWork(scope: RunScope, groups: readonly WorkGroup[]): WorkItem[] {
  return firstPerKey(parseGroups(scope, groups));
}

/** A duplicate key in one batch would race against itself; the first occurrence wins. */
export function firstPerKey(work: readonly WorkItem[]): WorkItem[] {
  const seen = new Set<string>();
  return work.filter((w) => {
    const key = keyOf(w);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function parseGroups({ deps, config, run }: RunScope, groups: readonly WorkGroup[]): WorkItem[] {
  const work: WorkItem[] = [];
  for (const group of groups) {
    const tickMs = group.tick !== undefined && Number.isFinite(Date.parse(group.tick)) ? Date.parse(group.tick) : deps.now().getTime();
    for (const item of group.items) {
      const parsed = parseTargetItem(item, config.defaultPort);
      if (parsed.ok) {
        if (parsed.value.enabled) work.push({ kind: 'probe', group: group.id, target: parsed.value, tickMs, ...(group.everyMs !== undefined ? { periodMs: group.everyMs } : {}) });
        else run.skippedDisabled++;
        continue;
      }
      run.invalid++;
      const reason = `invalid target: ${formatFieldError(parsed.error)}`;
      const key = itemKey(item);
      deps.log?.('warn', 'invalid target', { target: key, ...parsed.error });
      // An item without a usable key has nowhere to record its error; the log line is all it gets.
      if (key !== null) {
        work.push({ kind: 'invalid', group: group.id, reason, info: { target: key, display: key, expect: null, labels: {}, description: null, remindEveryMs: null } });
      }
    }
  }
  return work;
}
