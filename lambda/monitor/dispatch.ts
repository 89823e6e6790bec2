import { PROBE_MESSAGE_VERSION, type ProbeMessage } from '../contracts/probe-message';
import type { ProbeQueue, TargetSource } from './dependencies';
import { laneDelays, lanePeriodMs } from './lane';
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
  /** The schedule's interval: a fast lane fills it with looks (lane.ts). */
  readonly tickMs: number;
  /** The stack's fast lane for targets that name no `every`; null: the schedule. */
  readonly defaultEveryMs: number | null;
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
  /** Messages sent, each fast-lane copy counted. */
  readonly messages: number;
  readonly pages: number;
  /** Targets in a fast lane (sent once per look of the tick, each copy delayed). */
  readonly fastLane: number;
  /**
   * Fast-lane targets whose tick is longer than the queue can delay (900 s): looked at every `every`
   * for the tick's first 15 minutes only. Counted so the dispatcher can say so.
   */
  readonly fastLaneCapped: number;
  /**
   * Several vantage points: those whose queue refused this tick (after the queue's own retries), with
   * the error; the others got every message. Absent with one vantage point.
   */
  readonly vantageFailures?: readonly VantageFailure[];
}

/** One vantage point's probe queue (several regions: the home region's and each prober region's). */
export interface VantageQueue {
  readonly vantage: string;
  readonly queue: ProbeQueue;
}

/** A vantage point whose queue refused the tick, and why. */
export interface VantageFailure {
  readonly vantage: string;
  readonly error: string;
}

/**
 * One tick's messages to every vantage point's queue at once. A queue that refuses (its adapter has
 * already retried) is left out for the rest of the tick and named in `failures()`: that vantage point
 * misses one tick, which the agreement rule already tolerates (its views count as unknown once its
 * heartbeat is 3 ticks old), while every other vantage point gets the whole tick. Only when every
 * queue has refused does `send` throw, failing the tick as the one queue of a single region does:
 * a retry of the whole tick would re-send to the regions that took it, for the sake of one that did not.
 * Build one per tick.
 */
export class VantageFanOut implements ProbeQueue {
  private readonly refused = new Map<string, unknown>();

  public constructor(private readonly queues: readonly VantageQueue[]) {}

  public async send(messages: readonly ProbeMessage[]): Promise<void> {
    const live = this.queues.filter((q) => !this.refused.has(q.vantage));
    const outcomes = await Promise.allSettled(live.map((q) => q.queue.send(messages)));
    outcomes.forEach((outcome, i) => {
      const vantage = live[i]?.vantage;
      if (outcome.status === 'rejected' && vantage !== undefined) this.refused.set(vantage, outcome.reason);
    });
    if (this.refused.size === this.queues.length) throw [...this.refused.values()][0];
  }

  /** The vantage points whose queue refused, sorted by name. */
  public failures(): VantageFailure[] {
    return [...this.refused.entries()]
      .map(([vantage, error]) => ({ vantage, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }))
      .sort((a, b) => a.vantage.localeCompare(b.vantage));
  }
}

/**
 * Runs `send` over the one probe queue, or with several vantage points over a VantageFanOut built for
 * this run alone (a refusal leaves out that vantage point for this run only), and names the vantage
 * points that refused (absent with one). The dispatcher's tick and discovery's re-probe both send so.
 */
export async function sendToVantages<T>(
  queue: ProbeQueue,
  vantageQueues: readonly VantageQueue[] | undefined,
  send: (queue: ProbeQueue) => Promise<T>,
): Promise<{ readonly result: T; readonly vantageFailures?: VantageFailure[] }> {
  if (vantageQueues === undefined) return { result: await send(queue) };
  const fanOut = new VantageFanOut(vantageQueues);
  const result = await send(fanOut);
  return { result, vantageFailures: fanOut.failures() };
}

/**
 * Pages through every segment of the Targets table and packs the enabled items into messages.
 * Items are sent raw: the prober validates them again and records each error in the target's state.
 */
export async function dispatch(source: TargetSource, queue: ProbeQueue, config: DispatchConfig, tick: string): Promise<DispatchReport> {
  const counts = { scanned: 0, dispatched: 0, skippedDisabled: 0, invalid: 0, oversize: 0, messages: 0, pages: 0, fastLane: 0, fastLaneCapped: 0 };
  const segments = Math.max(1, Math.floor(config.segments));
  // allSettled: when one segment fails, the others finish before the error is rethrown, so a
  // Lambda retry never overlaps with sends still running from the failed attempt.
  const outcomes = await Promise.allSettled(
    Array.from({ length: segments }, async (_, segment) => {
      // One pack per lane: a message carries one period, so its copies can be delayed together.
      const packs = new Map<number | null, { items: Record<string, unknown>[]; bytes: number }>();
      let outgoing: ProbeMessage[] = [];
      const sendOutgoing = async (): Promise<void> => {
        if (outgoing.length === 0) return;
        const batch = outgoing;
        outgoing = [];
        await queue.send(batch);
      };
      const closePack = async (periodMs: number | null): Promise<void> => {
        const pack = packs.get(periodMs);
        if (pack === undefined || pack.items.length === 0) return;
        packs.delete(periodMs);
        for (const message of laneMessages(tick, pack.items, periodMs, config.tickMs)) {
          outgoing.push(message);
          counts.messages++;
          if (outgoing.length >= MESSAGES_PER_SEND) await sendOutgoing();
        }
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
          // An invalid item goes once, in the schedule's lane: the prober only records its error.
          const periodMs = parsed.ok ? lanePeriodMs(parsed.value.every, config.defaultEveryMs, config.tickMs) : null;
          if (periodMs !== null) {
            counts.fastLane++;
            if (laneDelays(periodMs, config.tickMs).capped) counts.fastLaneCapped++;
          }
          const pack = packs.get(periodMs);
          if (pack && (pack.items.length >= config.targetsPerMessage || pack.bytes + bytes > config.maxMessageBytes)) await closePack(periodMs);
          const open = packs.get(periodMs) ?? { items: [], bytes: 0 };
          open.items.push(item);
          open.bytes += bytes;
          packs.set(periodMs, open);
          counts.dispatched++;
        }
      }
      for (const periodMs of [...packs.keys()]) await closePack(periodMs);
      await sendOutgoing();
    }),
  );
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
  return { tick, ...counts };
}

/** The messages of one pack: one in the schedule's lane; in a fast lane, one per look of the tick, each delayed to its turn. */
function laneMessages(tick: string, targets: Record<string, unknown>[], periodMs: number | null, tickMs: number): ProbeMessage[] {
  if (periodMs === null) return [{ v: PROBE_MESSAGE_VERSION, tick, targets }];
  const everyS = Math.round(periodMs / 1000);
  return laneDelays(periodMs, tickMs).delaysS.map((delayS) => ({ v: PROBE_MESSAGE_VERSION, tick, targets, delayS, everyS }));
}
