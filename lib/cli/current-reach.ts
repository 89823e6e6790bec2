/** The reach of each target as its vantage points' stored views show it now (agreement.ts currentReach), for status and the local table. */
import { currentReach } from '../../lambda/monitor/agreement';
import { keepsViews, type StateStore } from '../../lambda/monitor/dependencies';
import type { Reach, TargetState } from '../../lambda/monitor/model';

/**
 * The states with their reach brought up to date: two batched reads (views, heartbeats) for all of
 * them; states without a reach (one vantage point) are returned as they are, and nothing is read.
 */
export async function withCurrentReach<T extends TargetState>(store: StateStore, states: readonly T[]): Promise<T[]> {
  const multi = states.filter((s): s is T & { reach: Reach } => s.reach !== undefined && s.reach !== null);
  if (multi.length === 0 || !keepsViews(store)) return [...states];
  const names = [...new Set(multi.flatMap((s) => [...s.reach.open, ...s.reach.notOpen, ...s.reach.unknown]))].sort();
  const [views, heartbeats] = await Promise.all([store.getViews(multi.map((s) => s.target), names), store.getHeartbeats(names)]);
  return states.map((s) => (s.reach ? { ...s, reach: currentReach(s.reach, views.get(s.target) ?? new Map(), heartbeats) } : s));
}
