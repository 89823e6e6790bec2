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
}

/** A message as the prober may trust it: the items are still unvalidated. */
export interface ReceivedProbeMessage {
  readonly targets: readonly unknown[];
  /** null when absent or not a date: the message is still probed, only its tick is unknown. */
  readonly tick: string | null;
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
  const { v, targets, tick } = parsed as { v?: unknown; targets?: unknown; tick?: unknown };
  if (v !== PROBE_MESSAGE_VERSION) return { ok: false, reason: `version ${v === undefined ? 'absent' : JSON.stringify(v)}, expected ${PROBE_MESSAGE_VERSION}` };
  if (!Array.isArray(targets)) return { ok: false, reason: 'targets is not an array' };
  return { ok: true, message: { targets, tick: typeof tick === 'string' && !Number.isNaN(Date.parse(tick)) ? tick : null } };
}
