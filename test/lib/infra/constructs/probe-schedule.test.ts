import { Duration, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ProbeSchedule, type ProbeScheduleProps } from '../../../../lib/infra/constructs/probe-schedule';
import { logicalIdOf, testStack } from '../../../helpers/synth';

function build(props: Partial<ProbeScheduleProps> = {}): { stack: Stack; template: Template } {
  const stack = testStack();
  const targetsTable = new dynamodb.Table(stack, 'Targets', {
    partitionKey: { name: 'target', type: dynamodb.AttributeType.STRING },
  });
  const probeQueue = new sqs.Queue(stack, 'ProbeQueue');
  new ProbeSchedule(stack, 'Schedule', { targetsTable, probeQueue, ...props });
  return { stack, template: Template.fromStack(stack) };
}

describe('ProbeSchedule with default props', () => {
  // Prepare
  const { stack, template } = build();
  const failureQueueArn = { 'Fn::GetAtt': [logicalIdOf(stack, 'Schedule/FailureQueue/Queue'), 'Arn'] };

  test('invokes the dispatcher every 5 minutes, retrying for one period, then dead-lettering', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: { 'Fn::GetAtt': [logicalIdOf(stack, 'Schedule/Dispatcher'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
          DeadLetterConfig: { Arn: failureQueueArn },
        },
      ],
    });
  });

  test('sends failed asynchronous dispatches to the same failure queue after one retry', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(stack, 'Schedule/Dispatcher') },
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 300,
      DestinationConfig: { OnFailure: { Destination: failureQueueArn } },
    });
  });

  test('lets only this rule put events into the failure queue', () => {
    // Act
    const condition = new Capture();
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalIdOf(stack, 'Schedule/FailureQueue/Queue') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: condition }),
        ]),
      },
    });

    // Assess
    expect(condition.asObject()).toEqual({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(stack, 'Schedule/Rule'), 'Arn'] } } });
  });

  test('the dispatcher gets its whole configuration from the environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          TARGETS_TABLE_NAME: { Ref: logicalIdOf(stack, 'Targets') },
          PROBE_QUEUE_URL: { Ref: logicalIdOf(stack, 'ProbeQueue') },
          SCAN_SEGMENTS: '4',
          TARGETS_PER_MESSAGE: '25',
          DEFAULT_PORT: '8883',
          // The schedule's interval, and no fast lane unless a target asks for one.
          TICK_INTERVAL_MS: '300000',
          DEFAULT_EVERY_MS: '0',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });
});

describe('ProbeSchedule settings', () => {
  test('rate 1 minute ticks every minute and gives up on a tick after one minute', () => {
    // Prepare / Act
    const { template } = build({ rate: Duration.minutes(1) });

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 60 });
  });

  test('a daily rate caps event ages at the service limits (24 h EventBridge, 6 h Lambda)', () => {
    // Prepare / Act
    const { template } = build({ rate: Duration.days(1) });

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ RetryPolicy: Match.objectLike({ MaximumEventAgeInSeconds: 86_400 }) })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 21_600 });
  });

  test.each([
    [Duration.seconds(30), '30 seconds'],
    [Duration.seconds(90), '1 minute 30 seconds'],
    [Duration.days(2), '2 days'],
  ])('rate %p is rejected naming the prop and the value', (rate, shown) => {
    expect(() => build({ rate })).toThrow(`rate must be a whole number of minutes from 1 minute to 1 day, got ${shown}`);
  });

  test('defaultEvery puts every target in the fast lane: the dispatcher fills each tick with delayed looks', () => {
    // Prepare / Act
    const { template } = build({ rate: Duration.minutes(1), defaultEvery: Duration.seconds(10) });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TICK_INTERVAL_MS: '60000', DEFAULT_EVERY_MS: '10000' }) },
    });
  });

  test.each([
    [{ defaultEvery: Duration.seconds(12) }, 'defaultEvery must be one of 10s, 15s, 20s, 30s, 1m or schedule, got 12 seconds'],
    [
      { rate: Duration.minutes(20), defaultEvery: Duration.seconds(10) },
      'defaultEvery 10 seconds needs a schedule of 15 minutes or less (SQS delays a message at most 900 s), got 20 minutes',
    ],
    [{ scanSegments: 0 }, 'scanSegments must be an integer from 1 to 64, got 0'],
    [{ targetsPerMessage: 101 }, 'targetsPerMessage must be an integer from 1 to 100, got 101'],
    [{ defaultPort: 65536 }, 'defaultPort must be an integer from 1 to 65535, got 65536'],
  ])('%p is rejected', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
