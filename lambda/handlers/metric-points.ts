/**
 * Metric data points and log fields from what a run reports: one tick of the dispatcher, one batch of
 * the prober. The names and units are the contract's (contracts/metrics.ts); the handlers hand the
 * points to Powertools (adapters/aws/powertools.ts) and write the fields in their log line.
 */
import { LOG_FIELDS, METRIC, METRIC_DIMENSIONS, type MetricName, type MetricPoint } from '../contracts/metrics';
import type { DispatchReport } from '../monitor/dispatch';
import type { RunReport } from '../monitor/prober/service';

const count = (name: MetricName, value: number): MetricPoint => ({ name, unit: 'Count', values: [value] });

/** A successful tick: only the invalid items, when there are any (ticks completed are the dispatcher's own Lambda metrics). */
export function dispatchMetrics(report: DispatchReport): MetricPoint[] {
  return [
    ...nonZero(METRIC.invalidTargets, report.invalid),
    // Several regions: 1 per vantage point whose queue refused the tick, sent only then (alarmed per vantage point).
    ...(report.vantageFailures ?? []).map(({ vantage }) => ({ ...count(METRIC.vantageDispatchFailures, 1), dimensions: { [METRIC_DIMENSIONS.vantage]: vantage } })),
  ];
}

/**
 * Event counters are sent only when something happened. CloudWatch bills a custom metric for each
 * hour it receives data ($0.30 a month when it receives some every hour): counters that are almost
 * always 0 would cost dollars a month to say so. Every alarm on them treats missing data as not breaching.
 */
function nonZero(name: MetricName, value: number): MetricPoint[] {
  return value === 0 ? [] : [count(name, value)];
}

/** One point per sink that counted something, with the sink as its dimension. */
function bySink(name: MetricName, counts: Readonly<Record<string, number>>): MetricPoint[] {
  return Object.entries(counts).flatMap(([sink, n]) => nonZero(name, n).map((p) => ({ ...p, dimensions: { sink } })));
}

/** One batch of the prober: the counters alarms read or that are almost always 0, each only when not zero (see nonZero). */
export function batchMetrics(report: RunReport): MetricPoint[] {
  return [
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
}

/**
 * The fields of a batch's log line that the dashboard charts (contracts/metrics.ts: LOG_FIELDS), the
 * run's counts beside them. `tickAgeMs`: from the oldest tick of the batch to its end; absent when no
 * record carried a tick. The latencies are summarised: one value per probe would make the line grow
 * with the batch.
 */
export function batchLogFields(report: RunReport, tickAgeMs: number | null): Record<string, unknown> {
  const { probeLatenciesMs, failedGroups, ...counts } = report;
  const sorted = [...probeLatenciesMs].sort((a, b) => a - b);
  return {
    ...counts,
    failedGroups: failedGroups.length,
    ...(tickAgeMs === null ? {} : { [LOG_FIELDS.tickAgeMs]: Math.max(0, tickAgeMs) }),
    ...(sorted.length > 0 ? { [LOG_FIELDS.latencyP50Ms]: sorted[Math.floor((sorted.length - 1) / 2)], [LOG_FIELDS.latencyMaxMs]: sorted[sorted.length - 1] } : {}),
  };
}
