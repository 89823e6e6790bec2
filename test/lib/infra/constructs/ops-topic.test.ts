import { Match, Template } from 'aws-cdk-lib/assertions';
import { OpsTopic } from '../../../../lib/infra/constructs/ops-topic';
import { logicalIdOf, testStack } from '../../../helpers/synth';

function build(opsEmail?: string) {
  const stack = testStack();
  new OpsTopic(stack, 'Ops', { opsEmail });
  return { stack, template: Template.fromStack(stack) };
}

describe('OpsTopic', () => {
  test('denies publishing without TLS and lets only CloudWatch alarms of this account publish by resource policy', () => {
    // Prepare / Act
    const { stack, template } = build();
    const topicId = logicalIdOf(stack, 'Ops/Topic');

    // Assess
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { Ref: topicId },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([':alarm:*'])] } },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
            Resource: { Ref: topicId },
          }),
        ],
      },
    });
  });

  test('is a separate, unencrypted topic with a generated name', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'portwatch ops', KmsMasterKeyId: Match.absent(), TopicName: Match.absent() });
  });

  test('subscribes opsEmail with a dead-letter queue whose alarm tells the other subscribers of the topic', () => {
    // Prepare / Act
    const { stack, template } = build('oncall@example.com');
    const topicId = logicalIdOf(stack, 'Ops/Topic');
    const dlqId = logicalIdOf(stack, 'Ops/EmailDeadLetterQueue/Queue');

    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topicId },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      AlarmActions: [{ Ref: topicId }],
    });
  });

  test('has no subscription and no queue without opsEmail', () => {
    const { template } = build();
    expect(template.findResources('AWS::SNS::Subscription')).toEqual({});
    expect(template.findResources('AWS::SQS::Queue')).toEqual({});
  });

  test.each(['oncall', 'oncall@example', 'a@b.c,d@e.f'])('rejects opsEmail %p naming the setting and the value', (opsEmail) => {
    expect(() => build(opsEmail)).toThrow(`opsEmail must be one e-mail address such as ops@example.com, got ${JSON.stringify(opsEmail)}`);
  });
});
