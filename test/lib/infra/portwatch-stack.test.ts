import { Duration } from 'aws-cdk-lib';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { OUTPUT_KEYS } from '../../../lambda/contracts/stack-outputs';
import { asArray, logicalIdOf, policyStatements, synthPortwatch } from '../../helpers/synth';

const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/** Logical ids of the stack's main resources. */
function ids(stack: ReturnType<typeof synthPortwatch>['stack']) {
  return {
    targetsTable: logicalIdOf(stack, 'Tables/TargetsTable'),
    stateTable: logicalIdOf(stack, 'Tables/StateTable'),
    topic: logicalIdOf(stack, 'Alerts/Topic'),
    opsTopic: logicalIdOf(stack, 'Ops/Topic'),
    probeQueue: logicalIdOf(stack, 'ProbeFanOut/Queue'),
    deadLetterQueue: logicalIdOf(stack, 'ProbeFanOut/DeadLetterQueue/Queue'),
    failureQueue: logicalIdOf(stack, 'ProbeSchedule/FailureQueue/Queue'),
    dispatcherRole: logicalIdOf(stack, 'ProbeSchedule/DispatcherServiceRole'),
    proberRole: logicalIdOf(stack, 'ProbeFanOut/ProberServiceRole'),
  };
}

/** The statements of the one policy attached to `roleId`, captured from the template. */
function statementsOfRole(template: Template, roleId: string): Record<string, unknown>[] {
  const statements = new Capture();
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: roleId }],
    PolicyDocument: { Statement: statements },
  });
  return statements.asArray() as Record<string, unknown>[];
}

const mentions = (value: unknown, logicalId: string): boolean => JSON.stringify(value).includes(`"${logicalId}"`);

