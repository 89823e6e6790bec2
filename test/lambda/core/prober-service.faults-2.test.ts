import { runCampaign } from '../../helpers/fault-campaign';

/*
 * Fault-injection campaign, part 2 of 2 (two files so jest runs the halves on both cores).
 * PORTWATCH_SCENARIOS sets the total (1,000 in CI; `npm run soak` runs 20,000), PORTWATCH_SEED the first seed.
 */
const TOTAL = Number(process.env.PORTWATCH_SCENARIOS ?? 1000);
const HALF = Math.ceil(TOTAL / 2);
const FIRST = Number(process.env.PORTWATCH_SEED ?? 1) + HALF;
const COUNT = TOTAL - HALF;

describe('fault-injection campaign (seeded), part 2', () => {
  it(`${COUNT} scenarios: every transition recorded once and alerted exactly once`, async () => {
    // Act
    const { totals, failures } = await runCampaign(FIRST, COUNT);
    // Assess
    if (process.env.PORTWATCH_FUZZ_REPORT === '1') {
      console.log(JSON.stringify({ part: 2, firstSeed: FIRST, ...totals, faults: Object.fromEntries([...totals.faults].sort()) }, null, 1));
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(totals.duplicates).toBe(0);
    expect(totals.lost).toBe(0);
    expect(totals.transitions).toBeGreaterThan(COUNT / 2);
    expect([...totals.faults.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(COUNT);
  }, 900_000);
});
