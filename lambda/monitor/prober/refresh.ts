/**
 * The refresh of sink records that expire: Security Hub deletes a finding nobody updated for 90 days,
 * and a broker that stays anonymous for a year raises one alert, not one a quarter. So every target is
 * due once a week (spread over the ticks by a hash of its key, as deep looks are: cadence.ts); on its
 * tick its state is read even when its digest would settle the look, and what it still holds is sent
 * again to each sink that refreshes. Stateless: nothing is written to DynamoDB for it, and a refused
 * refresh waits for the next week (twelve chances before the expiry; any alert updates the findings too).
 */
import { DEFAULT_TICK_MS, dueOnTick } from '../cadence';
import type { RefreshTarget } from '../dependencies';
import type { Looked } from './look';
import type { RunScope } from './report';
import type { WorkItem } from './work';

/** How often a quiet target's findings are sent again: well inside Security Hub's 90 days. */
export const REFRESH_EVERY_MS = 7 * 24 * 60 * 60_000;

/** Security Hub's BatchImportFindings takes at most 100 findings; a target has at most five. */
const TARGETS_PER_REFRESH_CALL = 20;

function refreshing(scope: RunScope): boolean {
  return (scope.deps.sinks ?? []).some((sink) => sink.refresh !== undefined);
}

/** Whether this tick is the target's weekly refresh (false when no sink refreshes). */
export function refreshDue(scope: RunScope, w: WorkItem): boolean {
  if (w.kind !== 'probe' || !refreshing(scope)) return false;
  return dueOnTick(`${w.target.target}#refresh`, w.tickMs, { tickMs: scope.config.cadence?.tickMs ?? DEFAULT_TICK_MS, everyMs: REFRESH_EVERY_MS });
}

/**
 * Refreshes the targets due this tick that are open (a closed target holds no finding) and owe no
 * alert (an alert still in the outbox will update the findings when it is delivered).
 */
export async function refreshDueTargets(scope: RunScope, looked: readonly Looked[]): Promise<void> {
  const { deps, run } = scope;
  const due: RefreshTarget[] = [];
  for (const l of looked) {
    if (!refreshDue(scope, l.work)) continue;
    const state = run.known.get(l.info.target);
    if (state === undefined || state.open !== true || state.outbox.some((e) => e.alert !== null)) continue;
    due.push({ state, info: l.info, at: l.obs?.at ?? deps.now().toISOString() });
  }
  if (due.length === 0) return;
  for (const sink of deps.sinks ?? []) {
    if (sink.refresh === undefined) continue;
    for (let i = 0; i < due.length; i += TARGETS_PER_REFRESH_CALL) {
      const batch = due.slice(i, i + TARGETS_PER_REFRESH_CALL);
      try {
        await sink.refresh(batch);
        run.refreshed += batch.length;
      } catch (err) {
        run.refreshFailures += batch.length;
        deps.log?.('warn', 'refresh refused; the next one is a week later', { sink: sink.name, targets: batch.length, error: String(err) });
      }
    }
  }
}
