import type { DispatchReport } from '../../../lambda/monitor/dispatch';
import type { RunReport } from '../../../lambda/monitor/prober/service';
import { METRIC } from '../../../lambda/contracts/metrics';
import { batchMetrics, dispatchMetrics, failedDispatchMetrics } from '../../../lambda/handlers/metric-points';

const dispatchReport: DispatchReport = { tick: '2026-11-24T10:00:00Z', scanned: 120, dispatched: 112, skippedDisabled: 5, invalid: 3, oversize: 0, messages: 5, pages: 1, fastLane: 0, fastLaneCapped: 0 };

const runReport = (over: Partial<RunReport> = {}): RunReport => ({
  failedGroups: [],
  probed: 0,
  skippedDisabled: 0,
  invalid: 0,
  writes: 0,
  alertsPublished: 0,
  unfinished: 0,
  flapsSuppressed: 0,
  held: 0,
  alertsPending: 0,
  transitions: 0,
  postureChanges: 0,
  probesByStatus: {},
  probeLatenciesMs: [],
  digestHits: 0,
  digestsRecorded: 0,
  digestChecks: 0,
  connectOnly: 0,
  ...over,
});


const byName = (points: ReturnType<typeof batchMetrics>) => Object.fromEntries(points.filter((p) => !p.dimensions).map((p) => [p.name, p.values]));

describe('dispatchMetrics', () => {
  it('a dispatched tick: TickCompleted 1, the targets sent and the invalid items, as counts', () => {
    expect(dispatchMetrics(dispatchReport)).toEqual([
      { name: 'TickCompleted', unit: 'Count', values: [1] },
      { name: 'TargetsPerTick', unit: 'Count', values: [112] },
      { name: 'InvalidTargets', unit: 'Count', values: [3] },
    ]);
  });

  it('no invalid items: no InvalidTargets point (a metric costs for every hour it gets data)', () => {
    expect(dispatchMetrics({ ...dispatchReport, invalid: 0 }).map((p) => p.name)).toEqual(['TickCompleted', 'TargetsPerTick']);
  });

  it('a failed tick: TickCompleted 0 and nothing else', () => {
    expect(failedDispatchMetrics()).toEqual([{ name: 'TickCompleted', unit: 'Count', values: [0] }]);
  });
});

describe('batchMetrics', () => {
  it('a quiet batch sends no counter at all (each would be billed for the hour to say 0)', () => {
    // Act
    const points = batchMetrics(runReport(), null);
    // Assess
    expect(points).toEqual([]);
  });

  it('maps the run report onto the counters', () => {
    // Prepare
    const report = runReport({ alertsPublished: 3, unfinished: 4, flapsSuppressed: 2, failedGroups: ['m1', 'm2'], probed: 40, writes: 9, transitions: 2, postureChanges: 1, alertsPending: 5 });
    // Act
    const counts = byName(batchMetrics(report, null));
    // Assess
    expect(counts).toMatchObject({ Transitions: [2], PostureChanges: [1], AlertsSent: [3], AlertsPending: [5], TargetsUnfinished: [4], FlapsSuppressed: [2], RecordsRetried: [2] });
  });

  it.each([
    [0, 0],
    [1, 1],
    [37, 1],
  ])('ScannerDegraded is 1 when transitions were held (held %p -> %p)', (held, degraded) => {
    expect(byName(batchMetrics(runReport({ held }), null)).ScannerDegraded).toEqual(degraded === 0 ? undefined : [degraded]);
  });

  it('probes by status: one point per status seen, with the dimension status, in a fixed order', () => {
    // Act
    const points = batchMetrics(runReport({ probesByStatus: { filtered: 2, open: 7, error: 1, closed: 0 } }), null);
    // Assess
    expect(points.filter((p) => p.name === METRIC.probes)).toEqual([
      { name: 'Probes', unit: 'Count', values: [7], dimensions: { status: 'open' } },
      { name: 'Probes', unit: 'Count', values: [2], dimensions: { status: 'filtered' } },
      { name: 'Probes', unit: 'Count', values: [1], dimensions: { status: 'error' } },
    ]);
  });

  it('ProbeLatency carries one value per probe; TickDuration the age of the oldest tick, never negative', () => {
    // Act
    const points = batchMetrics(runReport({ probeLatenciesMs: [12, 3001, 40] }), 61_500);
    const skewed = batchMetrics(runReport(), -250);
    // Assess
    expect(points).toEqual(
      expect.arrayContaining([
        { name: 'ProbeLatency', unit: 'Milliseconds', values: [12, 3001, 40] },
        { name: 'TickDuration', unit: 'Milliseconds', values: [61_500] },
      ]),
    );
    expect(skewed).toContainEqual({ name: 'TickDuration', unit: 'Milliseconds', values: [0] });
  });
});