describe('PortwatchStack with default props', () => {
  // Prepare (shared: one synth for the read-only assertions below)
  const { stack, template } = synthPortwatch();
  const id = ids(stack);

  test('ticks every 5 minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
  });

  test('publishes every output the CLI reads, under stable keys', () => {
    // Act
    const outputs = template.findOutputs('*');

    // Assess
    expect(Object.keys(outputs).sort()).toEqual(Object.values(OUTPUT_KEYS).sort());
    template.hasOutput(OUTPUT_KEYS.targetsTableName, { Value: { Ref: id.targetsTable } });
    template.hasOutput(OUTPUT_KEYS.stateTableName, { Value: { Ref: id.stateTable } });
    template.hasOutput(OUTPUT_KEYS.alertTopicArn, { Value: { Ref: id.topic } });
    template.hasOutput(OUTPUT_KEYS.opsTopicArn, { Value: { Ref: id.opsTopic } });
    template.hasOutput(OUTPUT_KEYS.probeQueueUrl, { Value: { Ref: id.probeQueue } });
    template.hasOutput(OUTPUT_KEYS.deadLetterQueueUrl, { Value: { Ref: id.deadLetterQueue } });
    template.hasOutput(OUTPUT_KEYS.dispatchFailureQueueUrl, { Value: { Ref: id.failureQueue } });
    template.hasOutput(OUTPUT_KEYS.dashboardUrl, {
      Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^https://console\\.aws\\.amazon\\.com/cloudwatch/')])] },
    });
  });

  test('the dispatcher may only Scan the Targets table and SendMessage to the probe queue', () => {
    // Act
    const statements = statementsOfRole(template, id.dispatcherRole);
    const dynamo = statements.filter((s) => asArray(s.Action).some((a) => String(a).startsWith('dynamodb:')));
    const onProbeQueue = statements.filter((s) => mentions(s.Resource, id.probeQueue));

    // Assess: exactly what DynamoDbTargetSource (Scan) and SqsProbeQueue (SendMessageBatch) call.
    expect(dynamo).toEqual([{ Effect: 'Allow', Action: 'dynamodb:Scan', Resource: [{ 'Fn::GetAtt': [id.targetsTable, 'Arn'] }] }]);
    expect(onProbeQueue).toEqual([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [id.probeQueue, 'Arn'] } }]);
    // The failure queue is the dispatcher's on-failure destination; CDK's SqsDestination grants that send.
    const onFailureQueue = statements.filter((s) => mentions(s.Resource, id.failureQueue));
    expect(onFailureQueue.flatMap((s) => asArray(s.Action))).toContain('sqs:SendMessage');
    // Nothing else: every other statement is the log group's or X-Ray's.
    const rest = statements.filter((s) => !dynamo.includes(s) && !onProbeQueue.includes(s) && !onFailureQueue.includes(s));
    expect(rest.flatMap((s) => asArray(s.Action)).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', ...XRAY_ACTIONS].sort());
  });

  test('the prober may only BatchGetItem, GetItem and PutItem on the State table, and UpdateItem the digest attribute of Targets items', () => {
    // Act
    const statements = statementsOfRole(template, id.proberRole);
    const dynamo = statements.filter((s) => asArray(s.Action).some((a) => String(a).startsWith('dynamodb:')));
    const publish = statements.filter((s) => asArray(s.Action).includes('sns:Publish'));

    // Assess: no Scan, Query, DeleteItem or BatchWriteItem on the state; on the user's table no PutItem or
    // DeleteItem (it can neither replace nor remove a target), and UpdateItem only of `digest`, keyed by
    // `target`, returning nothing.
    expect(dynamo).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [{ 'Fn::GetAtt': [id.stateTable, 'Arn'] }] },
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: { 'Fn::GetAtt': [id.targetsTable, 'Arn'] },
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['target', 'digest'] },
          StringEquals: { 'dynamodb:ReturnValues': 'NONE' },
        },
      },
    ]);
    expect(publish).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: { Ref: id.topic } })]);
    expect(mentions(statements.filter((s) => !dynamo.includes(s)), id.stateTable) || mentions(statements.filter((s) => !dynamo.includes(s)), id.targetsTable)).toBe(false);
  });

  test('no policy grants a service wildcard, and only X-Ray statements use Resource "*"', () => {
    // Act
    const statements = policyStatements(template).map(({ statement }) => statement);
    const starResource = statements.filter((s) => asArray(s.Resource).includes('*'));

    // Assess
    expect(statements.flatMap((s) => asArray(s.Action)).filter((a) => String(a).endsWith('*'))).toEqual([]);
    expect(starResource.length).toBeGreaterThan(0);
    for (const statement of starResource) expect(asArray(statement.Action).sort()).toEqual([...XRAY_ACTIONS].sort());
  });

  test('has no e-mail subscription without alertEmail and opsEmail', () => {
    expect(template.findResources('AWS::SNS::Subscription')).toEqual({});
  });

  test('both functions receive the default port', () => {
    for (const path of ['ProbeSchedule/Dispatcher', 'ProbeFanOut/Prober']) {
      const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, path)] as {
        Properties: { Environment: { Variables: Record<string, unknown> } };
      };
      expect(fn.Properties.Environment.Variables.DEFAULT_PORT).toBe('8883');
    }
  });

  test('every alarm notifies the operations topic on ALARM and OK; the alerts topic carries target alerts only', () => {
    // Act
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions?: unknown[]; OKActions?: unknown[]; MetricName?: string; Metrics?: { Expression?: string }[] };
    }[];

    // Assess: the missed-tick alarm is metric math over the dispatcher's own Lambda metrics
    expect(alarms.map((a) => a.Properties.MetricName ?? a.Properties.Metrics?.find((m) => m.Expression)?.Expression).sort()).toEqual([
      'AlertsPending',
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesVisible',
      'Errors',
      'Errors',
      'ScannerDegraded',
      'Throttles',
      'Throttles',
      'invocations - FILL(errors, 0)',
    ]);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: id.opsTopic }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: id.opsTopic }]);
    }
    expect(mentions(alarms, id.topic)).toBe(false);
  });

  test('the missed-tick and alerts-pending alarms evaluate tick periods of the schedule', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Invocations' }), Period: 300 }) })]),
      EvaluationPeriods: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Portwatch', MetricName: 'AlertsPending', Period: 300, EvaluationPeriods: 3 });
  });

  test('the dashboard shows the depth of both dead-letter queues', () => {
    // Act
    const body = new Capture();
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardBody: body });

    // Assess
    for (const queue of [id.deadLetterQueue, id.failureQueue]) expect(mentions(body.asObject(), queue)).toBe(true);
  });
});

