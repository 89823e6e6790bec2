import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { PortwatchMonitoring } from '../../../lib/constructs/portwatch-monitoring';
import { logicalIdOf, testStack } from '../helpers/synth';

describe('PortwatchMonitoring', () => {
  // Prepare
  const stack = testStack();
  const fn = (id: string) =>
    new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
  const probeQueue = new sqs.Queue(stack, 'ProbeQueue');
  const dlqAlarm = new cloudwatch.Alarm(stack, 'DlqAlarm', {
    metric: new sqs.Queue(stack, 'Dlq').metricApproximateNumberOfMessagesVisible(),
    threshold: 1,
    evaluationPeriods: 1,
  });
  const monitoring = new PortwatchMonitoring(stack, 'Monitoring', {
    dispatcher: fn('Dispatcher'),
    prober: fn('Prober'),
    probeQueue,
    stateTable: new dynamodb.Table(stack, 'State', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } }),
    alertsTopic: new sns.Topic(stack, 'Topic'),
    tickRate: Duration.minutes(5),
    alarms: [dlqAlarm],
  });
  // Act
  const template = Template.fromStack(stack);

  test('alarms when a probe message waits longer than one tick', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, 'ProbeQueue'), 'QueueName'] } }],
      Threshold: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalIdOf(stack, 'Topic') }],
    });
  });

  test('has a dashboard with a generated name that shows every alarm', () => {
    // Act
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);

    // Assess
    expect(dashboards).toEqual([expect.objectContaining({ Properties: expect.not.objectContaining({ DashboardName: expect.anything() }) })]);
    expect(body).toContain(logicalIdOf(stack, 'DlqAlarm'));
    expect(body).toContain(logicalIdOf(stack, 'Monitoring/ProbeBacklogAlarm'));
    expect(stack.resolve(monitoring.dashboardUrl)).toEqual({
      'Fn::Join': ['', expect.arrayContaining(['#dashboards:name=', { Ref: logicalIdOf(stack, 'Monitoring/Dashboard') }])],
    });
  });
});
