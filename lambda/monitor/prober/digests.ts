/** Digests within a run: which to trust this tick instead of a state read, and which to store for the next tick. */
import { DEFAULT_TICK_MS } from '../cadence';
import { configKey, digestCheckDue, digestOf, sameDigest } from '../digest';
import type { StateDigest } from '../model';
import { mapBounded } from '../../probe/limiter';
import type { Looked } from './look';
import { refreshDue } from './refresh';
import type { RunScope } from './report';
import type { WorkItem } from './work';

/** The target's digest, when there is a store for digests and the digest was taken under the target's current settings. */
export function usableDigest(scope: RunScope, w: WorkItem): StateDigest | null {
  const { deps, config, run } = scope;
  if (deps.digests === undefined || w.kind !== 'probe') return null;
  const digest = w.target.digest ?? null;
  if (digest === null || digest.c !== configKey(w.target)) return null;
  // A refresh sends the state's findings again: it needs the state itself.
  if (refreshDue(scope, w)) return null;
  // Counted in looks: a fast lane's target is checked once an hour too, not six times as often.
  if (!digestCheckDue(w.target.target, w.tickMs, w.periodMs ?? config.cadence?.tickMs ?? DEFAULT_TICK_MS)) return digest;
  run.digestChecks++;
  return null;
}

/**
 * Stores the digest of every target left quiet by this run whose item does not already carry it.
 * A digest is a cache: failing to store one costs a state read next tick, so it never fails a group.
 */
export async function recordDigests({ deps, config, run }: RunScope, looked: readonly Looked[]): Promise<void> {
  const digests = deps.digests;
  if (digests === undefined) return;
  await mapBounded(looked, config.concurrency, async (l) => {
    if (l.work.kind !== 'probe' || l.digestHit) return;
    const state = run.known.get(l.info.target);
    const want = state ? digestOf(state, l.info) : null;
    if (want === null || sameDigest(want, l.work.target.digest ?? null)) return;
    try {
      if (await digests.record(l.info.target, want)) run.digestsRecorded++;
    } catch (err) {
      deps.log?.('warn', 'digest not stored; the next tick reads the state instead', { target: l.info.target, error: String(err) });
    }
  });
}
