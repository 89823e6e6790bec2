import { Match, Template } from 'aws-cdk-lib/assertions';
import { AlertsTopic } from '../../../lib/constructs/alerts-topic';
import { logicalIdOf, testStack } from '../helpers/synth';

function build(alertEmail?: string) {
  const stack = testStack();
  new AlertsTopic(stack, 'Alerts', { alertEmail });
  return { stack, template: Template.fromStack(stack) };
}

describe('AlertsTopic', () => {
  test('denies publishing without TLS', () => {
    // Prepare / Act
    const { stack, template } = build();
    const topicId = logicalIdOf(stack, 'Alerts/Topic');

    // Assess
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { Ref: topicId },
          }),
        ]),
      },
    });
  });

  test('lets CloudWatch alarms of this account publish, and no one else by resource policy', () => {
    // Prepare / Act
    const { stack, template } = build();

    // Assess
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([':alarm:*'])] } },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
            Resource: { Ref: logicalIdOf(stack, 'Alerts/Topic') },
          }),
        ]),
      },
    });
  });

  test('is not encrypted with alias/aws/sns, which CloudWatch alarms cannot publish to', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'portwatch', KmsMasterKeyId: Match.absent(), TopicName: Match.absent() });
  });

  test('subscribes alertEmail with an alarmed dead-letter queue', () => {
    // Prepare / Act
    const { stack, template } = build('ops@example.com');
    const dlqId = logicalIdOf(stack, 'Alerts/EmailDeadLetterQueue/Queue');

    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
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
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
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
