/**
 * The custom metrics of portwatch, as pure functions from what a run reports to metric data points.
 * The handlers hand the points to Powertools (EMF on stdout); the CDK monitoring construct imports the
 * names and the namespace from here, so a dashboard or alarm can never point at a metric nobody emits.
 *
 * Dependency-free on purpose (type imports only): `lib/` loads it at synth time.
 */
import type { DispatchReport } from '../monitor/dispatch';
import type { ProbeStatus } from '../probe/types';
import type { RunReport } from '../monitor/prober/service';

/** CloudWatch namespace of every portwatch metric. */
export const METRICS_NAMESPACE = 'Portwatch';
/** Powertools service name: the `service` key of every log line and the default dimension of every metric. */
export const SERVICE_NAME = 'portwatch';

/** Every probe status, in the order dashboards show them. */
export const PROBE_STATUSES: readonly ProbeStatus[] = ['open', 'closed', 'filtered', 'unreachable', 'error'];

export const METRIC = {
  // Dispatcher, once per tick.
  /** 1 when a tick was dispatched, 0 when the dispatcher failed; its absence means the schedule stopped. */
  tickCompleted: 'TickCompleted',
  /** Enabled targets sent to the probe queue by one tick. */
  targetsPerTick: 'TargetsPerTick',
  /** Targets-table items that fail validation (the prober records their error in their state). */
  invalidTargets: 'InvalidTargets',
  // Prober, once per batch (one SQS invocation).
  /** Probes made, by the dimension `status` (re-probes that confirm a change count too). */
  probes: 'Probes',
  /** Duration of each probe (every phase and address of one target), one value per probe. */
  probeLatency: 'ProbeLatency',
  /** From the tick's scheduled time to the end of this batch: the Maximum is how long the tick took. */
  tickDuration: 'TickDuration',
  /** Open/closed changes recorded (muted ones included). */
  transitions: 'Transitions',
  /** Changes of an open target's findings recorded. */
  postureChanges: 'PostureChanges',
  /** Alerts SNS accepted (target alerts and "scanner degraded"). */
  alertsSent: 'AlertsSent',
  /** Alerts still owed (in a target's outbox) when the batch ended: SNS refused them or they were not reached. */
  alertsPending: 'AlertsPending',
  /** 1 when the batch held transitions because too many targets flipped at once (an alert storm), else 0. */
  scannerDegraded: 'ScannerDegraded',
  /** Targets not probed because the invocation ran out of time; their messages are retried. */
  targetsUnfinished: 'TargetsUnfinished',
  /** Suspected changes that a re-probe did not confirm (a lost SYN, a flapping port). */
  flapsSuppressed: 'FlapsSuppressed',
  /** SQS records returned as batch item failures (retried, then dead-lettered after 3 receives). */
  recordsRetried: 'RecordsRetried',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** The units portwatch uses; the strings are CloudWatch's (and Powertools' `MetricUnit` values). */
export type PortwatchMetricUnit = 'Count' | 'Milliseconds';

/** One metric with one or more values; `dimensions` come on top of the default `service` dimension. */
export interface MetricPoint {
  readonly name: MetricName;
  readonly unit: PortwatchMetricUnit;
  readonly values: readonly number[];
  readonly dimensions?: Readonly<Record<string, string>>;
}

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

/** A tick whose dispatch failed: a zero keeps the "no successful tick" alarm's data honest. */
export function failedDispatchMetrics(): MetricPoint[] {
  return [count(METRIC.tickCompleted, 0)];
}

/**
 * One batch of the prober. Event counters only when not zero (see nonZero). Probes by status are
 * emitted only for statuses seen: each status is its own EMF document (a dimension value applies to
 * a whole document), five at most.
 */
/** `tickAgeMs`: from the oldest tick of the batch to its end; null when no record carried a tick. */
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
  ];
  if (tickAgeMs !== null) points.push({ name: METRIC.tickDuration, unit: 'Milliseconds', values: [Math.max(0, tickAgeMs)] });
  if (report.probeLatenciesMs.length > 0) points.push({ name: METRIC.probeLatency, unit: 'Milliseconds', values: report.probeLatenciesMs });
  for (const status of PROBE_STATUSES) {
    const n = report.probesByStatus[status] ?? 0;
    if (n > 0) points.push({ ...count(METRIC.probes, n), dimensions: { status } });
  }
  return points;
}
