import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LOG_FIELDS, LOG_LINES, METRIC, METRICS_NAMESPACE, PROBE_STATUSES, SERVICE_NAME, type MetricName } from '../../../lambda/contracts/metrics';
import { PortwatchConfigError, requireIntegerInRange } from './config-validation';

/** A queue shown on the dashboard under a name an operator recognises. */
interface LabelledQueue {
  readonly label: string;
  readonly queue: sqs.IQueue;
}

/** Props of {@link PortwatchMonitoring}. */
/** A function and the log group it writes to (the dashboard queries its log lines). */
export type LoggingFunction = lambda.IFunction & { readonly logGroup: logs.ILogGroup };

export interface PortwatchMonitoringProps {
  readonly dispatcher: LoggingFunction;
  readonly prober: LoggingFunction;
  readonly probeQueue: sqs.IQueue;
  /** Dead-letter queues whose depth the dashboard shows (their alarms come in `alarms`). */
  readonly deadLetterQueues: readonly LabelledQueue[];
  readonly stateTable: dynamodb.ITable;
  /** The alerts topic: its deliveries and failures are shown, it is never notified from here. */
  readonly alertsTopic: sns.ITopic;
  /** The operations topic: every alarm of this construct notifies it, on ALARM and on OK. */
  readonly opsTopic: sns.ITopic;
  /** Time between ticks: the period of the tick alarms, and the longest a probe message may wait. */
  readonly tickRate: Duration;
  /**
   * Consecutive tick periods without a completed tick that raise the missed-tick alarm (1-10).
   * @default 3
   */
  readonly missedTicksToAlarm?: number;
  /**
   * Consecutive tick periods with an alert still owed that raise the alerts-pending alarm (1-10).
   * @default 3
   */
  readonly pendingTicksToAlarm?: number;
  /** Alarms made elsewhere (the dead-letter queue alarms), shown on the dashboard with these. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * Graphs of the features a deployment switched on (alert sinks, discovery), each built by that
   * feature's construct from its own metrics, in a last row: every custom metric sent is on the dashboard.
   * @default - none
   */
  readonly featureGraphs?: readonly DashboardGraph[];
}

/** A graph another construct asks the dashboard to show. */
export interface DashboardGraph {
  readonly title: string;
  readonly left: readonly cloudwatch.IMetric[];
}

/** Period of the dashboard graphs and of the Lambda alarms. */
const PERIOD = Duration.minutes(5);

/**
 * What an operator of portwatch looks at: a dashboard of the scanner's health (ticks, probes, Lambda,
 * queues) and of the fleet's state (transitions, posture changes, alerts), and the alarms that say
 * portwatch itself needs attention, all notifying the operations topic. The dashboard name is
 * generated: see the DashboardUrl output. docs/operations.md says what each alarm means and what to do.
 */
