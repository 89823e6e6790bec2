/**
 * The custom metrics of portwatch: namespace, service, names, units and the shape of a data point.
 * The handlers emit them (handlers/metric-points.ts turns a run report into points, Powertools writes
 * EMF on stdout); the CDK monitoring construct builds its dashboard and alarms on the same names, so
 * neither can point at a metric the other does not know.
 *
 * Names and values only (one type import): `lib/` loads it at synth time.
 */
import type { ProbeStatus } from '../probe/types';

/** CloudWatch namespace of every portwatch metric. */
export const METRICS_NAMESPACE = 'Portwatch';
/** Powertools service name: the `service` key of every log line and the default dimension of every metric. */
export const SERVICE_NAME = 'portwatch';

/** Every probe status, in the order dashboards show them. */
export const PROBE_STATUSES: readonly ProbeStatus[] = ['open', 'closed', 'filtered', 'unreachable', 'error'];

/**
 * The custom metrics: only what an alarm reads, or what is almost always zero. CloudWatch bills a
 * custom metric $0.30 a month for every hour it receives data, so a figure sent on every tick (ticks,
 * targets, probes by status, latency, tick duration, transitions, alerts sent) cost $2.40-2.70 a month
 * before any target was probed: those now travel in the log line each run already writes (LOG_LINES),
 * and the dashboard reads them with Logs Insights, paid only when someone looks. Ticks completed are
 * the dispatcher's own AWS/Lambda Invocations minus Errors, which are free.
 */
export const METRIC = {
  /** Targets-table items that fail validation (the prober records their error in their state). */
  invalidTargets: 'InvalidTargets',
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
  // Sinks beside SNS (Security Hub, EventBridge, chat), dimension `sink`: the SINK_NAMES below.
  /** Alerts a sink accepted. */
  sinkDeliveries: 'SinkDeliveries',
  /** Alerts a sink refused; each is retried by a later run, for that sink alone. */
  sinkFailures: 'SinkFailures',
  /** Alerts a sink refused for a day, given up for that sink. */
  sinkDeliveriesAbandoned: 'SinkDeliveriesAbandoned',
  /** Alerts SNS accepted that a sink is still owed when the batch ended (no `sink` dimension). */
  sinkDeliveriesPending: 'SinkDeliveriesPending',
  /** Quiet targets whose Security Hub findings were re-imported before the 90-day expiry. */
  findingsRefreshed: 'FindingsRefreshed',
  /** Refresh imports Security Hub refused (the next refresh, a week later, tries again). */
  refreshFailures: 'RefreshFailures',
  // Discovery, once per run.
  /** Account/region scopes a discovery run could not read (a member role missing, access denied): their targets are kept as they were. */
  discoveryScopesFailed: 'DiscoveryScopesFailed',
  // Several regions, dimension `vantage` (METRIC_DIMENSIONS.vantage): the region.
  /** Ticks whose messages a vantage point's probe queue refused (1 per tick and vantage point): its prober missed the tick. */
  vantageDispatchFailures: 'VantageDispatchFailures',
} as const;

/** Dimension names beside `service`, written by the handlers and read by the alarms. */
export const METRIC_DIMENSIONS = {
  /** A vantage point (region) of a multi-region deployment. */
  vantage: 'vantage',
} as const;

/** The sinks, by the name they carry in delivery marks (OutboxEntry.delivered) and the `sink` metric dimension. */
export const SINK_NAMES = { securityHub: 'security-hub', eventBridge: 'eventbridge', chat: 'chat' } as const;
/**
 * The log lines the dashboard reads (Logs Insights), one per dispatched tick and one per prober
 * batch, with the fields it charts. The handlers write them (handlers/metric-points.ts builds the
 * batch's fields); the monitoring construct queries them by these names.
 */
export const LOG_LINES = {
  tickDispatched: 'tick dispatched',
  batchProbed: 'batch probed',
} as const;

export const LOG_FIELDS = {
  /** tick dispatched: enabled targets sent to the probe queue. */
  dispatched: 'dispatched',
  /** batch probed: from the (oldest) tick of the batch to its end, in ms; its maximum is how long a tick took. */
  tickAgeMs: 'tickAgeMs',
  /** batch probed: the batch's probe latencies, median and maximum, in ms. */
  latencyP50Ms: 'latencyP50Ms',
  latencyMaxMs: 'latencyMaxMs',
  /** batch probed: probes by status, one field per status (`probesByStatus.open` ...). */
  probesByStatus: 'probesByStatus',
  transitions: 'transitions',
  postureChanges: 'postureChanges',
  alertsPublished: 'alertsPublished',
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
