import { PROBE_MESSAGE_VERSION, type ProbeMessage } from '../contracts/probe-message';
import type { ProbeQueue, TargetSource } from './dependencies';
import { KNOWN_ATTRIBUTES, parseTargetItem } from './target';

/** Messages handed to the queue at once (SQS SendMessageBatch takes ten). */
const MESSAGES_PER_SEND = 10;

/** Users may keep their own attributes on target items; the prober needs only the ones it reads. */
export function knownAttributes(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of KNOWN_ATTRIBUTES) if (item[name] !== undefined) out[name] = item[name];
  return out;
}

/** How a tick is packed; the defaults are the dispatcher's environment contract (contracts/dispatcher-env.ts). */
export interface DispatchConfig {
  /** Parallel scan segments; more than 1 lets a large table be read concurrently. */
  readonly segments: number;
  /** Targets packed into one queue message. */
  readonly targetsPerMessage: number;
  /** Upper bound on a message body (contracts/probe-message.ts: MAX_PROBE_MESSAGE_BYTES). */
  readonly maxMessageBytes: number;
  readonly defaultPort: number;
}

export interface DispatchReport {
  readonly tick: string;
  readonly scanned: number;
  readonly dispatched: number;
  readonly skippedDisabled: number;
  /** Items that fail validation are still sent: the prober records their error in state. */
  readonly invalid: number;
  /** Items too large for any message (possible only for invalid ones); dropped and counted. */
  readonly oversize: number;
  readonly messages: number;
  readonly pages: number;
}

/**
 * Pages through every segment of the Targets table and packs the enabled items into messages.
 * Items are sent raw: the prober validates them again and records each error in the target's state.
 */
export async function dispatch(source: TargetSource, queue: ProbeQueue, config: DispatchConfig, tick: string): Promise<DispatchReport> {
  const counts = { scanned: 0, dispatched: 0, skippedDisabled: 0, invalid: 0, oversize: 0, messages: 0, pages: 0 };
  const segments = Math.max(1, Math.floor(config.segments));
  // allSettled: when one segment fails, the others finish before the error is rethrown, so a
  // Lambda retry never overlaps with sends still running from the failed attempt.
  const outcomes = await Promise.allSettled(
    Array.from({ length: segments }, async (_, segment) => {
      let pack: Record<string, unknown>[] = [];
      let packBytes = 0;
      let outgoing: ProbeMessage[] = [];
      const sendOutgoing = async (): Promise<void> => {
        if (outgoing.length === 0) return;
        const batch = outgoing;
        outgoing = [];
        await queue.send(batch);
      };
      const closePack = async (): Promise<void> => {
        if (pack.length === 0) return;
        outgoing.push({ v: PROBE_MESSAGE_VERSION, tick, targets: pack });
        counts.messages++;
        pack = [];
        packBytes = 0;
        if (outgoing.length >= MESSAGES_PER_SEND) await sendOutgoing();
      };
      for await (const page of source.scan(segment, segments)) {
        counts.pages++;
        for (const raw of page) {
          counts.scanned++;
          const parsed = parseTargetItem(raw, config.defaultPort);
          if (parsed.ok && !parsed.value.enabled) {
            counts.skippedDisabled++;
            continue;
          }
          if (!parsed.ok) counts.invalid++;
          const item = knownAttributes(raw);
          const bytes = Buffer.byteLength(JSON.stringify(item));
          if (bytes > config.maxMessageBytes) {
            // Only possible for a garbage item (validation caps every field); it could never be sent.
            counts.oversize++;
            continue;
          }
          if (pack.length >= config.targetsPerMessage || packBytes + bytes > config.maxMessageBytes) await closePack();
          pack.push(item);
          packBytes += bytes;
          counts.dispatched++;
        }
      }
      await closePack();
      await sendOutgoing();
    }),
  );
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
  return { tick, ...counts };
}
