/**
 * The fast lane: targets looked at more often than the schedule ticks (`every: 10s`). EventBridge
 * schedules stop at one minute, so the dispatcher sends a fast-lane target's message once per
 * `every` within the tick, each copy delayed by the queue (SQS per-message DelaySeconds 0, 10, ... 50)
 * and carrying its own look time and period, so the prober's cadences count looks, not ticks.
 */
import { fail, type ParseResult } from '../parse/field-error';
import { formatDuration, parseDuration } from '../parse/duration';
import { MAX_DELAY_SECONDS } from '../contracts/probe-message';

/**
 * The periods a target may ask for: the divisors of a minute from 10 s up, so that every schedule
 * (a whole number of minutes) is filled evenly. 10 s is the floor: a look with its confirmation
 * re-probe (two 3-s deadlines and a 1-s pause at worst) must end before the next look starts.
 */
export const EVERY_CHOICES_MS: readonly number[] = [10_000, 15_000, 20_000, 30_000, 60_000];

/** `every: schedule`: the target follows the schedule even when the stack's default is a fast lane. */
export const EVERY_SCHEDULE = 'schedule';

/** What `every` accepts, as an error message says it. */
export const EVERY_CHOICES_TEXT = `${EVERY_CHOICES_MS.map(formatDuration).join(', ')} or ${EVERY_SCHEDULE}`;

/**
 * A target's `every`, or the stack's default: undefined when absent (the stack's default applies),
 * `schedule` to follow the schedule, or a period in milliseconds from EVERY_CHOICES_MS.
 */
export function parseEvery(value: unknown, field = 'every'): ParseResult<number | typeof EVERY_SCHEDULE | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'string') return fail(field, value, `must be one of ${EVERY_CHOICES_TEXT}`);
  const text = value.trim().toLowerCase();
  if (text === EVERY_SCHEDULE) return { ok: true, value: EVERY_SCHEDULE };
  const ms = parseDuration(text);
  if (ms === null || !EVERY_CHOICES_MS.includes(ms)) return fail(field, value, `must be one of ${EVERY_CHOICES_TEXT}`);
  return { ok: true, value: ms };
}

/**
 * The period a target is looked at: its own `every`, else the stack's default (null: none), else the
 * schedule. A period as long as the tick or longer is the schedule itself (null).
 */
export function lanePeriodMs(every: number | typeof EVERY_SCHEDULE | undefined, defaultEveryMs: number | null, tickMs: number): number | null {
  const asked = every === undefined ? defaultEveryMs : every === EVERY_SCHEDULE ? null : every;
  return asked === null || asked >= tickMs ? null : asked;
}

/**
 * The delays (whole seconds) of one fast-lane target's messages within a tick: 0, every, 2 x every ...
 * while they fall inside the tick and within the queue's longest delay (900 s). `capped` when the tick
 * is longer than that: its first 15 minutes are filled, the rest waits for the next tick.
 */
export function laneDelays(periodMs: number, tickMs: number): { readonly delaysS: readonly number[]; readonly capped: boolean } {
  const periodS = Math.max(1, Math.round(periodMs / 1000));
  const delaysS: number[] = [];
  let capped = false;
  for (let delay = 0; delay * 1000 < tickMs; delay += periodS) {
    if (delay > MAX_DELAY_SECONDS) {
      capped = true;
      break;
    }
    delaysS.push(delay);
  }
  return { delaysS, capped };
}
