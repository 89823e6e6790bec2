/**
 * The package entry point as a CDK user meets it: `import { PortwatchMonitor } from 'portwatch'` (the
 * package's own name, resolved through package.json `exports` as an installed copy would be), the
 * monitor embedded in a stack of the user's, next to the user's own resources.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { PortwatchMonitor, PortwatchStack } from 'portwatch';
import { synthPortwatch, testApp } from '../helpers/synth';

/** Asset hashes change with every source edit; the template's shape does not. */
function normalised(template: Template): unknown {
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}\.zip/g, 'ASSET.zip'));
}

describe('PortwatchMonitor, imported through the package name', () => {
  // Prepare (shared: one user app, and the portwatch app's stack with the same settings)
  const props = { scheduleMinutes: 1, alertEmail: 'security@example.com' };
  const stack = new Stack(testApp(), 'Portwatch');
  // `Default`: the id the portwatch app's own stack gives it, which CDK leaves out of logical ids.
  const monitor = new PortwatchMonitor(stack, 'Default', props);
  const userQueue = new sqs.Queue(stack, 'UserQueue', { enforceSSL: true });
  monitor.alerts.topic.addSubscription(new subscriptions.SqsSubscription(userQueue));
  const template = Template.fromStack(stack);

  test('builds the monitor in the user stack from typed props, beside the user resources', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'security@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', TopicArn: { Ref: stack.getLogicalId(monitor.alerts.topic.node.defaultChild as never) } });
    template.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: [{ AttributeName: 'target', KeyType: 'HASH' }], DeletionProtectionEnabled: true });
  });

  test('adds no stack outputs and no physical names: a user may embed it twice', () => {
    expect(template.findOutputs('*')).toEqual({});
    template.allResourcesProperties('AWS::DynamoDB::Table', { TableName: Match.absent() });
    template.allResourcesProperties('AWS::SNS::Topic', { TopicName: Match.absent() });
    template.allResourcesProperties('AWS::SQS::Queue', { QueueName: Match.absent() });
  });

  test("is the portwatch app's stack: its resources are the stack's, logical ids included, and the user's come on top", () => {
    // Act
    const app = synthPortwatch(props);
    const embedded = normalised(template) as { Resources: Record<string, unknown> };
    const deployed = normalised(app.template) as { Resources: Record<string, unknown> };

    // Assess
    expect(app.stack).toBeInstanceOf(PortwatchStack);
    const extra = Object.keys(embedded.Resources).filter((id) => !(id in deployed.Resources));
    expect(extra.map((id) => (embedded.Resources[id] as { Type: string }).Type).sort()).toEqual(['AWS::SNS::Subscription', 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy']);
    const ownSubscription = extra.find((id) => (embedded.Resources[id] as { Type: string }).Type === 'AWS::SQS::QueuePolicy');
    expect(ownSubscription).toMatch(/^UserQueue/);
    expect(Object.fromEntries(Object.keys(deployed.Resources).map((id) => [id, embedded.Resources[id]]))).toEqual(deployed.Resources);
  });
});
