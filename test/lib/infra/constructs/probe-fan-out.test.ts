import { Duration, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MAX_RECEIVE_COUNT, ProbeFanOut, VISIBILITY_TIMEOUT_FACTOR } from '../../../../lib/infra/constructs/probe-fan-out';
import type { ProbeFanOutProps } from '../../../../lib/infra/constructs/probe-fan-out-props';
import { selfSignedCert } from '../../../helpers/certs';
import { logicalIdOf, policyStatements, testStack } from '../../../helpers/synth';

function build(props: Partial<ProbeFanOutProps> = {}, options: { targetsTable?: boolean } = {}): { stack: Stack; template: Template } {
  const stack = testStack();
  const stateTable = new dynamodb.Table(stack, 'State', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
  });
  const targetsTable = options.targetsTable
    ? new dynamodb.Table(stack, 'Targets', { partitionKey: { name: 'target', type: dynamodb.AttributeType.STRING } })
    : undefined;
  const alertsTopic = new sns.Topic(stack, 'Topic');
  const alarmTopic = new sns.Topic(stack, 'OpsTopic');
  new ProbeFanOut(stack, 'FanOut', { stateTable, targetsTable, alertsTopic, alarmTopic, ...props });
  return { stack, template: Template.fromStack(stack) };
}

describe('ProbeFanOut with default props', () => {
  // Prepare
  const { stack, template } = build();
  const queueId = logicalIdOf(stack, 'FanOut/Queue');
  const dlqId = logicalIdOf(stack, 'FanOut/DeadLetterQueue/Queue');

  test(`the probe queue hides a message ${VISIBILITY_TIMEOUT_FACTOR} x the 60 s prober timeout and redrives after ${MAX_RECEIVE_COUNT} receives`, () => {
    // Act
    const deadLetterTarget = new Capture();
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 60 * VISIBILITY_TIMEOUT_FACTOR,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: deadLetterTarget, maxReceiveCount: MAX_RECEIVE_COUNT },
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

  test('the prober gets its whole configuration from the environment, and nothing else', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.exact({
          STATE_TABLE_NAME: { Ref: logicalIdOf(stack, 'State') },
          ALERT_TOPIC_ARN: { Ref: logicalIdOf(stack, 'Topic') },
          DEFAULT_PORT: '8883',
          PROBE_TIMEOUT_MS: '3000',
          CONFIRM_ATTEMPTS: '2',
          CONFIRM_DELAY_MS: '1000',
          EVENT_RETENTION_DAYS: '90',
          CERT_EXPIRING_DAYS: '14',
          PLAINTEXT_PORT: '1883',
          ALLOWED_CIDRS: '',
          PROBE_CONCURRENCY: '64',
          TICK_INTERVAL_MS: '300000',
          POSTURE_EVERY_MS: '300000',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });
});

describe('ProbeFanOut with a Targets table', () => {
  test('the prober is told the table whose digests it updates, and may only update the digest attribute of its items', () => {
    // Prepare / Act
    const { stack, template } = build({}, { targetsTable: true });
    const targetsTable = logicalIdOf(stack, 'Targets');
    const condition = new Capture();

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TARGETS_TABLE_NAME: { Ref: targetsTable } }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectEquals({ Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: { 'Fn::GetAtt': [targetsTable, 'Arn'] }, Condition: condition }),
        ]),
      },
    });
    // The key and the digest, nothing else; no values returned (ALL_OLD would read the user's attributes).
    expect(condition.asObject()).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['target', 'digest'] },
      StringEquals: { 'dynamodb:ReturnValues': 'NONE' },
    });
  });

  test('the prober gets no other access to the Targets table', () => {
    // Prepare / Act
    const { stack, template } = build({}, { targetsTable: true });
    const targetsTable = logicalIdOf(stack, 'Targets');

    // Assess
    const onTargets = policyStatements(template).filter(({ statement }) => JSON.stringify(statement.Resource).includes(`"${targetsTable}"`));
    expect(onTargets.map(({ statement }) => statement.Action)).toEqual(['dynamodb:UpdateItem']);
  });
});

describe('ProbeFanOut State table access', () => {
  test('is BatchGetItem, GetItem and PutItem: what the state store calls on the prober path', () => {
    // Prepare / Act
    const { stack, template } = build();
    const stateTable = logicalIdOf(stack, 'State');

    // Assess
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectEquals({ Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [{ 'Fn::GetAtt': [stateTable, 'Arn'] }] }),
        ]),
      },
    });
    const onState = policyStatements(template).filter(({ statement }) => JSON.stringify(statement.Resource).includes(`"${stateTable}"`));
    expect(onState).toHaveLength(1);
  });
});

