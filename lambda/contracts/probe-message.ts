/**
 * The body of one probe-queue message: what the dispatcher sends (monitor/dispatch.ts) and the prober
 * handler parses. Many targets per message, sent raw: the prober validates every item again and
 * records each error in the target's state.
 */

/** Bumped when a field changes meaning; a prober drops a message of another version instead of guessing. */
export const PROBE_MESSAGE_VERSION = 1;

/**
 * Upper bound on one message body. SQS accepts 256 KiB; the rest is headroom for the JSON framing
 * of the message and its attributes.
 */
export const MAX_PROBE_MESSAGE_BYTES = 200_000;

export interface ProbeMessage {
  readonly v: typeof PROBE_MESSAGE_VERSION;
  /** The tick's scheduled time (ISO 8601); the posture cadence and the tick metrics count from it. */
  readonly tick: string;
  readonly targets: readonly Record<string, unknown>[];
  /**
   * Fast lane (monitor/lane.ts): seconds after the tick this copy is due. The queue holds the message
   * that long (SQS DelaySeconds, 0-900); the prober counts the look from `tick` plus it. Absent: 0.
   */
  readonly delayS?: number;
  /** Fast lane: seconds between two looks at these targets. Absent: the schedule's tick. */
  readonly everyS?: number;
}

/** SQS's longest per-message delay: a `delayS` above it could not be sent. */
export const MAX_DELAY_SECONDS = 900;

/** A message as the prober may trust it: the items are still unvalidated. */
export interface ReceivedProbeMessage {
  readonly targets: readonly unknown[];
  /**
   * When this look was due: the tick plus the fast lane's delay (ISO 8601). null when the tick is
   * absent or not a date: the message is still probed, only its tick is unknown.
   */
  readonly tick: string | null;
  /** Milliseconds between two looks at these targets (fast lane); null: the schedule's tick. */
  readonly everyMs: number | null;
}

/** A whole number of seconds in [min, max], else null (a bad lane field is ignored, the targets still probed). */
function seconds(value: unknown, min: number, max: number): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

export type ProbeMessageParse = { readonly ok: true; readonly message: ReceivedProbeMessage } | { readonly ok: false; readonly reason: string };

/** Parses one message body; a body that is not a probe message of this version says why. */
export function parseProbeMessage(body: string): ProbeMessageParse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, reason: 'not a JSON object' };
  const { v, targets, tick, delayS, everyS } = parsed as { v?: unknown; targets?: unknown; tick?: unknown; delayS?: unknown; everyS?: unknown };
  if (v !== PROBE_MESSAGE_VERSION) return { ok: false, reason: `version ${v === undefined ? 'absent' : JSON.stringify(v)}, expected ${PROBE_MESSAGE_VERSION}` };
  if (!Array.isArray(targets)) return { ok: false, reason: 'targets is not an array' };
  const tickMs = typeof tick === 'string' ? Date.parse(tick) : Number.NaN;
  const due = Number.isNaN(tickMs) ? null : delayS === undefined ? (tick as string) : new Date(tickMs + (seconds(delayS, 0, MAX_DELAY_SECONDS) ?? 0) * 1000).toISOString();
  const every = seconds(everyS, 1, MAX_DELAY_SECONDS);
  return { ok: true, message: { targets, tick: due, everyMs: every === null ? null : every * 1000 } };
}
