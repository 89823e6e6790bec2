import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** What ends up in this queue and what to do about it; becomes the alarm description. */
  readonly purpose: string;
  /**
   * Topic notified when the alarm fires and when it clears.
   * @default - the alarm has no action (visible in the console only)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * What sends its failures here, when cdk-nag cannot see it: AwsSolutions-SQS3 only recognises a queue
   * named in another queue's RedrivePolicy or a function's DeadLetterConfig, not a Lambda on-failure
   * destination, a rule target's DeadLetterConfig or a subscription's redrive policy. Given, the rule
   * is acknowledged with it as the reason.
   * @default - a queue cdk-nag recognises as a dead-letter queue (nothing to acknowledge)
   */
  readonly deadLetterOf?: string;
}

/**
 * A queue at the end of a failure path, and an alarm that fires as soon as anything lands in it.
 *
 * Messages are kept 14 days (the SQS maximum) so that an operator back from a weekend can still
 * read them. SSL is enforced and SQS-managed encryption is on, like every portwatch queue.
 */
export class DeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly alarm: cloudwatch.Alarm;

  public constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);

    this.queue = new sqs.Queue(this, 'Queue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.queue.node.defaultChild as CfnQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself the dead-letter queue at the end of a failure path; a redrive policy would ' +
        'need another DLQ behind it. Anything arriving here raises the alarm defined next to it.',
    });
    if (props.deadLetterOf !== undefined) {
      Validations.of(this.queue.node.defaultChild as CfnQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is a dead-letter queue: ${props.deadLetterOf}. The rule only recognises queues named in another queue's RedrivePolicy or a function's DeadLetterConfig.`,
      });
    }

    this.alarm = new cloudwatch.Alarm(this, 'NotEmptyAlarm', {
      alarmDescription: props.purpose,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // SQS stops publishing metrics for a queue that has been idle for hours: silence means empty.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new cloudwatchActions.SnsAction(props.alarmTopic);
      this.alarm.addAlarmAction(action);
      this.alarm.addOkAction(action);
    }
  }
}