describe('PortwatchStack settings', () => {
  test('scheduleMinutes 1 ticks every minute', () => {
    // Prepare / Act
    const { template } = synthPortwatch({ scheduleMinutes: 1 });

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  test.each([0, -5, 1.5, 1441, Number.NaN])('scheduleMinutes %p is rejected with the prop name and value', (scheduleMinutes) => {
    expect(() => synthPortwatch({ scheduleMinutes })).toThrow(
      new RegExp(`^scheduleMinutes must be an integer from 1 to 1440, got ${String(scheduleMinutes)}`.replace(/[.]/g, '\\.')),
    );
  });

  test('scheduleMinutes 60 makes the tick alarms evaluate hours', () => {
    const { template } = synthPortwatch({ scheduleMinutes: 60 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Invocations' }), Period: 3600 }) })]),
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
    });
  });

  test('opsEmail subscribes the address to the operations topic only, with a dead-letter queue on the dashboard', () => {
    // Prepare / Act
    const { stack, template } = synthPortwatch({ opsEmail: 'oncall@example.com' });
    const dlq = logicalIdOf(stack, 'Ops/EmailDeadLetterQueue/Queue');
    const body = new Capture();
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardBody: body });

    // Assess
    expect(Object.values(template.findResources('AWS::SNS::Subscription'))).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          Protocol: 'email',
          Endpoint: 'oncall@example.com',
          TopicArn: { Ref: logicalIdOf(stack, 'Ops/Topic') },
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        }),
      }),
    ]);
    expect(mentions(body.asObject(), dlq)).toBe(true);
  });

  test.each(['oncall', 'a@b.c;d@e.f'])('opsEmail %p is rejected naming the value', (opsEmail) => {
    expect(() => synthPortwatch({ opsEmail })).toThrow(`opsEmail must be one e-mail address such as ops@example.com, got ${JSON.stringify(opsEmail)}`);
  });

  test('alertEmail subscribes the address, with a dead-letter queue', () => {
    // Prepare / Act
    const { stack, template } = synthPortwatch({ alertEmail: 'ops@example.com' });

    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: logicalIdOf(stack, 'Alerts/Topic') },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(stack, 'Alerts/EmailDeadLetterQueue/Queue'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, 'Alerts/EmailDeadLetterQueue/Queue'), 'QueueName'] } }],
      AlarmActions: [{ Ref: logicalIdOf(stack, 'Ops/Topic') }],
    });
  });

  test.each(['ops', 'ops@example', 'a@b.c, d@e.f', 'ops @example.com'])('alertEmail %p is rejected naming the value', (alertEmail) => {
    expect(() => synthPortwatch({ alertEmail })).toThrow(`alertEmail must be one e-mail address such as ops@example.com, got ${JSON.stringify(alertEmail)}`);
  });

  test('defaultPort, probeTimeoutMs, allowedCidrs and proberMaxConcurrency reach the prober', () => {
    // Prepare / Act
    const { stack, template } = synthPortwatch({
      defaultPort: 1883,
      probeTimeoutMs: 5000,
      allowedCidrs: ['10.0.0.0/8', 'fd00::/8'],
      proberMaxConcurrency: 50,
    });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ DEFAULT_PORT: '1883', PROBE_TIMEOUT_MS: '5000', ALLOWED_CIDRS: '10.0.0.0/8,fd00::/8' }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DEFAULT_PORT: '1883', TARGETS_TABLE_NAME: { Ref: logicalIdOf(stack, 'Tables/TargetsTable') } }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 50 } });
  });

  test.each([
    [{ defaultPort: 0 }, 'defaultPort must be an integer from 1 to 65535, got 0'],
    [{ proberMaxConcurrency: 1 }, 'proberMaxConcurrency must be an integer from 2 to 1000, got 1'],
    [{ allowedCidrs: ['10.0.0.0'] }, 'allowedCidrs must list CIDR blocks such as 10.0.0.0/8 or fd00::/8, got "10.0.0.0"'],
    [{ probeTimeoutMs: 50 }, 'probeTimeoutMs must be an integer from 100 to 30000, got 50'],
    [{ proberBatchSize: 11 }, 'proberBatchSize must be an integer from 1 to 10, got 11'],
    [{ proberMemorySize: 64 }, 'proberMemorySize must be an integer from 128 to 10240, got 64'],
    [{ proberTimeout: Duration.seconds(5) }, 'proberTimeout (seconds) must be an integer from 10 to 900, got 5'],
    [{ scheduleMinutes: 10, postureEveryMinutes: 5 }, 'postureEveryMinutes must be an integer from 10 to 1440, got 5'],
    [{ postureEveryMinutes: -1 }, 'postureEveryMinutes must not be negative, got -1'],
  ])('%p is rejected', (props, message) => {
    expect(() => synthPortwatch(props)).toThrow(message);
  });

  test('a probe deadline that cannot fit in the prober timeout is rejected, a longer timeout accepts it', () => {
    // Act / Assess
    expect(() => synthPortwatch({ probeTimeoutMs: 30_000 })).toThrow(/^proberTimeout \(seconds\) must exceed the worst case of one target .*, got 60$/);
    expect(() => synthPortwatch({ probeTimeoutMs: 30_000, proberTimeout: Duration.minutes(4) })).not.toThrow();
  });
});
