/**
 * Partial reachability as a state of its own (pure): when a target open from some vantage points and
 * not from others is recorded, when that is alerted (`partial`), and when its end is (`reachable`).
 */
import { isPartial, sameSides, type ReachNow } from './agreement';
import type { AlertEvent, Expect, Reach, TargetState } from './model';

export interface ReachStep {
  /** The reach to record, `partialSince` carried from the state while the partial stands. */
  readonly reach: Reach;
  /** The partial began or ended, or its sides changed: worth a (silent) write of its own. */
  readonly changed: boolean;
  /** The alert the reach owes now, if any. */
  readonly owed: Extract<AlertEvent, 'partial' | 'reachable'> | null;
  /** Whether the partial standing before this look had been alerted. */
  readonly alertedBefore: boolean;
}

export interface ReachInput {
  readonly now: ReachNow;
  /** Combined open/not-open after this look. */
  readonly open: boolean | null;
  readonly expect: Expect | null;
  readonly at: string;
  /** How long a partial must stand before it is alerted: one tick period, so a change sweeping across regions within a tick never pages twice. */
  readonly settleMs: number;
  readonly muted: boolean;
}

export function reachStep(prev: Pick<TargetState, 'reach' | 'partialAlerted'> | null, input: ReachInput): ReachStep {
  const before = prev?.reach ?? null;
  const partial = isPartial(input.now);
  const wasPartial = isPartial(before);
  const partialSince = partial ? ((wasPartial ? before?.partialSince : null) ?? input.at) : null;
  const reach: Reach = { ...input.now, partialSince };
  const alertedBefore = wasPartial && prev?.partialAlerted === true;
  const changed = partial !== wasPartial || (partial && before !== null && !sameSides(before, input.now));
  let owed: ReachStep['owed'] = null;
  if (!input.muted && input.open === true) {
    // News only where the combined verdict hides it: for `expect: closed` the exposure alert names the regions.
    if (partial && input.expect !== 'closed' && !alertedBefore && Date.parse(input.at) - Date.parse(partialSince as string) >= input.settleMs) owed = 'partial';
    if (!partial && alertedBefore) owed = 'reachable';
  }
  return { reach, changed, owed, alertedBefore };
}