describe('ProbeFanOut caBundle', () => {
  // Prepare (shared): a CA certificate as a PEM file holds it, with the text openssl writes around it.
  const ca = selfSignedCert('/O=portwatch tests/CN=private CA', null);

  test('reaches the prober as CA_BUNDLE, certificates only: a private key in the same text stays behind', () => {
    // Act
    const key = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n';
    const { template } = build({ caBundle: `subject=CN=private CA\n${ca}${key}` });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ CA_BUNDLE: `${ca.trim()}\n` }) } });
  });

  test.each([
    ['no PEM', () => 'not a certificate', 'caBundle: the PEM text given is not PEM (no "-----BEGIN CERTIFICATE-----" block)'],
    ['a key alone', () => '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n', 'caBundle: the PEM text given holds no certificate (PEM blocks found: PRIVATE KEY)'],
    ['a block that is not X.509', () => '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n', 'caBundle: the PEM text given holds a certificate that does not parse (number 1 of 1: '],
  ])('refuses %s naming the setting', (_name, text, message) => {
    expect(() => build({ caBundle: text() })).toThrow(message);
  });

  test('a bundle that would push the environment past 4 KB is refused with the sizes', () => {
    // Prepare: each certificate is about 600 bytes; Lambda allows 4096 for all variables together.
    const bundle = ca.repeat(7);

    // Act / Assess
    expect(() => build({ caBundle: bundle })).toThrow(
      /^the prober's environment would be \d+ bytes \(caBundle \d+ bytes, allowedCidrs 2 bytes\), over Lambda's limit of 4096 for all its variables together: keep only the root certificates in caBundle \(brokers send their intermediates\)$/,
    );
    expect(() => build({ caBundle: ca.repeat(4) })).not.toThrow();
  });
});

describe('ProbeFanOut settings', () => {
  test('the visibility timeout follows a custom prober timeout', () => {
    // Prepare / Act
    const { template } = build({ timeout: Duration.seconds(90) });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 90 });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 90 * VISIBILITY_TIMEOUT_FACTOR, RedrivePolicy: Match.anyValue() });
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
    [{ tickRate: Duration.seconds(90) }, 'tickRate (minutes) must be an integer from 1 to 1440, got 1.5'],
    [{ postureEvery: Duration.minutes(2) }, 'postureEvery (minutes) must be an integer from 5 to 1440, got 2'],
    [{ tickRate: Duration.minutes(15), postureEvery: Duration.minutes(10) }, 'postureEvery (minutes) must be an integer from 15 to 1440, got 10'],
    [{ postureEvery: Duration.days(2) }, 'postureEvery (minutes) must be an integer from 5 to 1440, got 2880'],
  ])('%p is rejected naming the prop and value', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('an error names the setting as the caller calls it', () => {
    // Prepare
    const settingNames = { batchSize: 'proberBatchSize', timeout: 'proberTimeout (seconds)', postureEvery: 'postureEveryMinutes' };

    // Act / Assess
    expect(() => build({ settingNames, batchSize: 11 })).toThrow('proberBatchSize must be an integer from 1 to 10, got 11');
    expect(() => build({ settingNames, timeout: Duration.seconds(5) })).toThrow('proberTimeout (seconds) must be an integer from 10 to 900, got 5');
    expect(() => build({ settingNames, postureEvery: Duration.minutes(1) })).toThrow('postureEveryMinutes must be an integer from 5 to 1440, got 1');
  });

  test('a prober timeout shorter than one target with its confirmations is rejected with the settings that make it', () => {
    expect(() => build({ timeout: Duration.seconds(10), probeTimeoutMs: 5000 })).toThrow(
      /^timeout \(seconds\) must exceed the worst case of one target with probeTimeoutMs 5000, confirmAttempts 2 and confirmDelayMs 1000 \(\d+ ms\), got 10$/,
    );
  });
});

describe('ProbeFanOut posture cadence', () => {
  test.each([
    ['1-minute ticks keep 5-minute deep looks', { tickRate: Duration.minutes(1) }, '60000', '300000'],
    ['10-minute ticks make every look deep', { tickRate: Duration.minutes(10) }, '600000', '600000'],
    ['a longer posture interval is passed on', { tickRate: Duration.minutes(1), postureEvery: Duration.hours(1) }, '60000', '3600000'],
    ['a posture interval equal to the tick is accepted', { tickRate: Duration.minutes(15), postureEvery: Duration.minutes(15) }, '900000', '900000'],
  ])('%s', (_name, props, tickMs, postureMs) => {
    // Prepare / Act
    const { template } = build(props);

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TICK_INTERVAL_MS: tickMs, POSTURE_EVERY_MS: postureMs }) },
    });
  });
});

describe('ProbeFanOut allowedCidrs', () => {
  test.each(['10.0.0.0/8', '192.168.1.0/24', '127.0.0.1/32', '0.0.0.0/0', 'fd00::/8', '::1/128', 'fe80::/10'])('accepts %p and passes it to the prober', (cidr) => {
    // Prepare / Act
    const { template } = build({ allowedCidrs: ['10.0.0.0/8', cidr] });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALLOWED_CIDRS: `10.0.0.0/8,${cidr}` }) },
    });
  });

  // 10.0.0.1/8 has host bits set: the prober refuses it when its module loads, so every cold start would fail.
  test.each(['10.0.0.1/8', 'fd00::1/8', '10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0/8', 'example.com/24', '10.0.0.0/-1', '10.0.0.0/8/8', ''])(
    'refuses %p naming the setting and the value',
    (cidr) => {
      expect(() => build({ allowedCidrs: [cidr] })).toThrow(`allowedCidrs must list CIDR blocks such as 10.0.0.0/8 or fd00::/8, got ${JSON.stringify(cidr)}: `);
    },
  );

  test('a range with host bits set is refused with the range that was probably meant', () => {
    expect(() => build({ allowedCidrs: ['10.0.0.1/8'] })).toThrow('got "10.0.0.1/8": has host bits set; did you mean 10.0.0.0/8?');
  });
});
