import type { DispatchReport } from '../../../lambda/monitor/dispatch';
import type { RunReport } from '../../../lambda/monitor/prober/service';
import { batchLogFields, batchMetrics, dispatchMetrics } from '../../../lambda/handlers/metric-points';

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
  sinkDeliveries: {},
  sinkFailures: {},
  sinksAbandoned: {},
  sinkPending: 0,
  refreshed: 0,
  refreshFailures: 0,
  ...over,
});


const byName = (points: ReturnType<typeof batchMetrics>) => Object.fromEntries(points.filter((p) => !p.dimensions).map((p) => [p.name, p.values]));

describe('dispatchMetrics', () => {
  it('a dispatched tick: only the invalid items, as a count (ticks completed are the Lambda\'s own metrics)', () => {
    expect(dispatchMetrics(dispatchReport)).toEqual([{ name: 'InvalidTargets', unit: 'Count', values: [3] }]);
  });

  it('no invalid items: no point at all (a metric costs for every hour it gets data)', () => {
    expect(dispatchMetrics({ ...dispatchReport, invalid: 0 })).toEqual([]);
  });
});

describe('batchMetrics', () => {
  it('a quiet batch sends no counter at all (each would be billed for the hour to say 0)', () => {
    expect(batchMetrics(runReport({ probed: 40, probesByStatus: { open: 30, closed: 10 }, probeLatenciesMs: [12, 40], transitions: 2, alertsPublished: 2 }))).toEqual([]);
  });

  it('maps the run report onto the counters alarms read or that are almost always zero', () => {
    // Prepare
    const report = runReport({ alertsPublished: 3, unfinished: 4, flapsSuppressed: 2, failedGroups: ['m1', 'm2'], probed: 40, writes: 9, transitions: 2, postureChanges: 1, alertsPending: 5 });
    // Act
    const counts = byName(batchMetrics(report));
    // Assess
    expect(counts).toEqual({ AlertsPending: [5], TargetsUnfinished: [4], FlapsSuppressed: [2], RecordsRetried: [2] });
  });

  it.each([
    [0, 0],
    [1, 1],
    [37, 1],
  ])('ScannerDegraded is 1 when transitions were held (held %p -> %p)', (held, degraded) => {
    expect(byName(batchMetrics(runReport({ held }))).ScannerDegraded).toEqual(degraded === 0 ? undefined : [degraded]);
  });
});

describe('batchLogFields', () => {
  it('the figures the dashboard charts: counts, probes by status, the tick\'s age and the latency median and maximum', () => {
    // Act
    const fields = batchLogFields(runReport({ probesByStatus: { filtered: 2, open: 7 }, probeLatenciesMs: [12, 3001, 40, 7], transitions: 2, alertsPublished: 1, failedGroups: ['m1'] }), 61_500);
    // Assess
    expect(fields).toMatchObject({ tickAgeMs: 61_500, latencyP50Ms: 12, latencyMaxMs: 3001, probesByStatus: { filtered: 2, open: 7 }, transitions: 2, alertsPublished: 1, failedGroups: 1 });
    expect(fields).not.toHaveProperty('probeLatenciesMs');
  });

  it('a skewed clock never makes the tick\'s age negative; no tick, no age; no probe, no latency', () => {
    expect(batchLogFields(runReport(), -250)).toMatchObject({ tickAgeMs: 0 });
    const none = batchLogFields(runReport(), null);
    expect(none).not.toHaveProperty('tickAgeMs');
    expect(none).not.toHaveProperty('latencyP50Ms');
  });
});
