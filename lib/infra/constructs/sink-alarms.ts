import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME, type MetricName } from '../../../lambda/contracts/metrics';
import type { DashboardGraph } from './portwatch-monitoring';
import { counterAlarm } from './ops-alarm';

/** Props of {@link SinkAlarms}. */
export interface SinkAlarmsProps {
  /** The sinks configured, by the name their metrics carry (SINK_NAMES). */
  readonly sinks: readonly string[];
  /** Notified on ALARM and OK (the operations topic). */
  readonly opsTopic: sns.ITopic;
  /** Time between ticks: a refused alert is retried about once per tick. */
  readonly tickRate: Duration;
  /**
   * Consecutive tick periods with refusals that raise a sink's alarm (a sink that is down, or one the
   * account has not enabled: Security Hub off in the region, a deleted bus).
   * @default 3
   */
  readonly failingTicksToAlarm?: number;
}

/**
 * One alarm per sink beside SNS (Security Hub, EventBridge, chat): the sink refused alerts in every
 * one of the last few ticks. A refusal never blocks or repeats the SNS alert, so without this alarm a
 * sink could fail quietly for the day after which its alerts are given up (SINK_GIVE_UP_MS).
 */
export class SinkAlarms extends Construct {
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** The sinks' figures for the dashboard: accepted, refused and given up by sink; still owed; Security Hub refreshes. */
  public readonly graphs: readonly DashboardGraph[];

  public constructor(scope: Construct, id: string, props: SinkAlarmsProps) {
    super(scope, id);
    const ticks = props.failingTicksToAlarm ?? 3;
    this.alarms = props.sinks.map((sink) =>
      counterAlarm(this, `${sink}FailingAlarm`, {
        description:
          `portwatch's ${sink} sink refused alerts in each of the last ${ticks} ticks; SNS alerts are unaffected. Look for ` +
          `"alert sink refused" in the prober logs (the error names the cause: not enabled, access denied, throttled). ` +
          'Each alert is retried for that sink alone for a day, then given up (SinkDeliveriesAbandoned).',
        metricName: METRIC.sinkFailures,
        dimensions: { sink },
        tickRate: props.tickRate,
        ticks,
        opsTopic: props.opsTopic,
      }),
    );
    const metric = (name: MetricName, label: string, sink?: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: SERVICE_NAME, ...(sink === undefined ? {} : { sink }) },
        statistic: cloudwatch.Stats.SUM,
        period: props.tickRate,
        label,
      });
    this.graphs = [
      {
        title: 'Alert sinks: accepted, refused, given up',
        left: props.sinks.flatMap((sink) => [
          metric(METRIC.sinkDeliveries, `${sink} accepted`, sink),
          metric(METRIC.sinkFailures, `${sink} refused`, sink),
          metric(METRIC.sinkDeliveriesAbandoned, `${sink} given up`, sink),
        ]),
      },
      {
        title: 'Alert sinks: owed, Security Hub refreshes',
        left: [
          metric(METRIC.sinkDeliveriesPending, 'alerts a sink is still owed'),
          metric(METRIC.findingsRefreshed, 'findings refreshed'),
          metric(METRIC.refreshFailures, 'refreshes refused'),
        ],
      },
    ];
  }
}
