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
  // Prepare (shared: one user app)
  const stack = new Stack(testApp(), 'UserStack');
  const monitor = new PortwatchMonitor(stack, 'Portwatch', { scheduleMinutes: 1, alertEmail: 'security@example.com' });
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

  test("is the portwatch app's stack: under the id `Default` its resources are the stack's, logical ids included", () => {
    // Prepare
    const user = new Stack(testApp(), 'Portwatch');
    new PortwatchMonitor(user, 'Default');
    const app = synthPortwatch();

    // Act
    const embedded = normalised(Template.fromStack(user)) as { Resources: unknown };
    const deployed = normalised(app.template) as { Resources: unknown };

    // Assess
    expect(app.stack).toBeInstanceOf(PortwatchStack);
    expect(embedded.Resources).toEqual(deployed.Resources);
  });
});
