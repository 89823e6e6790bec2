import { Duration, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ProbeFanOut, type ProbeFanOutProps } from '../../../lib/constructs/probe-fan-out';
import { logicalIdOf, testStack } from '../helpers/synth';

function build(props: Partial<ProbeFanOutProps> = {}): { stack: Stack; template: Template } {
  const stack = testStack();
  const stateTable = new dynamodb.Table(stack, 'State', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
  });
  const alertsTopic = new sns.Topic(stack, 'Topic');
  const alarmTopic = new sns.Topic(stack, 'OpsTopic');
  new ProbeFanOut(stack, 'FanOut', { stateTable, alertsTopic, alarmTopic, ...props });
  return { stack, template: Template.fromStack(stack) };
}

describe('ProbeFanOut with default props', () => {
  // Prepare
  const { stack, template } = build();
  const queueId = logicalIdOf(stack, 'FanOut/Queue');
  const dlqId = logicalIdOf(stack, 'FanOut/DeadLetterQueue/Queue');

  test('the probe queue hides a message 6 x the 60 s prober timeout and redrives after 3 receives', () => {
    // Act
    const deadLetterTarget = new Capture();
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 360,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: deadLetterTarget, maxReceiveCount: 3 },
    });

    // Assess
    expect(deadLetterTarget.asObject()).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 60, MemorySize: 512 });
  });

  test('both queues refuse requests without TLS', () => {
    for (const id of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  test('the event source reports partial batch failures with bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: logicalIdOf(stack, 'FanOut/Prober') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  test('the dead-letter queue alarms on its first message and notifies the alarm topic, not the alerts topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalIdOf(stack, 'OpsTopic') }],
      OKActions: [{ Ref: logicalIdOf(stack, 'OpsTopic') }],
    });
  });

  test('the prober gets its whole configuration from the environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          STATE_TABLE_NAME: { Ref: logicalIdOf(stack, 'State') },
          ALERT_TOPIC_ARN: { Ref: logicalIdOf(stack, 'Topic') },
          DEFAULT_PORT: '8883',
          PROBE_TIMEOUT_MS: '3000',
          CONFIRM_ATTEMPTS: '2',
          CONFIRM_DELAY_MS: '1000',
          EVENT_RETENTION_DAYS: '90',
          CERT_EXPIRING_DAYS: '14',
          ALLOWED_CIDRS: '',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });
});

describe('ProbeFanOut settings', () => {
  test('the visibility timeout follows a custom prober timeout', () => {
    // Prepare / Act
    const { template } = build({ timeout: Duration.seconds(90) });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 90 });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 540, RedrivePolicy: Match.anyValue() });
  });

  test('batch size, batching window and concurrency are configurable', () => {
    const { template } = build({ batchSize: 10, maxBatchingWindow: Duration.seconds(0), maxConcurrency: 2 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  test.each([
    [{ batchSize: 0 }, 'batchSize must be an integer from 1 to 10, got 0'],
    [{ maxConcurrency: 1001 }, 'maxConcurrency must be an integer from 2 to 1000, got 1001'],
    [{ confirmAttempts: 0 }, 'confirmAttempts must be an integer from 1 to 5, got 0'],
    [{ certExpiringDays: 0 }, 'certExpiringDays must be an integer from 1 to 365, got 0'],
    [{ eventRetentionDays: 4000 }, 'eventRetentionDays must be an integer from 1 to 3650, got 4000'],
    [{ memorySize: 64 }, 'memorySize must be an integer from 128 to 10240, got 64'],
    [{ timeout: Duration.minutes(16) }, 'timeout (seconds) must be an integer from 10 to 900, got 960'],
    [{ allowedCidrs: ['10.0.0.0/8', 'intranet'] }, 'allowedCidrs must list CIDR blocks such as 10.0.0.0/8 or fd00::/8, got "intranet"'],
  ])('%p is rejected naming the prop and value', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
