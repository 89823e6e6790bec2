/** The fast lane of `portwatch local`: a tick's messages probed as they fall due (a clock the test moves; no sleeps). */
import { InProcessQueue } from '../../../lambda/adapters/local/in-process-queue';
import type { ProbeMessage } from '../../../lambda/contracts/probe-message';
import { laneGroup, probeAsDue } from '../../../lib/cli/local-lanes';

const TICK = '2026-11-24T10:00:00.000Z';

function fakeClock(start: number): { now: () => number; sleep: (ms: number, signal: AbortSignal) => Promise<void>; slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += Math.max(0, ms);
    },
    slept,
  };
}

describe('probeAsDue', () => {
  it('probes the schedule\'s messages at once and each fast-lane copy when its delay has passed', async () => {
    // Prepare
    const clock = fakeClock(Date.parse(TICK));
    const queue = new InProcessQueue(clock.now);
    const lane = [0, 10, 20].map((delayS): ProbeMessage => ({ v: 1, tick: TICK, targets: [{ target: 'fast' }], delayS, everyS: 10 }));
    await queue.send([{ v: 1, tick: TICK, targets: [{ target: 'slow' }] }, ...lane]);
    const seen: string[] = [];

    // Act
    await probeAsDue(queue, new AbortController().signal, async (due) => {
      seen.push(`${new Date(clock.now()).toISOString().slice(17, 19)}s: ${due.map((m) => laneGroup(m, 'g').tick).join(' ')}`);
    }, clock);

    // Assess: each batch at its time, each group's look time the tick plus its delay
    expect(seen).toEqual([
      `00s: ${TICK} ${TICK}`,
      '10s: 2026-11-24T10:00:10.000Z',
      '20s: 2026-11-24T10:00:20.000Z',
    ]);
    expect(laneGroup(lane[1] as ProbeMessage, 'g')).toEqual({ id: 'g', items: [{ target: 'fast' }], tick: '2026-11-24T10:00:10.000Z', everyMs: 10_000 });
  });

  it('a stop drops the copies not yet due: nothing of theirs was written', async () => {
    const clock = fakeClock(0);
    const queue = new InProcessQueue(clock.now);
    await queue.send([{ v: 1, tick: TICK, targets: [{ target: 'fast' }], delayS: 0, everyS: 10 }, { v: 1, tick: TICK, targets: [{ target: 'fast' }], delayS: 10, everyS: 10 }]);
    const stop = new AbortController();
    let batches = 0;
    await probeAsDue(queue, stop.signal, async () => {
      batches++;
      stop.abort();
    }, { now: clock.now, sleep: async () => undefined });
    expect({ batches, left: queue.nextDueAt() }).toEqual({ batches: 1, left: null });
  });
});
