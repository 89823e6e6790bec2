/** The fast lane's rules (lane.ts) and how the dispatcher packs a fast lane (dispatch.ts): pure, no I/O. */
import type { ProbeMessage } from '../../../lambda/contracts/probe-message';
import type { ProbeQueue, TargetSource } from '../../../lambda/monitor/dependencies';
import { dispatch, type DispatchConfig } from '../../../lambda/monitor/dispatch';
import { laneDelays, lanePeriodMs, parseEvery } from '../../../lambda/monitor/lane';
import { parseTargetItem } from '../../../lambda/monitor/target';

const TICK = '2026-11-24T10:00:00.000Z';
const MINUTE = 60_000;

describe('parseEvery', () => {
  test.each([
    ['10s', 10_000],
    ['15s', 15_000],
    ['20S', 20_000],
    [' 30s ', 30_000],
    ['1m', 60_000],
    ['60s', 60_000],
    ['schedule', 'schedule'],
  ])('%p is a period the dispatcher can fill a minute with', (text, expected) => {
    expect(parseEvery(text)).toEqual({ ok: true, value: expected });
  });

  test.each(['5s', '12s', '45s', '2m', '10', 'fast', ''])('%p is refused, naming the field, the value and the choices', (text) => {
    expect(parseEvery(text)).toEqual({ ok: false, error: { field: 'every', value: JSON.stringify(text), reason: 'must be one of 10s, 15s, 20s, 30s, 1m or schedule' } });
  });

  test('a target item with a bad every is invalid (recorded in its state), one with a good one carries it', () => {
    expect(parseTargetItem({ target: 'b.example.com', every: 10 })).toMatchObject({ ok: false, error: { field: 'every', value: '10' } });
    expect(parseTargetItem({ target: 'b.example.com', every: '10s' })).toMatchObject({ ok: true, value: { every: 10_000 } });
    expect(parseTargetItem({ target: 'b.example.com' })).toMatchObject({ ok: true, value: expect.not.objectContaining({ every: expect.anything() }) });
  });
});

describe('lanePeriodMs and laneDelays', () => {
  test('a target\'s own every wins over the default; schedule opts out; a period as long as the tick is the tick', () => {
    expect(lanePeriodMs(10_000, 30_000, MINUTE)).toBe(10_000);
    expect(lanePeriodMs(undefined, 30_000, MINUTE)).toBe(30_000);
    expect(lanePeriodMs('schedule', 30_000, MINUTE)).toBeNull();
    expect(lanePeriodMs(undefined, null, MINUTE)).toBeNull();
    expect(lanePeriodMs(60_000, null, MINUTE)).toBeNull();
  });

  test('a 1-minute tick at 10 s: delays 0, 10 ... 50', () => {
    expect(laneDelays(10_000, MINUTE)).toEqual({ delaysS: [0, 10, 20, 30, 40, 50], capped: false });
  });

  test('a 5-minute tick at 10 s: 30 looks, the last 290 s in', () => {
    const { delaysS, capped } = laneDelays(10_000, 5 * MINUTE);
    expect({ n: delaysS.length, last: delaysS.at(-1), capped }).toEqual({ n: 30, last: 290, capped: false });
  });

  test('a tick the queue cannot delay through (60 min) fills its first 15 minutes and says so', () => {
    const { delaysS, capped } = laneDelays(60_000, 60 * MINUTE);
    expect({ n: delaysS.length, last: delaysS.at(-1), capped }).toEqual({ n: 16, last: 900, capped: true });
  });

  test('a local interval that the period does not divide still gets a look at least every period', () => {
    expect(laneDelays(10_000, 45_000).delaysS).toEqual([0, 10, 20, 30, 40]);
  });
});

describe('dispatch with a fast lane', () => {
  const config: DispatchConfig = { segments: 1, targetsPerMessage: 25, maxMessageBytes: 200_000, defaultPort: 8883, tickMs: MINUTE, defaultEveryMs: null };
  const run = async (items: Record<string, unknown>[], over: Partial<DispatchConfig> = {}): Promise<{ sent: ProbeMessage[]; report: Awaited<ReturnType<typeof dispatch>> }> => {
    const sent: ProbeMessage[] = [];
    const source: TargetSource = {
      async *scan() {
        yield items;
      },
    };
    const queue: ProbeQueue = { send: async (m) => void sent.push(...m) };
    const report = await dispatch(source, queue, { ...config, ...over }, TICK);
    return { sent, report };
  };
  const lanes = (sent: readonly ProbeMessage[]): string[] =>
    sent.map((m) => `${m.targets.map((t) => String(t.target)).join('+')}@${m.delayS ?? '-'}/${m.everyS ?? '-'}`).sort();

  test('fast-lane targets travel apart, once per look, each copy delayed to its turn; the rest once', async () => {
    // Act
    const { sent, report } = await run([{ target: 'slow.example.com' }, { target: 'fast.example.com', every: '20s' }, { target: 'bad.example.com', every: '7s' }]);

    // Assess: the invalid item goes once, on the schedule: the prober only records its error.
    expect(lanes(sent)).toEqual(['fast.example.com@0/20', 'fast.example.com@20/20', 'fast.example.com@40/20', 'slow.example.com+bad.example.com@-/-'].sort());
    expect(report).toMatchObject({ dispatched: 3, messages: 4, fastLane: 1, fastLaneCapped: 0, invalid: 1 });
  });

  test('the stack default puts every target in the lane, except one that says schedule', async () => {
    const { sent } = await run([{ target: 'a.example.com' }, { target: 'b.example.com', every: 'schedule' }], { defaultEveryMs: 30_000 });
    expect(lanes(sent)).toEqual(['a.example.com@0/30', 'a.example.com@30/30', 'b.example.com@-/-']);
  });

  test('on a 60-minute schedule the lane is capped at the 900 s the queue can delay, and counted', async () => {
    const { sent, report } = await run([{ target: 'a.example.com', every: '1m' }], { tickMs: 60 * MINUTE });
    expect({ messages: sent.length, lastDelay: Math.max(...sent.map((m) => m.delayS ?? 0)), capped: report.fastLaneCapped }).toEqual({ messages: 16, lastDelay: 900, capped: 1 });
  });
});