export class PortwatchMonitoring extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** Probe messages wait longer than a tick: a tick did not finish before the next one began. */
  public readonly backlogAlarm: cloudwatch.Alarm;
  /** No tick completed for `missedTicksToAlarm` tick periods. */
  public readonly missedTickAlarm: cloudwatch.Alarm;
  /** An alert stayed owed for `pendingTicksToAlarm` tick periods. */
  public readonly alertsPendingAlarm: cloudwatch.Alarm;
  /** A batch held transitions because too many targets flipped at once. */
  public readonly scannerDegradedAlarm: cloudwatch.Alarm;
  /** Errors and throttles of the dispatcher and the prober. */
  public readonly functionAlarms: readonly cloudwatch.Alarm[];
  /** Console address of the dashboard. */
  public readonly dashboardUrl: string;

  public constructor(scope: Construct, id: string, props: PortwatchMonitoringProps) {
    super(scope, id);

    const tick = props.tickRate;
    const missedTicks = requireEvaluationRange('missedTicksToAlarm', props.missedTicksToAlarm ?? 3, tick);
    const pendingTicks = requireEvaluationRange('pendingTicksToAlarm', props.pendingTicksToAlarm ?? 3, tick);
    const action = new cloudwatchActions.SnsAction(props.opsTopic);
    const alarm = (alarmId: string, alarmProps: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, alarmProps);
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };
    const custom = (name: MetricName, statistic: string, period: Duration, label?: string, dimensions: Record<string, string> = {}): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: SERVICE_NAME, ...dimensions },
        statistic,
        period,
        label,
      });

    const oldestProbeMessage = props.probeQueue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM });
    this.backlogAlarm = alarm('ProbeBacklogAlarm', {
      alarmDescription:
        'portwatch probe messages wait longer than one tick: a tick did not finish before the next began, the probers ' +
        'cannot keep up. Raise proberMaxConcurrency, lower the tick rate, or look for slow targets in the prober logs.',
      metric: oldestProbeMessage,
      threshold: tick.toSeconds(),
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // A completed tick is a dispatcher invocation that did not fail: the function's own AWS/Lambda
    // metrics, free, where a custom TickCompleted metric cost $0.30 a month (contracts/metrics.ts).
    const ticksCompleted = (period: Duration): cloudwatch.MathExpression =>
      new cloudwatch.MathExpression({
        expression: 'invocations - FILL(errors, 0)',
        usingMetrics: {
          invocations: props.dispatcher.metricInvocations({ period, statistic: cloudwatch.Stats.SUM }),
          errors: props.dispatcher.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        },
        period,
        label: 'ticks completed',
      });
    this.missedTickAlarm = alarm('MissedTickAlarm', {
      alarmDescription:
        `portwatch completed no tick for ${missedTicks} tick periods (${tick.toHumanString()} each): targets are not being ` +
        'probed. Check the schedule rule is enabled, the dispatcher errors and logs, and the dispatch failure queue.',
      metric: ticksCompleted(tick),
      threshold: 1,
      evaluationPeriods: missedTicks,
      datapointsToAlarm: missedTicks,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data is the failure this alarm exists for: a schedule that stopped invokes nothing at all.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    this.alertsPendingAlarm = alarm('AlertsPendingAlarm', {
      alarmDescription:
        `portwatch has owed at least one alert for ${pendingTicks} tick periods: SNS keeps refusing it or its target's ` +
        'state cannot be written. Look for "target failed" in the prober logs; the alert is delivered once the cause is gone.',
      metric: custom(METRIC.alertsPending, cloudwatch.Stats.MAXIMUM, tick),
      threshold: 0,
      evaluationPeriods: pendingTicks,
      datapointsToAlarm: pendingTicks,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.scannerDegradedAlarm = alarm('ScannerDegradedAlarm', {
      alarmDescription:
        "portwatch saw too many targets flip open/closed at once and holds their alerts: most likely the scanner's own " +
        'network, not the fleet. Check the prober logs ("alert storm") and Lambda networking; held changes alert once the storm outlasts the hold.',
      metric: custom(METRIC.scannerDegraded, cloudwatch.Stats.MAXIMUM, tick),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const functions = [
      { name: 'Dispatcher', fn: props.dispatcher },
      { name: 'Prober', fn: props.prober },
    ];
    this.functionAlarms = functions.flatMap(({ name, fn }) => [
      alarm(`${name}ErrorsAlarm`, {
        alarmDescription:
          `The portwatch ${name.toLowerCase()} Lambda failed (an exception or a timeout). Its work is retried; read the ` +
          'errors in its log group. Repeated failures end in a dead-letter queue, which has its own alarm.',
        metric: fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      alarm(`${name}ThrottlesAlarm`, {
        alarmDescription:
          `The portwatch ${name.toLowerCase()} Lambda was throttled: the account or function concurrency limit was reached. ` +
          'Raise the account limit or lower proberMaxConcurrency; throttled work is retried.',
        metric: fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ]);

    const ownAlarms = [this.missedTickAlarm, this.backlogAlarm, this.alertsPendingAlarm, this.scannerDegradedAlarm, ...this.functionAlarms];
    const heading = (markdown: string): cloudwatch.IWidget[] => [new cloudwatch.TextWidget({ markdown, width: 24, height: 1 })];
    const graph = (title: string, left: cloudwatch.IMetric[], more: Partial<cloudwatch.GraphWidgetProps> = {}): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...more });
    // Figures sent on every tick live in the functions' log lines (contracts/metrics.ts: LOG_LINES), read
    // here with Logs Insights: billed per GB scanned when the dashboard is opened, not per hour of data.
    const logChart = (title: string, fns: readonly LoggingFunction[], line: string, stats: readonly string[]): cloudwatch.LogQueryWidget =>
      new cloudwatch.LogQueryWidget({
        title,
        logGroupNames: fns.map((fn) => fn.logGroup.logGroupName),
        queryLines: [`filter message = "${line}"`, `stats ${stats.join(', ')} by bin(5m)`],
        view: cloudwatch.LogQueryVisualizationType.LINE,
        width: 12,
        height: 6,
      });
    const functionWidgets = ({ name, fn }: (typeof functions)[number]): cloudwatch.IWidget[] => [
      graph(`${name}: invocations, errors, throttles`, [
        fn.metricInvocations({ period: PERIOD }),
        fn.metricErrors({ period: PERIOD }),
        fn.metricThrottles({ period: PERIOD }),
      ]),
      graph(`${name}: duration`, [
        fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
        fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      ]),
    ];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'portwatch alarms', alarms: [...ownAlarms, ...props.alarms], width: 24 })],
        heading('## Scanner health'),
        [
          graph('Ticks', [ticksCompleted(PERIOD)], { leftYAxis: { min: 0 } }),
          logChart('Targets per tick', [props.dispatcher], LOG_LINES.tickDispatched, [`max(${LOG_FIELDS.dispatched}) as targets`]),
        ],
        [
          logChart('Tick duration and probe latency (ms)', [props.prober], LOG_LINES.batchProbed, [
            `max(${LOG_FIELDS.tickAgeMs}) as tickDuration`,
            `max(${LOG_FIELDS.latencyP50Ms}) as latencyP50`,
            `max(${LOG_FIELDS.latencyMaxMs}) as latencyMax`,
          ]),
          logChart(
            'Probes by status',
            [props.prober],
            LOG_LINES.batchProbed,
            PROBE_STATUSES.map((status) => `sum(${LOG_FIELDS.probesByStatus}.${status}) as ${status}`),
          ),
        ],
        [
          graph('Probe queue', [props.probeQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM })], {
            right: [oldestProbeMessage],
            rightAnnotations: [{ value: tick.toSeconds(), label: 'one tick' }],
          }),
          graph(
            'Dead-letter queues',
            props.deadLetterQueues.map(({ label, queue }) =>
              queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label }),
            ),
          ),
        ],
        ...functions.map(functionWidgets),
        [
          graph('Retries and unfinished work', [
            custom(METRIC.recordsRetried, cloudwatch.Stats.SUM, PERIOD, 'records retried'),
            custom(METRIC.targetsUnfinished, cloudwatch.Stats.SUM, PERIOD, 'targets unfinished'),
            custom(METRIC.flapsSuppressed, cloudwatch.Stats.SUM, PERIOD, 'flaps suppressed'),
          ]),
          graph('State table writes', [props.stateTable.metricConsumedWriteCapacityUnits({ period: PERIOD })]),
        ],
        heading('## Fleet state'),
        [
          logChart('Transitions, posture changes, alerts sent', [props.prober], LOG_LINES.batchProbed, [
            `sum(${LOG_FIELDS.transitions}) as transitions`,
            `sum(${LOG_FIELDS.postureChanges}) as postureChanges`,
            `sum(${LOG_FIELDS.alertsPublished}) as alertsSent`,
          ]),
          graph('Alerts pending and SNS failures', [custom(METRIC.alertsPending, cloudwatch.Stats.MAXIMUM, PERIOD, 'alerts pending (max)')], {
            right: [props.alertsTopic.metricNumberOfNotificationsFailed({ period: PERIOD, label: 'SNS deliveries failed' })],
          }),
        ],
        [
          graph('Invalid targets and scanner degraded', [custom(METRIC.invalidTargets, cloudwatch.Stats.MAXIMUM, PERIOD, 'invalid targets')], {
            right: [custom(METRIC.scannerDegraded, cloudwatch.Stats.MAXIMUM, PERIOD, 'scanner degraded')],
          }),
        ],
        ...(props.featureGraphs?.length ? [heading('## Alert sinks and discovery'), (props.featureGraphs ?? []).map((g) => graph(g.title, [...g.left]))] : []),
      ],
    });

    this.dashboardUrl =
      `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}` + `#dashboards:name=${this.dashboard.dashboardName}`;
  }
}

/**
 * CloudWatch evaluates an alarm over at most one day when its period is under an hour, and over
 * at most seven days otherwise; a longer range fails only at deploy time, so it is refused at synth.
 */
function requireEvaluationRange(name: string, periods: number, period: Duration): number {
  requireIntegerInRange(name, periods, 1, 10);
  const seconds = period.toSeconds();
  const limit = seconds < 3600 ? 86_400 : 604_800;
  if (periods * seconds > limit) {
    throw new PortwatchConfigError(
      `${name} (${periods}) times the tick period (${period.toHumanString()}) exceeds the ${limit / 86_400}-day range a CloudWatch alarm can evaluate`,
    );
  }
  return periods;
}
