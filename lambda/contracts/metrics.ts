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
} as const;

/** The sinks, by the name they carry in delivery marks (OutboxEntry.delivered) and the `sink` metric dimension. */
export const SINK_NAMES = { securityHub: 'security-hub', eventBridge: 'eventbridge', chat: 'chat' } as const;

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
