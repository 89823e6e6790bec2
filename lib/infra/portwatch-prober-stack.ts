/** A prober in a region other than home: its own probe queue, dead-letter queue, prober, alarms and operations topic, writing to the home region's tables and topic. */
import { CrossStackReferences, Duration, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AlertSinks } from './constructs/alert-sinks';
import { opsAlarm } from './constructs/ops-alarm';
import { OpsTopic } from './constructs/ops-topic';
import { ProbeFanOut } from './constructs/probe-fan-out';
import { proberSettings, tickRateOf, type ProberSettingsProps } from './prober-settings';
import type { VantageConfig } from '../../lambda/monitor/vantage-config';

/** What a prober elsewhere uses of the home stack: its tables and alerts topic (read through CDK's cross-region references). */
export interface HomeResources {
  /** The home stack's name: the probe queue is named from it (contracts/vantage-stacks.ts), so its dispatcher finds it. */
  readonly stackName: string;
  /** The home region (HOME_REGION: the prober's DynamoDB and SNS clients are built there). */
  readonly region: string;
  readonly stateTable: dynamodb.ITable;
  readonly targetsTable: dynamodb.ITable;
  readonly alertsTopic: sns.ITopic;
  /** The home prober's alert sinks: this prober sends to the same ones, in the home region. @default - none */
  readonly sinks?: AlertSinks;
}

/** Props of {@link PortwatchProberStack}: the home stack's resources, this vantage point, and the monitor's prober settings. */
export interface PortwatchProberStackProps extends StackProps, ProberSettingsProps {
  readonly home: HomeResources;
  /** This prober's vantage point (its region), every vantage point and the outage quorum. */
  readonly vantage: VantageConfig;
  /** The queue name the home dispatcher sends to (vantageQueueName of the home stack and this region). */
  readonly queueName: string;
  /**
   * E-mail address subscribed to this region's operations topic (CloudWatch alarms notify topics of
   * their own region only).
   * @default - no subscription
   */
  readonly opsEmail?: string;
}

/**
 * One vantage point of a multi-region deployment (see portwatch-stacks.ts). The tables and the alerts
 * topic are imported by ARN, so the prober's grants name the home region's resources and nothing of
 * this region but its own queue; the queue, dead-letter queue and prober are ProbeFanOut, as at home.
 */
export class PortwatchProberStack extends Stack {
  public readonly fanOut: ProbeFanOut;
  public readonly ops: OpsTopic;
  public readonly alarms: readonly cloudwatch.Alarm[];

  public constructor(scope: Construct, id: string, props: PortwatchProberStackProps) {
    super(scope, id, props);
    // Weak references: each home value is an output of the home stack, read when this stack deploys
    // with Fn::GetStackOutput (by this stack's CloudFormation execution role), not CDK's strong
    // cross-region mechanism: a Lambda in the home stack writing SSM parameters into every prober
    // region and a reader Lambda here. Fewer moving parts and no function that writes across regions; what strong would add, a
    // home stack that cannot be deleted while probers read it, buys little here: the tables are retained
    // anyway, and a prober whose home is gone fails and is alarmed. Set before any child is added.
    CrossStackReferences.of(this).consume(ReferenceStrength.WEAK);
    const { home } = props;
    this.ops = new OpsTopic(this, 'Ops', { opsEmail: props.opsEmail });
    this.fanOut = new ProbeFanOut(this, 'ProbeFanOut', {
      stateTable: dynamodb.Table.fromTableArn(this, 'StateTable', home.stateTable.tableArn),
      targetsTable: dynamodb.Table.fromTableArn(this, 'TargetsTable', home.targetsTable.tableArn),
      alertsTopic: sns.Topic.fromTopicArn(this, 'AlertsTopic', home.alertsTopic.topicArn),
      alarmTopic: this.ops.topic,
      sinks: {
        ...(home.sinks?.securityHub === true ? { securityHub: true } : {}),
        ...(home.sinks?.eventBus ? { eventBus: events.EventBus.fromEventBusArn(this, 'EventBus', home.sinks.eventBus.eventBusArn) } : {}),
        ...(home.sinks?.chatTopic ? { chatTopic: sns.Topic.fromTopicArn(this, 'ChatTopic', home.sinks.chatTopic.topicArn) } : {}),
      },
      ...proberSettings(props),
      vantage: props.vantage,
      homeRegion: home.region,
      queueName: props.queueName,
    });

    const tick = tickRateOf(props);
    const prober = this.fanOut.prober;
    const alarm = (name: string, alarmProps: cloudwatch.AlarmProps): cloudwatch.Alarm => opsAlarm(this, name, alarmProps, this.ops.topic);
    const period = Duration.minutes(5);
    this.alarms = [
      this.fanOut.deadLetterQueue.alarm,
      alarm('ProberErrorsAlarm', {
        alarmDescription:
          `The portwatch prober of vantage point ${props.vantage.name} failed (an exception or a timeout; often DynamoDB or SNS in ` +
          `${home.region} refusing it). Its work is retried; read the errors in its log group. Repeated failures end in its dead-letter queue.`,
        metric: prober.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      alarm('ProbeBacklogAlarm', {
        alarmDescription:
          `Probe messages of vantage point ${props.vantage.name} wait longer than one tick: its probers cannot keep up, and its views ` +
          'go stale (counted as unknown after 3 ticks). Raise proberMaxConcurrency or look for slow targets in its logs.',
        metric: this.fanOut.queue.metricApproximateAgeOfOldestMessage({ period, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: tick.toSeconds(),
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
  }
}
