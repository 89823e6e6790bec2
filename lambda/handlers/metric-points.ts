/**
 * Metric data points from what a run reports: one tick of the dispatcher, one batch of the prober.
 * The names and units are the metric contract's (contracts/metrics.ts); the handlers hand the points
 * to Powertools (adapters/aws/powertools.ts).
 */
import { METRIC, PROBE_STATUSES, type MetricName, type MetricPoint } from '../contracts/metrics';
import type { DispatchReport } from '../monitor/dispatch';
import type { RunReport } from '../monitor/prober/service';

const count = (name: MetricName, value: number): MetricPoint => ({ name, unit: 'Count', values: [value] });

/** A successful tick. */
export function dispatchMetrics(report: DispatchReport): MetricPoint[] {
  return [count(METRIC.tickCompleted, 1), count(METRIC.targetsPerTick, report.dispatched), ...nonZero(METRIC.invalidTargets, report.invalid)];
}

/**
 * Event counters are sent only when something happened. CloudWatch bills a custom metric for each
 * hour it receives data ($0.30 a month when it receives some every hour): eight counters that are
 * almost always 0 would cost $2.40 a month to say so, more than the probing of 1,000 targets at
 * 5-minute ticks. Every alarm on them treats missing data as not breaching.
 */
function nonZero(name: MetricName, value: number): MetricPoint[] {
  return value === 0 ? [] : [count(name, value)];
}

/** One point per sink that counted something, with the sink as its dimension. */
function bySink(name: MetricName, counts: Readonly<Record<string, number>>): MetricPoint[] {
  return Object.entries(counts).flatMap(([sink, n]) => nonZero(name, n).map((p) => ({ ...p, dimensions: { sink } })));
}

/** A tick whose dispatch failed: a zero keeps the "no successful tick" alarm's data honest. */
export function failedDispatchMetrics(): MetricPoint[] {
  return [count(METRIC.tickCompleted, 0)];
}

/**
 * One batch of the prober. Event counters only when not zero (see nonZero). Probes by status are
 * emitted only for statuses seen: each status is its own EMF document (a dimension value applies to
 * a whole document), five at most. `tickAgeMs`: from the oldest tick of the batch to its end; null
 * when no record carried a tick.
 */
export function batchMetrics(report: RunReport, tickAgeMs: number | null): MetricPoint[] {
  const points: MetricPoint[] = [
    ...nonZero(METRIC.transitions, report.transitions),
    ...nonZero(METRIC.postureChanges, report.postureChanges),
    ...nonZero(METRIC.alertsSent, report.alertsPublished),
    ...nonZero(METRIC.alertsPending, report.alertsPending),
    ...nonZero(METRIC.scannerDegraded, report.held > 0 ? 1 : 0),
    ...nonZero(METRIC.targetsUnfinished, report.unfinished),
    ...nonZero(METRIC.flapsSuppressed, report.flapsSuppressed),
    ...nonZero(METRIC.recordsRetried, report.failedGroups.length),
    ...nonZero(METRIC.sinkDeliveriesPending, report.sinkPending),
    ...nonZero(METRIC.findingsRefreshed, report.refreshed),
    ...nonZero(METRIC.refreshFailures, report.refreshFailures),
    ...bySink(METRIC.sinkDeliveries, report.sinkDeliveries),
    ...bySink(METRIC.sinkFailures, report.sinkFailures),
    ...bySink(METRIC.sinkDeliveriesAbandoned, report.sinksAbandoned),
  ];
  if (tickAgeMs !== null) points.push({ name: METRIC.tickDuration, unit: 'Milliseconds', values: [Math.max(0, tickAgeMs)] });
  if (report.probeLatenciesMs.length > 0) points.push({ name: METRIC.probeLatency, unit: 'Milliseconds', values: report.probeLatenciesMs });
  for (const status of PROBE_STATUSES) {
    const n = report.probesByStatus[status] ?? 0;
    if (n > 0) points.push({ ...count(METRIC.probes, n), dimensions: { status } });
  }
  return points;
}
