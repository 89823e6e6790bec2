/** Clock skew for tests: each simulated prober reads the scenario's clock through its own offset. */
import type { FaultPlan } from './faults';

/**
 * The largest offset a prober's clock has from the scenario's (both directions). Lambda clocks are
 * kept by Amazon Time Sync to within milliseconds; 30 s is what an unsynchronised host (a laptop
 * running `portwatch local` beside the deployed stack, a VM after a suspend) can drift to, so two
 * probers may disagree by twice this.
 */
export const MAX_CLOCK_SKEW_MS = 30_000;

/**
 * A prober's offset: 0 when the scenario runs on one clock, else uniform in
 * [-MAX_CLOCK_SKEW_MS, MAX_CLOCK_SKEW_MS], with the edges (the worst case) a third of the time.
 * Every skewed prober is counted as one `clock-skew` fault.
 */
export function drawSkewMs(plan: FaultPlan, skewed: boolean): number {
  if (!skewed) return 0;
  plan.count('clock', 'clock-skew');
  const edge = plan.random() < 1 / 3;
  const sign = plan.random() < 0.5 ? -1 : 1;
  return Math.round(sign * (edge ? MAX_CLOCK_SKEW_MS : plan.random() * MAX_CLOCK_SKEW_MS));
}

/** The clock a prober reads: the scenario's time plus its offset. */
export function skewedClock(baseMs: () => number, skewMs: number): () => Date {
  return () => new Date(baseMs() + skewMs);
}
