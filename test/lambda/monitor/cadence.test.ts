import { postureDue } from '../../../lambda/monitor/cadence';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const targets = Array.from({ length: 1000 }, (_, i) => `broker-${i}.example.com:8883`);

describe('postureDue', () => {
  it('at 1-minute ticks and 5-minute posture, each target goes deep exactly once in any 5 consecutive ticks', () => {
    // Act
    const dueTicks = targets.map((t) => [0, 1, 2, 3, 4].filter((i) => postureDue(t, T0 + i * MINUTE, { tickMs: MINUTE, postureEveryMs: 5 * MINUTE })));

    // Assess
    expect(dueTicks.every((ticks) => ticks.length === 1)).toBe(true);
  });

  it('spreads the deep looks over the ticks instead of bunching them on one', () => {
    // Act
    const perTick = [0, 1, 2, 3, 4].map((i) => targets.filter((t) => postureDue(t, T0 + i * MINUTE, { tickMs: MINUTE, postureEveryMs: 5 * MINUTE })).length);

    // Assess: 200 each on average; every tick within 25 % of it.
    for (const n of perTick) expect(Math.abs(n - 200)).toBeLessThan(50);
  });

  it('a tick delivered late (or retried) keeps its scheduled answer', () => {
    const cadence = { tickMs: MINUTE, postureEveryMs: 5 * MINUTE };
    for (const t of targets.slice(0, 50)) expect(postureDue(t, T0 + 2 * MINUTE + 20_000, cadence)).toBe(postureDue(t, T0 + 2 * MINUTE, cadence));
  });

  it('every tick is deep when posture is due at least as often as ticks come', () => {
    expect(targets.every((t) => postureDue(t, T0, { tickMs: 5 * MINUTE, postureEveryMs: 5 * MINUTE }))).toBe(true);
    expect(targets.every((t) => postureDue(t, T0, { tickMs: 5 * MINUTE, postureEveryMs: MINUTE }))).toBe(true);
  });
});
