import fc from 'fast-check';
import { Budget, deepBudgetMs, deepSlotWaitMs, maxProbeDurationMs, MIN_PHASE_MS } from '../../../lambda/probe/budget';

/** A monotonic clock the test moves by hand, so the budget's arithmetic is exact. */
function manualClock(): { readonly now: () => number; advance(ms: number): void } {
  let at = 1_000;
  return {
    now: () => at,
    advance: (ms) => {
      at += ms;
    },
  };
}

describe('Budget', () => {
  it('gives a phase its own timeout while the budget has more than that left', () => {
    // Prepare
    const clock = manualClock();
    const budget = new Budget(1000, clock.now);

    // Act
    clock.advance(100);

    // Assess
    expect(budget.remaining()).toBe(900);
    expect(budget.phaseMs(300)).toBe(300);
    expect(budget.startMs(300)).toBe(300);
  });

  it('cuts a phase to what the budget has left, in whole milliseconds, so it never ends past the budget', () => {
    // Prepare
    const clock = manualClock();
    const budget = new Budget(1000, clock.now);

    // Act
    clock.advance(850.4);

    // Assess
    expect(budget.phaseMs(300)).toBe(149);
    expect(budget.startMs(300)).toBe(149);
  });

  it('gives a phase no time, not a negative one, once the budget is spent', () => {
    // Prepare
    const clock = manualClock();
    const budget = new Budget(1000, clock.now);

    // Act
    clock.advance(1200);

    // Assess
    expect(budget.remaining()).toBe(-200);
    expect(budget.phaseMs(300)).toBe(0);
    expect(budget.startMs(300)).toBeNull();
  });

  it('starts no connection with less than MIN_PHASE_MS left, and one with exactly that', () => {
    // Prepare
    const clock = manualClock();
    const justEnough = new Budget(MIN_PHASE_MS, clock.now);
    const tooLittle = new Budget(MIN_PHASE_MS - 1, clock.now);

    // Act
    const started = justEnough.startMs(3000);
    const refused = tooLittle.startMs(3000);

    // Assess
    expect(started).toBe(MIN_PHASE_MS);
    expect(refused).toBeNull();
  });

  it('starts no connection when the phase timeout itself is below MIN_PHASE_MS', () => {
    // Act
    const started = new Budget(10_000, manualClock().now).startMs(MIN_PHASE_MS - 1);

    // Assess
    expect(started).toBeNull();
  });

  it('credits back the time spent waiting for a socket slot', () => {
    // Prepare
    const clock = manualClock();
    const budget = new Budget(1000, clock.now);

    // Act: 900 ms pass, 400 of them queued behind other targets' sockets.
    clock.advance(900);
    budget.credit(400);

    // Assess
    expect(budget.remaining()).toBe(500);
    expect(budget.phaseMs(300)).toBe(300);
  });

  it('never gives a phase more than its timeout or than the budget has left, nor starts one below MIN_PHASE_MS', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 1, max: 30_000 }),
        fc.double({ min: 0, max: 120_000, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 10_000, noNaN: true }), { maxLength: 4 }),
        (totalMs, timeoutMs, elapsedMs, credits) => {
          // Prepare
          const clock = manualClock();
          const budget = new Budget(totalMs, clock.now);
          clock.advance(elapsedMs);
          for (const ms of credits) budget.credit(ms);

          // Act
          const phase = budget.phaseMs(timeoutMs);
          const start = budget.startMs(timeoutMs);

          // Assess
          const left = budget.remaining();
          expect(phase).toBeGreaterThanOrEqual(0);
          expect(phase).toBeLessThanOrEqual(timeoutMs);
          expect(phase).toBeLessThanOrEqual(Math.max(0, left));
          if (start !== null) {
            expect(start).toBeGreaterThanOrEqual(MIN_PHASE_MS);
            expect(start).toBe(phase);
          } else {
            expect(phase).toBeLessThan(MIN_PHASE_MS);
          }
        },
      ),
    );
  });
});

describe('the probe duration bound', () => {
  it('holds DNS, the TCP phase, the deep-slot wait and the deep probe within maxProbeDurationMs, giving the deep probe at least one timeoutMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30_000 }).chain((timeoutMs) =>
          fc.tuple(fc.constant(timeoutMs), fc.double({ min: 0, max: timeoutMs, noNaN: true }), fc.double({ min: 0, max: timeoutMs, noNaN: true })),
        ),
        ([timeoutMs, dnsSpentMs, tcpSpentMs]) => {
          // Act: DNS and the TCP phase each within their own deadline (timeoutMs), the rest at their limit.
          const slotWaitMs = deepSlotWaitMs(timeoutMs, dnsSpentMs);
          const deepMs = deepBudgetMs(timeoutMs, tcpSpentMs);

          // Assess
          expect(slotWaitMs).toBeGreaterThanOrEqual(0);
          expect(deepMs).toBeGreaterThanOrEqual(timeoutMs);
          expect(dnsSpentMs + tcpSpentMs + slotWaitMs + deepMs).toBeLessThanOrEqual(maxProbeDurationMs(timeoutMs) + 1e-6);
        },
      ),
    );
  });

  it('leaves the deep probe no slot wait once DNS used its whole timeout, or more', () => {
    // Act
    const waits = [deepSlotWaitMs(3000, 3000), deepSlotWaitMs(3000, 3500)];

    // Assess
    expect(waits).toEqual([0, 0]);
  });
});
