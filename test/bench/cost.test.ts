/** The cost model (bench/cost.ts) on fixed inputs: what the stack costs before any target, and what the fast lane adds. Pure arithmetic. */
import { AS_BUILT, FLEETS, monthlyCost, type Measured } from '../../bench/cost';

const MEASURED: Measured = {
  cpuMsTcpClosed: 0.04,
  cpuMsTcpOpen: 0.05,
  cpuMsDeep: 2.5,
  proberMsTcp: 0.035,
  proberMsDeep: 0.083,
  stateBytesTcp: 417,
  stateBytesDeep: 2394,
  stateWithOutboxBytesDeep: 7132,
  dispatchMsPer1k: 10,
  messageBytes: 1300,
  targetItemBytes: 44,
  digestBytes: 81,
  deepPayloadBytesOut: 615,
  deepConnections: 3,
};
const BROKERS = FLEETS[0] as (typeof FLEETS)[number];

describe('monthlyCost', () => {
  test('the fixed part is the alarms (11 alarm metrics) and the event source polling an idle queue: no custom metric is sent every hour', () => {
    const c = monthlyCost(MEASURED, BROKERS, 1_000, 1);
    expect(c.fixed).toBeCloseTo(11 * 0.1 + 650_000 * 0.4e-6, 6);
  });

  test('the fast lane at 10 s: six looks a minute, the dispatcher still once, deep looks still every 5 minutes', () => {
    const minute = monthlyCost(MEASURED, BROKERS, 10_000, 1);
    const lane = monthlyCost(MEASURED, BROKERS, 10_000, 1 / 6, undefined, { ...AS_BUILT, looksPerTick: 6 });
    // Deep looks (1.7 KB each) stay one per broker every 5 minutes; connects and SYNs are six times as many.
    expect(lane.transfer / minute.transfer).toBeGreaterThan(2);
    expect(lane.transfer / minute.transfer).toBeLessThan(4);
    // Lambda time scales with the looks, less the deep looks' CPU, which does not multiply.
    expect(lane.lambda / minute.lambda).toBeGreaterThan(3);
    expect(lane.lambda / minute.lambda).toBeLessThan(7);
    expect(lane.fixed).toBe(minute.fixed);
  });
});
