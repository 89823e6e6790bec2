import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DeadLetterQueue } from '../../../../lib/infra/constructs/dead-letter-queue';
import { logicalIdOf, testStack } from '../../../helpers/synth';

function build(withTopic: boolean) {
  const stack = testStack();
  const topic = withTopic ? new sns.Topic(stack, 'Topic') : undefined;
  new DeadLetterQueue(stack, 'Dlq', { purpose: 'what landed here and what to do', alarmTopic: topic });
  return { stack, template: Template.fromStack(stack) };
}

describe('DeadLetterQueue', () => {
  test('keeps messages 14 days, encrypted, SSL only', () => {
    // Prepare / Act
    const { stack, template } = build(false);
    const queueId = logicalIdOf(stack, 'Dlq/Queue');

    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
          },
        ],
      },
    });
  });

  test('alarms as soon as one message is visible, treating missing data as not breaching', () => {
    // Prepare / Act
    const { stack, template } = build(true);

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, 'Dlq/Queue'), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmDescription: 'what landed here and what to do',
      AlarmActions: [{ Ref: logicalIdOf(stack, 'Topic') }],
      OKActions: [{ Ref: logicalIdOf(stack, 'Topic') }],
    });
  });

  test('has an alarm without actions when no topic is given', () => {
    const { template } = build(false);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toEqual([expect.objectContaining({ Properties: expect.not.objectContaining({ AlarmActions: expect.anything() }) })]);
  });
});
