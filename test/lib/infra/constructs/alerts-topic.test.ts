import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlertsTopic } from '../../../../lib/infra/constructs/alerts-topic';
import { logicalIdOf, testStack } from '../../../helpers/synth';

function build(alertEmail?: string) {
  const stack = testStack();
  const alarmTopic = new sns.Topic(stack, 'OpsTopic');
  new AlertsTopic(stack, 'Alerts', { alertEmail, alarmTopic });
  return { stack, template: Template.fromStack(stack) };
}

describe('AlertsTopic', () => {
  test('denies publishing without TLS, and its policy allows no one: the prober publishes through its role', () => {
    // Prepare / Act
    const { stack, template } = build();
    const topicId = logicalIdOf(stack, 'Alerts/Topic');

    // Assess
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: [
          {
            Sid: Match.anyValue(),
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { Ref: topicId },
          },
        ],
      },
    });
  });

  test('is encrypted at rest with the AWS managed key alias/aws/sns and has a generated name', () => {
    const { template } = build();
    const key = new Capture();
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'portwatch', KmsMasterKeyId: key, TopicName: Match.absent() });
    expect(JSON.stringify(key.asObject())).toMatch(/:alias\/aws\/sns"\]\]\}$/);
  });

  test('subscribes alertEmail with a dead-letter queue whose alarm notifies the alarm topic', () => {
    // Prepare / Act
    const { stack, template } = build('security@example.com');
    const dlqId = logicalIdOf(stack, 'Alerts/EmailDeadLetterQueue/Queue');
    const opsId = logicalIdOf(stack, 'OpsTopic');

    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'security@example.com',
      TopicArn: { Ref: logicalIdOf(stack, 'Alerts/Topic') },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlqId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'sns.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: opsId }],
      OKActions: [{ Ref: opsId }],
    });
  });

  test('has no subscription and no e-mail dead-letter queue without alertEmail', () => {
    const { template } = build();
    expect(template.findResources('AWS::SNS::Subscription')).toEqual({});
    expect(template.findResources('AWS::SQS::Queue')).toEqual({});
  });

  test('rejects an alertEmail that is not one address, naming it', () => {
    expect(() => build('ops@example.com;dev@example.com')).toThrow(
      'alertEmail must be one e-mail address such as ops@example.com, got "ops@example.com;dev@example.com"',
    );
  });
});
