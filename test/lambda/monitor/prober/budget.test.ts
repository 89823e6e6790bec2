import fc from 'fast-check';
import { maxProbeDurationMs } from '../../../../lambda/probe';
import { runBudget, targetBudgetMs, timeoutThatFits, WRITES_ALLOWANCE_MS } from '../../../../lambda/monitor/prober/budget';

const PROBE_OPTIONS = { timeoutMs: 3000, certExpiringDays: 14 };

describe('targetBudgetMs', () => {
  it('counts every confirmation look at its worst, the pauses between them, and the writes', () => {
    // Act
    const budget = targetBudgetMs(3000, 2, 1000);
    // Assess: the figure docs/scaling.md quotes (2 x 9 s + 1 s + 2 s).
    expect(budget).toBe(2 * maxProbeDurationMs(3000) + 1000 + WRITES_ALLOWANCE_MS);
    expect(budget).toBe(21_000);
  });

  it('treats fewer than one attempt as one look without pauses', () => {
    // Act / Assess
    expect(targetBudgetMs(3000, 0, 1000)).toBe(targetBudgetMs(3000, 1, 1000));
    expect(targetBudgetMs(3000, 1, 1000)).toBe(maxProbeDurationMs(3000) + WRITES_ALLOWANCE_MS);
  });
});

describe('timeoutThatFits, the inverse of targetBudgetMs', () => {
  const confirmation = fc.record({ attempts: fc.integer({ min: 0, max: 5 }), delayMs: fc.integer({ min: 0, max: 10_000 }) });

  it('gives the longest deadline whose budget fits: one millisecond more does not (2,000 cases)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 900_000 }), confirmation, (budgetMs, { attempts, delayMs }) => {
        // Act
        const timeoutMs = timeoutThatFits(budgetMs, attempts, delayMs);
        // Assess
        expect(targetBudgetMs(timeoutMs, attempts, delayMs)).toBeLessThanOrEqual(budgetMs);
        expect(targetBudgetMs(timeoutMs + 1, attempts, delayMs)).toBeGreaterThan(budgetMs);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('gives back the deadline a budget was computed from (round trip)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30_000 }), confirmation, (timeoutMs, { attempts, delayMs }) => {
        // Act / Assess
        expect(timeoutThatFits(targetBudgetMs(timeoutMs, attempts, delayMs), attempts, delayMs)).toBe(timeoutMs);
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('leaves nothing for the probe when the time left is only the writes allowance', () => {
    // Act / Assess
    expect(timeoutThatFits(WRITES_ALLOWANCE_MS, 1, 0)).toBe(0);
    expect(timeoutThatFits(WRITES_ALLOWANCE_MS - 1, 1, 0)).toBeLessThan(0);
  });
});

describe('runBudget', () => {
  const config = { probeOptions: PROBE_OPTIONS, confirmAttempts: 2, confirmDelayMs: 1000 };

  it('without a deadline, gives every target the deadline it asks for, or the default', () => {
    // Act
    const budget = runBudget(config, undefined);
    // Assess
    expect(budget.timeoutMs(undefined)).toBe(3000);
    expect(budget.timeoutMs(500)).toBe(500);
    expect(budget.timeoutMs(30_000)).toBe(30_000);
    expect(budget.budgetMs(30_000)).toBe(targetBudgetMs(30_000, 2, 1000));
  });

  it("cuts a target's own deadline to what fits in the time left, never below the default", () => {
    // Prepare: 60 s left fits a deadline of (60 - 2 - 1) / 6 = 9.5 s.
    const fits = timeoutThatFits(60_000, 2, 1000);
    // Act
    const roomy = runBudget(config, 60_000);
    const tight = runBudget(config, 10_000);
    // Assess
    expect(fits).toBe(9500);
    expect(roomy.timeoutMs(30_000)).toBe(fits);
    expect(roomy.timeoutMs(5000)).toBe(5000);
    expect(roomy.budgetMs(30_000)).toBeLessThanOrEqual(60_000);
    // Too little time for even the default: the default stands, and the caller's budget check skips the target.
    expect(tight.timeoutMs(30_000)).toBe(3000);
    expect(tight.timeoutMs(undefined)).toBe(3000);
    expect(tight.budgetMs(30_000)).toBe(targetBudgetMs(3000, 2, 1000));
  });
});
