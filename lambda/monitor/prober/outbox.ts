/** Writing a decision: the conditional state write, then its outbox (history event, alert under a lease, removal). */
import { randomUUID } from 'node:crypto';
import type { Observation, OutboxEntry, TargetInfo, TargetState } from '../model';
import { decide, needsConfirmation, sameOutcome, type DecideContext, type Decision } from '../transition';
import { remember, type RunScope } from './report';
import { heldByStorm } from './storm-gate';

/** Re-reads and re-decides after a lost race at most this often; more means a hot loop, not a race. */
const MAX_WRITE_ATTEMPTS = 4;
/**
 * How far two probers' clocks may disagree: each may be up to 30 s off (a Lambda is kept within
 * milliseconds by Amazon Time Sync; `portwatch local` on a laptop beside a deployed stack is not).
 * A lease is written by its holder's clock and judged by the reader's, so a reader counts it as held
 * this much longer: one a minute ahead must not take over an alert that is still being published.
 */
export const LEASE_CLOCK_ALLOWANCE_MS = 60_000;
/** Attempts at recording a published alert (on top of the SDK's own retries), backing off 0.2-1.6 s. */
const POST_PUBLISH_ATTEMPTS = 5;

export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
  constructor(target: string) {
    super(`state of ${target} kept changing under concurrent writers; giving up for this run`);
  }
}

/**
 * Writes the decision conditionally on the version it was made from. Losing the race means
 * another prober wrote first: re-read, decide again from what it wrote (usually: nothing left
 * to do), and help finish its outbox.
 */
export async function settle(scope: RunScope, info: TargetInfo, prev: TargetState | null, obs: Observation, ctx: DecideContext, first: Decision, hold: boolean): Promise<void> {
  const { deps, run } = scope;
  let current = prev;
  let decision = first;
  for (let attempt = 0; decision.kind === 'write'; attempt++) {
    if (attempt === MAX_WRITE_ATTEMPTS) throw new ConcurrentUpdateError(info.target);
    // A first state has no digest to retire: no prober can hold an older version of it.
    if (current !== null && deps.digests !== undefined) await deps.digests.invalidate(info.target, decision.next.version);
    run.writes++;
    if (await deps.store.putState(decision.next, current?.version ?? null)) {
      current = remember(run, decision.next);
      if (decision.event === 'transition') run.transitions++;
      if (decision.event === 'posture') run.postureChanges++;
      break;
    }
    current = remember(run, await deps.store.getState(info.target), info.target);
    decision = decide(current, obs, info, ctx);
    // What the winner wrote may make this look a different change: one that was never confirmed
    // by a re-probe, or a transition the storm gate holds. Leave it to the next tick.
    if (heldByStorm(hold, decision) || (needsConfirmation(decision) && !sameOutcome(first, decision))) break;
  }
  if (current && current.outbox.length > 0) await flush(scope, current);
}

/** Finishes every entry of the outbox: history event, alert (under a lease), then removal. */
export async function flush(scope: RunScope, state: TargetState): Promise<void> {
  const { deps, config, run } = scope;
  let current: TargetState | null = state;
  for (const entry of state.outbox) {
    if (current === null) return;
    await deps.store.putEvent(entry.event);
    run.writes++;
    if (entry.alert !== null) {
      const now = deps.now();
      const live = current.outbox.find((e) => e.id === entry.id);
      if (!live) continue;
      if (live.claimedUntil !== null && Date.parse(live.claimedUntil) + LEASE_CLOCK_ALLOWANCE_MS > now.getTime()) continue;
      const claimedBy = randomUUID();
      const lease = { ...live, claimedUntil: new Date(now.getTime() + config.alertLeaseMs).toISOString(), claimedBy };
      const claimed = replaceEntry(current, entry.id, lease, now);
      run.writes++;
      if (await deps.store.putState(claimed, current.version)) {
        current = remember(run, claimed);
      } else {
        // Either another prober took the lease, or our own write landed and only its answer was lost.
        const reread = remember(run, await deps.store.getState(state.target), state.target);
        if (reread === null || reread.outbox.find((e) => e.id === entry.id)?.claimedBy !== claimedBy) return;
        current = reread;
      }
      // Throws when SNS refuses: the claimed entry stays in the outbox and is retried once the lease ends.
      await deps.notifier.publish(entry.alert);
      run.alertsPublished++;
      // SNS has the alert; until its removal from the outbox is recorded, a retry after the lease
      // would publish it again. Try hard to close that window rather than fail the group.
      const published: TargetState = current;
      current = await retryInfra(scope, () => removeEntry(scope, published, entry.id));
      continue;
    }
    current = await removeEntry(scope, current, entry.id);
  }
}

async function removeEntry({ deps, run }: RunScope, state: TargetState, id: string): Promise<TargetState | null> {
  let current: TargetState | null = state;
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS && current !== null; attempt++) {
    if (!current.outbox.some((e) => e.id === id)) return current;
    const next = replaceEntry(current, id, null, deps.now());
    run.writes++;
    if (await deps.store.putState(next, current.version)) return remember(run, next);
    current = remember(run, await deps.store.getState(state.target), state.target);
  }
  if (current !== null) throw new ConcurrentUpdateError(state.target);
  return current;
}

async function retryInfra<T>({ deps }: RunScope, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= POST_PUBLISH_ATTEMPTS || err instanceof ConcurrentUpdateError) throw err;
      await deps.sleep(100 * 2 ** attempt);
    }
  }
}

function replaceEntry(state: TargetState, id: string, entry: OutboxEntry | null, now: Date): TargetState {
  const outbox = entry === null ? state.outbox.filter((e) => e.id !== id) : state.outbox.map((e) => (e.id === id ? entry : e));
  return { ...state, outbox, version: state.version + 1, updatedAt: now.toISOString() };
}
