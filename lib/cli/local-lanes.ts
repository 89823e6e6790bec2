/**
 * The fast lane in `portwatch local`: a tick's messages are probed as they fall due, on real timers,
 * the way SQS hands a delayed copy to the prober in AWS. A target with `every=10s` is looked at every
 * 10 seconds within a one-minute `--interval`, and its alerts print as they are decided.
 */
import type { ProbeMessage } from '../../lambda/contracts/probe-message';
import type { InProcessQueue } from '../../lambda/adapters/local/in-process-queue';
import type { WorkGroup } from '../../lambda/monitor/prober/service';

/** Resolves after `ms`, or at once when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** One message as the prober's work group: its look time is the tick plus its delay, its period the lane's. */
export function laneGroup(message: ProbeMessage, id: string): WorkGroup {
  const delayMs = (message.delayS ?? 0) * 1000;
  const tick = delayMs === 0 ? message.tick : new Date(Date.parse(message.tick) + delayMs).toISOString();
  return { id, items: message.targets, tick, ...(message.everyS !== undefined ? { everyMs: message.everyS * 1000 } : {}) };
}

/**
 * Runs `probe` over each batch of messages as it falls due, until the queue is empty. A stop request
 * drops the copies not yet due (nothing of theirs has been written), as the next tick would probe
 * the same targets anyway.
 */
export async function probeAsDue(
  queue: InProcessQueue,
  stop: AbortSignal,
  probe: (due: ProbeMessage[]) => Promise<void>,
  clock: { readonly now: () => number; readonly sleep: (ms: number, signal: AbortSignal) => Promise<void> } = { now: Date.now, sleep: abortableSleep },
): Promise<void> {
  for (let next = queue.nextDueAt(); next !== null; next = queue.nextDueAt()) {
    await clock.sleep(next - clock.now(), stop);
    if (stop.aborted && next > clock.now()) {
      queue.drain();
      return;
    }
    const due = queue.drainDue();
    if (due.length > 0) await probe(due);
  }
}
