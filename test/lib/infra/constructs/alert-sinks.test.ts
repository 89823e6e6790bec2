/**
 * The three integrations on the synthesized stack: one synth with all of them on (an option set costs
 * one synth), asserting each one's least-privilege grant, the prober's environment (read back by the
 * prober's own strict parser), the chat topic and its output, and cdk-nag. The default stack's
 * absence of all three is asserted on the grantee-level construct test below, without a synth.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { parseProberEnv } from '../../../../lambda/contracts/prober-env';
import { OPTIONAL_OUTPUT_KEYS } from '../../../../lambda/contracts/stack-outputs';
import { grantAlertSinks } from '../../../../lib/infra/constructs/alert-sinks';
import { asArray, logicalIdOf, policyStatements, synthPortwatch, testApp } from '../../../helpers/synth';

/** The product ARN CDK writes for the stack's own account and region. */
const PRODUCT_ARN = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':product/', { Ref: 'AWS::AccountId' }, '/default']],
};
const BUS_ARN = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:event-bus/${name}`]],
});

describe('PortwatchStack with securityHub, eventBus and chatTopic', () => {
  // Prepare (shared: one synth for this option set)
  const { stack, template } = synthPortwatch({ securityHub: true, eventBusName: 'security-events', chatTopic: true });
  const proberPolicy = logicalIdOf(stack, 'ProbeFanOut/ProberServiceRole/DefaultPolicy');
  const chatTopic = logicalIdOf(stack, 'Chat/Topic');
  const statements = policyStatements(template);
  const granting = (action: string) => statements.filter(({ statement }) => asArray(statement.Action).includes(action));

  test('Security Hub: BatchImportFindings on the account default product only, to the prober only', () => {
    expect(granting('securityhub:BatchImportFindings')).toEqual([
      { policy: proberPolicy, statement: { Action: 'securityhub:BatchImportFindings', Effect: 'Allow', Resource: PRODUCT_ARN } },
    ]);
    // No other Security Hub action anywhere (BatchUpdateFindings is the customer's, not the provider's).
    expect(statements.filter(({ statement }) => JSON.stringify(statement.Action).includes('securityhub:') && statement.Effect === 'Allow')).toHaveLength(1);
  });

  test('EventBridge: PutEvents on the one bus only, to the prober only', () => {
    expect(granting('events:PutEvents')).toEqual([{ policy: proberPolicy, statement: { Action: 'events:PutEvents', Effect: 'Allow', Resource: BUS_ARN('security-events') } }]);
  });

  test('chat: a second encrypted, TLS-only topic; only the prober may publish to it; its ARN is an output', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'portwatch chat', KmsMasterKeyId: Match.anyValue() });
    const publishers = granting('sns:Publish').filter(({ statement }) => JSON.stringify(statement.Resource).includes(`"${chatTopic}"`));
    expect(publishers).toEqual([{ policy: proberPolicy, statement: { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: chatTopic } } }]);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: chatTopic }],
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    template.hasOutput(OPTIONAL_OUTPUT_KEYS.chatTopicArn, { Value: { Ref: chatTopic } });
  });

  test("the prober's environment names the three sinks, and the prober's own parser reads every variable", () => {
    // Prepare
    const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, 'ProbeFanOut/Prober')] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    const variables = fn.Properties.Environment.Variables;

    // Act
    const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    const config = parseProberEnv(env, { strict: true });

    // Assess
    expect(variables).toMatchObject({ SECURITY_HUB_FINDINGS: 'true', EVENT_BUS_NAME: 'security-events', CHAT_TOPIC_ARN: { Ref: chatTopic } });
    expect(config).toMatchObject({ securityHub: true, eventBusName: 'security-events', chatTopicArn: JSON.stringify({ Ref: chatTopic }) });
  });

  test('one alarm per sink that keeps refusing alerts, notifying the operations topic', () => {
    const opsTopic = logicalIdOf(stack, 'Ops/Topic');
    for (const sink of ['security-hub', 'eventbridge', 'chat']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'SinkFailures',
        Namespace: 'Portwatch',
        Dimensions: Match.arrayWith([{ Name: 'sink', Value: sink }]),
        EvaluationPeriods: 3,
        AlarmActions: [{ Ref: opsTopic }],
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test('cdk-nag AwsSolutions and Serverless stay clean', () => {
    const findings = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) => pack.validateScope(stack).violations);
    expect(findings.map((f) => `${f.ruleName} ${f.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

describe('grantAlertSinks', () => {
  test('the default bus: PutEvents on event-bus/default; nothing at all when no sink is asked for', () => {
    // Prepare
    const stack = new Stack(testApp(), 'Sinks');
    const withBus = new iam.Role(stack, 'WithBus', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const without = new iam.Role(stack, 'Without', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // Act
    grantAlertSinks(withBus, { eventBus: events.EventBus.fromEventBusName(stack, 'Bus', 'default') }, stack);
    grantAlertSinks(without, {}, stack);

    // Assess
    const statements = policyStatements(Template.fromStack(stack));
    expect(statements.map(({ statement }) => statement)).toEqual([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: BUS_ARN('default') }]);
  });
});
