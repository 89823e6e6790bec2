/**
 * Posture cadence: open/closed is looked at every tick, the deep facts of an open broker (TLS,
 * certificate, anonymous MQTT) every `postureEveryMs`. A deep look costs ~20x the CPU and ~30x the
 * bytes of a connect (docs/cost.md); posture changes far more slowly than reachability, and every
 * look that could alert (a port that was not open) is deep anyway.
 */

export interface PostureCadence {
  /** The schedule's interval between ticks. */
  readonly tickMs: number;
  /** How often an open target gets a deep look. */
  readonly postureEveryMs: number;
  /**
   * How often a deep look asks the slow-changing questions too (legacy TLS, the TLS 1.2 suite, the
   * plaintext listener, the MQTT protocol levels); the looks between ask only the core (certificate,
   * chain, anonymous access) and carry the rest (posture-carry.ts). @default DEFAULT_SLOW_POSTURE_EVERY_MS
   */
  readonly slowPostureEveryMs?: number;
}

/**
 * Default for the slow questions: hourly. They are three quarters of a deep look's connections and
 * CPU (bench/client-cpu.ts), and what they find (a server that still agrees to TLS 1.0, a 1883
 * listener, a weak TLS 1.2 suite) is configuration, which changes on a deploy, not between ticks; a
 * new certificate or a port that was not open brings them forward at once (posture-carry.ts).
 */
export const DEFAULT_SLOW_POSTURE_EVERY_MS = 60 * 60_000;

/** The stack's default tick interval (`scheduleMinutes` 5). */
export const DEFAULT_TICK_MS = 5 * 60_000;

/** Default posture interval: the 5-minute tick most users run, at which every look stays deep. */
export const DEFAULT_POSTURE_EVERY_MS = 5 * 60_000;

/**
 * Whether the tick at `tickAtMs` owes this target a deep look. Each target has its own phase (from a
 * hash of its key), so 1/k of the fleet goes deep on each tick rather than all of it every k-th tick.
 * Tick times are rounded to the interval: a late or retried delivery keeps its tick's answer.
 */
export function postureDue(target: string, tickAtMs: number, cadence: PostureCadence): boolean {
  return dueOnTick(target, tickAtMs, { tickMs: cadence.tickMs, everyMs: cadence.postureEveryMs });
}

/**
 * Whether the tick at `tickAtMs` owes this target a full deep look, slow questions included. Its phase
 * is a hash of its own (not the deep look's), so such a tick is deep even where postureDue is not.
 */
export function slowPostureDue(target: string, tickAtMs: number, cadence: PostureCadence): boolean {
  return dueOnTick(`${target}#slow`, tickAtMs, { tickMs: cadence.tickMs, everyMs: cadence.slowPostureEveryMs ?? DEFAULT_SLOW_POSTURE_EVERY_MS });
}

/**
 * Of an open target's looks, the share that are full deep looks and core deep looks (the rest are
 * connect-only): a full one on the slow-due ticks, a core one on the other ticks postureDue picks, as
 * planned in prober/look.ts. The bench and the cost model weigh a deep look's figures with it.
 */
export function lookShares(cadence: PostureCadence): { readonly full: number; readonly core: number } {
  const full = 1 / ticksPer({ tickMs: cadence.tickMs, everyMs: cadence.slowPostureEveryMs ?? DEFAULT_SLOW_POSTURE_EVERY_MS });
  return { full, core: (1 - full) / postureEveryTicks(cadence) };
}

/**
 * Every how many ticks a target gets its deep look: `postureEveryMs` rounded to a whole number of
 * ticks, at least 1 (a deep look rides on a tick, so it cannot come more often than the ticks).
 */
export function postureEveryTicks(cadence: PostureCadence): number {
  return ticksPer({ tickMs: cadence.tickMs, everyMs: cadence.postureEveryMs });
}

function ticksPer(period: { readonly tickMs: number; readonly everyMs: number }): number {
  return Math.max(1, Math.round(period.everyMs / Math.max(1, period.tickMs)));
}

/** Whether the tick at `tickAtMs` is `key`'s turn for something done once per `everyMs` (see postureDue). */
export function dueOnTick(key: string, tickAtMs: number, period: { readonly tickMs: number; readonly everyMs: number }): boolean {
  const every = ticksPer(period);
  if (every === 1) return true;
  const index = Math.round(tickAtMs / period.tickMs);
  return (index + (keyHash(key) % every)) % every === 0;
}

/** FNV-1a over the key's UTF-16 units: stable across processes and releases, cheap, well spread. */
function keyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
