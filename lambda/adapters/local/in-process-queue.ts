/**
 * The probe queue of `portwatch local`: keeps each tick's messages in memory for the prober, each
 * held until its delay has passed (a fast lane's copies, as SQS DelaySeconds holds them in AWS).
 */
import type { ProbeMessage } from '../../contracts/probe-message';
import type { ProbeQueue } from '../../monitor/dependencies';

interface Held {
  /** When the message becomes visible (epoch ms): sent time plus its delay. */
  readonly dueAt: number;
  readonly message: ProbeMessage;
}

export class InProcessQueue implements ProbeQueue {
  private held: Held[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async send(messages: readonly ProbeMessage[]): Promise<void> {
    const sentAt = this.now();
    for (const message of messages) this.held.push({ dueAt: sentAt + (message.delayS ?? 0) * 1000, message });
  }

  /** Every message sent since the last drain, delayed or not, oldest first. */
  drain(): ProbeMessage[] {
    const out = this.held.map((h) => h.message);
    this.held = [];
    return out;
  }

  /** The messages whose delay has passed, in the order they were sent; the others stay. */
  drainDue(): ProbeMessage[] {
    const now = this.now();
    const due = this.held.filter((h) => h.dueAt <= now);
    this.held = this.held.filter((h) => h.dueAt > now);
    return due.map((h) => h.message);
  }

  /** When the next held message becomes visible (epoch ms); null when the queue is empty. */
  nextDueAt(): number | null {
    return this.held.reduce<number | null>((soonest, h) => (soonest === null || h.dueAt < soonest ? h.dueAt : soonest), null);
  }
}
