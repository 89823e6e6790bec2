/**
 * State digests, the rules (digest-field.ts reads and strips the attribute): what a quiet target's
 * state item says, copied onto its Targets item, so that an unchanged tick needs no state read at
 * all. The dispatcher's scan already reads every Targets item (a few dozen bytes each, 4 KB per read
 * unit); a state read costs half a unit per target per tick, the biggest line of the bill at 1-minute
 * ticks (docs/cost.md).
 *
 * A digest is a cache, never the record: the prober trusts it only to conclude "nothing to do", and
 * only when the look agrees with it exactly; anything else reads the state item as before. Safety
 * rests on versions: a digest names the state version it was taken from, a writer replaces the
 * digest with a tombstone of its new version before writing the state, and a digest is only ever
 * stored over an older one (see DigestStore). A stale digest therefore cannot outlive the write that
 * made it stale, and one read before that write is no worse than an eventually consistent state read.
 */
import type { Finding } from '../probe/types';
import { isPartial } from './agreement';
import { dueOnTick } from './cadence';
import { knownCertsOf, shortFingerprint } from './cert-change';
import type { Observation, StateDigest, TargetInfo, TargetState } from './model';
import { coreFindingsAgree } from './posture-carry';
import { sameFindings } from './state';
import { reminderDue, reminderDueAt } from './transition';

/**
 * How often a target's state is read even though its digest would settle the look. Versions keep a
 * digest from going stale as long as only the prober writes it; but whoever rewrites a whole Targets
 * item from an old copy (a console edit, a script's read-modify-write) puts an old digest back, and
 * nothing on the item could tell. The check reads the state, and a digest that disagrees with it is
 * replaced (its version is older). It bounds how long such a digest can hide a change, for one
 * eventually consistent read per target per hour and no write (docs/cost.md).
 */
export const DIGEST_CHECK_EVERY_MS = 60 * 60_000;

/** Whether this tick reads the target's state to check its digest (once per DIGEST_CHECK_EVERY_MS, spread by key). */
export function digestCheckDue(target: string, tickAtMs: number, tickMs: number): boolean {
  return dueOnTick(`${target}#digest`, tickAtMs, { tickMs, everyMs: DIGEST_CHECK_EVERY_MS });
}

/** The settings of a target that decide() reads besides the state. */
export function configKey(info: Pick<TargetInfo, 'expect' | 'remindEveryMs'>): string {
  return `${info.expect ?? '-'}/${info.remindEveryMs ?? '-'}`;
}

/**
 * The digest of a quiet state: nothing owed (empty outbox), no window holding alerts, open/closed
 * known, not partially reachable. Null for any other state: those always take the full path.
 */
export function digestOf(state: TargetState, info: Pick<TargetInfo, 'expect' | 'remindEveryMs'>): StateDigest | null {
  // A partial reach (several vantage points disagreeing) is never settled by a digest: the next look
  // from each vantage point re-decides, so a pending partial is alerted and a healed one ends.
  if (state.outbox.length > 0 || (state.held ?? null) !== null || state.open === null || isPartial(state.reach)) return null;
  const remindAt = reminderDueAt(state, info);
  return {
    v: state.version,
    s: state.status,
    f: [...state.findings].sort().join(','),
    ...(remindAt !== null && Number.isFinite(remindAt) ? { r: remindAt } : {}),
    c: configKey(info),
    k: state.evidence.tls?.cert ? knownCertsOf(state).map(shortFingerprint).join(',') : '',
  };
}

/**
 * Whether the look leaves the target as the digest describes it, so that decide() would answer
 * "nothing to do" (test/lambda/monitor/digest.test.ts checks this against decide itself).
 * `postureChecked` is false for a connect-only look, which says nothing about findings; `core` is true
 * for a core deep look, whose findings agree once the digest's slow ones are carried (posture-carry.ts).
 */
export function digestSettles(digest: StateDigest, obs: Observation, info: Pick<TargetInfo, 'expect' | 'remindEveryMs'>, nowMs: number, postureChecked: boolean, core = false): boolean {
  if (digest.c !== configKey(info) || obs.status !== digest.s) return false;
  if (digest.r !== undefined && reminderDue(digest.r, nowMs)) return false;
  if (obs.status !== 'open' || !postureChecked) return true;
  const recorded = digest.f === '' ? [] : (digest.f.split(',') as Finding[]);
  if (!(core ? coreFindingsAgree(recorded, obs.findings) : sameFindings(recorded, obs.findings))) return false;
  // A deep look at a certificate the state does not know may be a certificate change (cert-change.ts);
  // `k` is '' when the state recorded no certificate, and then no certificate is news.
  const cert = obs.evidence.tls?.cert ?? null;
  return digest.k === '' || cert === null || digest.k.split(',').includes(shortFingerprint(cert.fingerprint256));
}

/** Whether two digests describe the same state under the same settings. */
export function sameDigest(a: StateDigest | null, b: StateDigest | null): boolean {
  if (a === null || b === null) return a === b;
  return a.v === b.v && a.s === b.s && a.f === b.f && a.r === b.r && a.c === b.c && a.k === b.k;
}

