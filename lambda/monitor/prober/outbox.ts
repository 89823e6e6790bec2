/** Writing a decision: the conditional state write, then its outbox (history event, alert under a lease, removal). */
import { randomUUID } from 'node:crypto';
import { PRIMARY_CHANNEL, type AlertSink } from '../dependencies';
import type { Alert, Observation, OutboxEntry, TargetInfo, TargetState } from '../model';
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
    if (heldByStorm(hold, decision, (scope.config.vantage ?? null) !== null) || (needsConfirmation(decision) && !sameOutcome(first, decision))) break;
  }
  if (current && current.outbox.length > 0) await flush(scope, current);
}

/** Finishes every entry of the outbox: history event, alert (under a lease: SNS, then the sinks), then removal. */
export async function flush(scope: RunScope, state: TargetState): Promise<void> {
  const { deps, config, run } = scope;
  let current: TargetState | null = state;
  for (const entry of state.outbox) {
    if (current === null) return;
    // An entry SNS already accepted had its history event written before that: only sinks are owed.
    if (!(entry.delivered ?? []).includes(PRIMARY_CHANNEL)) {
      await deps.store.putEvent(entry.event);
      run.writes++;
    }
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
      current = await deliver(scope, current, lease, entry.alert);
      continue;
    }
    current = await removeEntry(scope, current, entry.id);
  }
}

/**
 * Gives back a lease after a refused publish. Best effort: if the write fails or loses a race, the
 * lease simply runs out as before. It cannot cause a duplicate: a refused publish delivered nothing,
 * and a publish whose answer was lost is retried either way, now or after the lease.
 */
async function releaseLease({ deps, run }: RunScope, state: TargetState, id: string, claimedBy: string): Promise<void> {
  const live = state.outbox.find((e) => e.id === id);
  if (live?.claimedBy !== claimedBy) return;
  const { claimedBy: _released, ...entry } = live;
  const released = replaceEntry(state, id, { ...entry, claimedUntil: null }, deps.now());
  run.writes++;
  try {
    if (await deps.store.putState(released, state.version)) remember(run, released);
  } catch {
    // The lease runs out by itself; the refused publish is the error worth reporting.
  }
}

/**
 * How long an alert SNS accepted stays in the outbox for a sink that keeps refusing it. Past this the
 * sink is given up for that alert (counted, logged): a channel misconfigured for days must not keep
 * every state read on the full path, and Security Hub catches up at the target's next refresh.
 */
export const SINK_GIVE_UP_MS = 24 * 60 * 60_000;

/**
 * Delivers a leased entry's alert: SNS first (unless it already accepted), then every sink that has
 * not, side by side. SNS's refusal throws (the run retries the group, as without sinks); a sink's
 * refusal is counted and leaves the entry in the outbox for the sinks still owed, marked with those
 * that accepted, so a later run sends it to them alone and never to SNS again.
 */
async function deliver(scope: RunScope, state: TargetState, entry: OutboxEntry, alert: Alert): Promise<TargetState | null> {
  const { deps, run } = scope;
  const sinks = deps.sinks ?? [];
  let done = entry.delivered ?? [];
  let current: TargetState | null = state;
  if (!done.includes(PRIMARY_CHANNEL)) {
    // Throws when SNS refuses: the entry stays in the outbox, its lease given back so that the next
    // look (this tick's retry, the next tick, the next `portwatch local` run) tries again at once.
    try {
      await deps.notifier.publish(alert);
    } catch (err) {
      if (entry.claimedBy !== undefined) await releaseLease(scope, state, entry.id, entry.claimedBy);
      throw err;
    }
    run.alertsPublished++;
    done = [PRIMARY_CHANNEL, ...done];
    // SNS has the alert; until that is recorded, a retry after the lease would publish it again. Try
    // hard to close that window rather than fail the group; with sinks, record it before trying them.
    const published: TargetState = current;
    if (sinks.length === 0) return retryInfra(scope, () => removeEntry(scope, published, entry.id));
    current = await retryInfra(scope, () => markDelivered(scope, published, entry.id, done));
    if (current === null) return null;
  }
  const owed = sinks.filter((sink) => !done.includes(sink.name));
  const outcomes = await Promise.allSettled(owed.map((sink) => sink.deliver(alert)));
  const accepted: string[] = [];
  outcomes.forEach((outcome, i) => {
    const name = (owed[i] as AlertSink).name;
    if (outcome.status === 'fulfilled') {
      accepted.push(name);
      bump(run.sinkDeliveries, name);
    } else {
      bump(run.sinkFailures, name);
      deps.log?.('warn', 'alert sink refused; retried by a later run', { sink: name, alert: alert.id, error: String(outcome.reason) });
    }
  });
  const refused = owed.filter((sink) => !accepted.includes(sink.name));
  const givenUp = refused.length > 0 && deps.now().getTime() - Date.parse(alert.at) > SINK_GIVE_UP_MS;
  if (givenUp) {
    for (const sink of refused) bump(run.sinksAbandoned, sink.name);
    deps.log?.('error', 'alert sink given up for this alert', { sinks: refused.map((s) => s.name), alert: alert.id });
  }
  const after: TargetState = current;
  if (refused.length === 0 || givenUp) return retryInfra(scope, () => removeEntry(scope, after, entry.id));
  return retryInfra(scope, () => markDelivered(scope, after, entry.id, [...done, ...accepted]));
}

function bump(counts: Record<string, number>, name: string): void {
  counts[name] = (counts[name] ?? 0) + 1;
}

/** Records the channels that accepted an entry's alert (the entry stays, for the channels still owed). */
async function markDelivered(scope: RunScope, state: TargetState, id: string, delivered: readonly string[]): Promise<TargetState | null> {
  return rewriteEntry(scope, state, id, (e) => ({ ...e, delivered }));
}

async function removeEntry(scope: RunScope, state: TargetState, id: string): Promise<TargetState | null> {
  return rewriteEntry(scope, state, id, () => null);
}

/** Replaces (or, with null, removes) one outbox entry, re-reading after a lost race; a gone entry is done. */
async function rewriteEntry({ deps, run }: RunScope, state: TargetState, id: string, change: (entry: OutboxEntry) => OutboxEntry | null): Promise<TargetState | null> {
  let current: TargetState | null = state;
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS && current !== null; attempt++) {
    const entry = current.outbox.find((e) => e.id === id);
    if (entry === undefined) return current;
    const next = replaceEntry(current, id, change(entry), deps.now());
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
