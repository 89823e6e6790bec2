import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link PortwatchMonitoring}. */
export interface PortwatchMonitoringProps {
  readonly dispatcher: lambda.IFunction;
  readonly prober: lambda.IFunction;
  readonly probeQueue: sqs.IQueue;
  readonly stateTable: dynamodb.ITable;
  readonly alertsTopic: sns.ITopic;
  /** Time between ticks; a probe message older than this means the probers are falling behind. */
  readonly tickRate: Duration;
  /** Alarms shown on the dashboard next to the backlog alarm (the dead-letter queue alarms). */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/**
 * A dashboard of the whole pipeline (tick, fan-out, probes, alerts) and the alarm that portwatch has
 * fallen behind its own schedule. The dashboard name is generated: see the DashboardUrl output.
 */
export class PortwatchMonitoring extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly backlogAlarm: cloudwatch.Alarm;
  /** Console address of the dashboard. */
  public readonly dashboardUrl: string;

  public constructor(scope: Construct, id: string, props: PortwatchMonitoringProps) {
    super(scope, id);

    const period = Duration.minutes(5);
    const oldestProbeMessage = props.probeQueue.metricApproximateAgeOfOldestMessage({
      period,
      statistic: cloudwatch.Stats.MAXIMUM,
    });

    this.backlogAlarm = new cloudwatch.Alarm(this, 'ProbeBacklogAlarm', {
      alarmDescription:
        'portwatch probe messages wait longer than one tick: the probers cannot keep up. Raise ' +
        'proberMaxConcurrency, lower the tick rate, or look for slow targets in the prober logs.',
      metric: oldestProbeMessage,
      threshold: props.tickRate.toSeconds(),
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cloudwatchActions.SnsAction(props.alertsTopic);
    this.backlogAlarm.addAlarmAction(action);
    this.backlogAlarm.addOkAction(action);

    const fn = (f: lambda.IFunction, title: string): cloudwatch.IWidget[] => [
      new cloudwatch.GraphWidget({
        title: `${title}: invocations and errors`,
        left: [f.metricInvocations({ period }), f.metricErrors({ period }), f.metricThrottles({ period })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: `${title}: duration`,
        left: [
          f.metricDuration({ period, statistic: cloudwatch.Stats.p(99) }),
          f.metricDuration({ period, statistic: cloudwatch.Stats.MAXIMUM }),
        ],
        width: 12,
      }),
    ];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'portwatch alarms', alarms: [this.backlogAlarm, ...props.alarms], width: 24 })],
        fn(props.dispatcher, 'Dispatcher'),
        fn(props.prober, 'Prober'),
        [
          new cloudwatch.GraphWidget({
            title: 'Probe queue',
            left: [
              props.probeQueue.metricNumberOfMessagesSent({ period }),
              props.probeQueue.metricNumberOfMessagesDeleted({ period }),
            ],
            right: [oldestProbeMessage],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Alerts and state writes',
            left: [
              props.alertsTopic.metricNumberOfMessagesPublished({ period }),
              props.alertsTopic.metricNumberOfNotificationsFailed({ period }),
            ],
            right: [props.stateTable.metricConsumedWriteCapacityUnits({ period })],
            width: 12,
          }),
        ],
      ],
    });

    this.dashboardUrl =
      `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}` +
      `#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
