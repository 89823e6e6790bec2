import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { PortwatchFunction, REPO_ROOT } from '../../../../lib/infra/constructs/portwatch-function';
import { logicalIdOf, testStack } from '../../../helpers/synth';

function build(props: Partial<ConstructorParameters<typeof PortwatchFunction>[2]> = {}) {
  const stack = testStack();
  const fn = new PortwatchFunction(stack, 'Fn', {
    entry: 'lambda/handlers/dispatcher.ts',
    description: 'test function',
    memorySize: 384,
    timeout: Duration.seconds(42),
    environment: { FOO: 'bar' },
    ...props,
  });
  return { stack, fn, template: Template.fromStack(stack) };
}

describe('PortwatchFunction', () => {
  test('pins runtime, architecture, memory, timeout, tracing and source maps', () => {
    // Prepare / Act
    const { template } = build();

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 384,
      Timeout: 42,
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { FOO: 'bar', NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  test('logs to its own log group with a one-month retention by default', () => {
    // Prepare / Act
    const { stack, template } = build();
    const logGroupId = logicalIdOf(stack, 'FnLogGroup');

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
    expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties).not.toHaveProperty('LogGroupName');
    // No logRetention custom resource (it would show up as a second function).
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toEqual([logicalIdOf(stack, 'Fn')]);
  });

  test('honours a custom log retention', () => {
    const { template } = build({ logGroupRetention: RetentionDays.ONE_WEEK });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('has a role without AWS managed policies that may write only its own log group and X-Ray', () => {
    // Prepare
    const { stack, template } = build();
    const statements = new Capture();

    // Act
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(stack, 'FnServiceRole') }],
      PolicyDocument: { Statement: statements },
    });

    // Assess
    const role = template.findResources('AWS::IAM::Role')[logicalIdOf(stack, 'FnServiceRole')];
    expect(role?.Properties).not.toHaveProperty('ManagedPolicyArns');
    expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'lambda.amazonaws.com' } }),
    ]);
    expect(statements.asArray()).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalIdOf(stack, 'FnLogGroup'), 'Arn'] } },
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
    ]);
  });

  test('passes the asynchronous invocation settings through', () => {
    // Prepare / Act
    const { template } = build({ retryAttempts: 0, maxEventAge: Duration.minutes(2) });

    // Assess
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 120,
      Qualifier: '$LATEST',
    });
  });

  test('has no asynchronous invocation config unless asked', () => {
    const { template } = build();
    expect(template.findResources('AWS::Lambda::EventInvokeConfig')).toEqual({});
    template.hasResourceProperties('AWS::Lambda::Function', { DeadLetterConfig: Match.absent() });
  });

  test.each(['lambda/handlers/dispatcher.ts', 'lambda/handlers/prober.ts'])('entry %s exports `handler`', (entry) => {
    // Act
    const source = readFileSync(path.join(REPO_ROOT, entry), 'utf8');

    // Assess: the function's Handler is index.handler, so the bundle must export exactly that name.
    expect(source).toMatch(/export\s+(async\s+function\s+handler\b|function\s+handler\b|const\s+handler\b|\{[^}]*\bhandler\b[^}]*\})/);
  });
});
