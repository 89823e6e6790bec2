import { Duration, type Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { PortwatchMonitoring, type PortwatchMonitoringProps } from '../../../../lib/infra/constructs/portwatch-monitoring';
import { METRIC, SINK_NAMES } from '../../../../lambda/contracts/metrics';
import { SinkAlarms } from '../../../../lib/infra/constructs/sink-alarms';
import { logicalIdOf, testStack } from '../../../helpers/synth';

/** Custom metrics sent only by a feature a deployment switches on (alert sinks, discovery): on the dashboard only then. */
const FEATURE_METRICS: ReadonlySet<string> = new Set([
  METRIC.sinkDeliveries, METRIC.sinkFailures, METRIC.sinkDeliveriesAbandoned, METRIC.sinkDeliveriesPending,
  METRIC.findingsRefreshed, METRIC.refreshFailures, METRIC.discoveryScopesFailed, METRIC.vantageDispatchFailures,
]);

function build(extra: Partial<PortwatchMonitoringProps> | ((stack: Stack) => Partial<PortwatchMonitoringProps>) = {}) {
  const stack = testStack();
  const props = typeof extra === 'function' ? extra(stack) : extra;
  const fn = (id: string) =>
    new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
  const dlq = new sqs.Queue(stack, 'Dlq');
  const dlqAlarm = new cloudwatch.Alarm(stack, 'DlqAlarm', { metric: dlq.metricApproximateNumberOfMessagesVisible(), threshold: 1, evaluationPeriods: 1 });
  const monitoring = new PortwatchMonitoring(stack, 'Monitoring', {
    dispatcher: fn('Dispatcher'),
    prober: fn('Prober'),
    probeQueue: new sqs.Queue(stack, 'ProbeQueue'),
    deadLetterQueues: [{ label: 'probe messages', queue: dlq }],
    stateTable: new dynamodb.Table(stack, 'State', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } }),
    alertsTopic: new sns.Topic(stack, 'AlertsTopic'),
    opsTopic: new sns.Topic(stack, 'OpsTopic'),
    tickRate: Duration.minutes(5),
    alarms: [dlqAlarm],
    ...props,
  });
  return { stack, monitoring, template: Template.fromStack(stack) };
}

const CUSTOM = { Namespace: 'Portwatch', Dimensions: [{ Name: 'service', Value: 'portwatch' }] };

/** The dashboard body as JSON: the Fn::Join of strings and tokens, each token written as `<Ref ...>`. */
function dashboardBody(template: Template): any {
  const body = new Capture();
  template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardBody: body });
  const join = body.asObject() as { 'Fn::Join': [string, unknown[]] };
  const text = join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part).replace(/"/g, "'")}>`)).join('');
  return JSON.parse(text);
}

/** Metric names per widget title: `[namespace, name, ...dimension pairs, options]` rows of every graph. */
function metricsByWidget(body: any): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const widget of body.widgets as any[]) {
    if (widget.type !== 'metric' || !widget.properties.metrics) continue;
    out.set(
      widget.properties.title,
      (widget.properties.metrics as unknown[][]).map((row) => row.filter((cell): cell is string => typeof cell === 'string')),
    );
  }
  return out;
}

describe('PortwatchMonitoring alarms', () => {
  // Prepare (shared, read-only)
  const { stack, template } = build();
  const ops = { Ref: logicalIdOf(stack, 'OpsTopic') };
  const notifyOps = { AlarmActions: [ops], OKActions: [ops] };

  test('backlog: a probe message older than one tick (300 s, max, 2 x 5 min)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, 'ProbeQueue'), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 300,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ...notifyOps,
    });
  });

  test('missed ticks: dispatcher invocations minus errors (free AWS/Lambda metrics) < 1 in each of 3 tick periods, missing data breaching', () => {
    const dispatcher = [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack, 'Dispatcher') } }];
    const lambdaSum = (MetricName: string) =>
      Match.objectLike({ MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName, Dimensions: dispatcher }, Period: 300, Stat: 'Sum' }, ReturnData: false });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'invocations - FILL(errors, 0)', ReturnData: true }), lambdaSum('Invocations'), lambdaSum('Errors')]),
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
      ...notifyOps,
    });
  });

  test('no alarm reads a custom metric sent on every tick: each one it reads is sent only when not zero', () => {
    const custom = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'Portwatch' } })).map((a: any) => a.Properties.MetricName).sort();
    expect(custom).toEqual(['AlertsPending', 'ScannerDegraded']);
  });

  test('alerts pending: AlertsPending max > 0 in each of 3 tick periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...CUSTOM,
      MetricName: 'AlertsPending',
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      ...notifyOps,
    });
  });

  test('scanner degraded: ScannerDegraded max >= 1 in one tick period', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...CUSTOM,
      MetricName: 'ScannerDegraded',
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      ...notifyOps,
    });
  });

  test.each([
    ['Dispatcher', 'Errors'],
    ['Dispatcher', 'Throttles'],
    ['Prober', 'Errors'],
    ['Prober', 'Throttles'],
  ])('%s %s: sum >= 1 in 5 minutes', (fn, metric) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack, fn) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      ...notifyOps,
    });
  });

  test('every alarm made here notifies the operations topic, never the alerts topic, and says what to do', () => {
    // Act
    const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmActions: Match.anyValue() } });

    // Assess
    const byMetric = Object.values(alarms).map((a: any) => (a.Properties.MetricName ?? a.Properties.Metrics?.find((m: any) => m.Expression)?.Expression) as string).sort();
    expect(byMetric).toEqual(['AlertsPending', 'ApproximateAgeOfOldestMessage', 'Errors', 'Errors', 'ScannerDegraded', 'Throttles', 'Throttles', 'invocations - FILL(errors, 0)']);
    for (const alarm of Object.values(alarms) as any[]) {
      expect(alarm.Properties).toMatchObject(notifyOps);
      expect(alarm.Properties.AlarmDescription.length).toBeGreaterThan(80);
    }
  });
});

describe('PortwatchMonitoring alarm periods follow the tick', () => {
  test('with a 1-hour tick the tick alarms evaluate 1-hour periods and the backlog threshold is 3600 s', () => {
    // Prepare / Act
    const { template } = build({ tickRate: Duration.hours(1), missedTicksToAlarm: 2 });

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Invocations' }), Period: 3600 }) })]),
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AlertsPending', Period: 3600, EvaluationPeriods: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 3600 });
  });

  test.each([
    [{ tickRate: Duration.minutes(30), missedTicksToAlarm: 49 }, /^missedTicksToAlarm must be an integer from 1 to 10, got 49/],
    [{ tickRate: Duration.days(1), pendingTicksToAlarm: 8 }, /^pendingTicksToAlarm \(8\) times the tick period \(1 day\) exceeds the 7-day range/],
    [{ tickRate: Duration.minutes(59), missedTicksToAlarm: 0 }, /^missedTicksToAlarm must be an integer from 1 to 10, got 0/],
  ])('%p is refused at synth, not at deploy', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe('PortwatchMonitoring dashboard', () => {
  // Prepare (shared, read-only)
  const { stack, monitoring, template } = build();
  const body = dashboardBody(template);
  const widgets = metricsByWidget(body);
  const names = (title: string) => (widgets.get(title) ?? []).map((row) => row[1]);

  test('has a generated name, and its URL is the DashboardUrl', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.absent() });
    expect(stack.resolve(monitoring.dashboardUrl)).toEqual({
      'Fn::Join': ['', expect.arrayContaining(['#dashboards:name=', { Ref: logicalIdOf(stack, 'Monitoring/Dashboard') }])],
    });
  });

  test('shows the state of every alarm, its own and the ones passed in', () => {
    // Act
    const alarmWidget = (body.widgets as any[]).find((w) => w.type === 'alarm');
    const shown = JSON.stringify(alarmWidget.properties.alarms);
    const own = ['MissedTickAlarm', 'ProbeBacklogAlarm', 'AlertsPendingAlarm', 'ScannerDegradedAlarm', 'DispatcherErrorsAlarm', 'DispatcherThrottlesAlarm', 'ProberErrorsAlarm', 'ProberThrottlesAlarm'];

    // Assess
    expect(alarmWidget.properties.alarms).toHaveLength(own.length + 1);
    for (const id of [...own.map((a) => `Monitoring/${a}`), 'DlqAlarm']) expect(shown).toContain(logicalIdOf(stack, id));
  });

  test('has a scanner health and a fleet state section', () => {
    const texts = (body.widgets as any[]).filter((w) => w.type === 'text').map((w) => w.properties.markdown);
    expect(texts).toEqual(['## Scanner health', '## Fleet state']);
  });

  /** The Logs Insights widgets: title -> [log groups, query]. */
  const logWidgets = new Map<string, { sources: string; query: string }>(
    (body.widgets as any[]).filter((w) => w.type === 'log').map((w) => [w.properties.title, { sources: w.properties.query.split('|')[0], query: w.properties.query }]),
  );

  test('scanner health: ticks from the Lambda metrics, per-tick figures from the log lines, Lambda, queues, dead-letter queues', () => {
    const ticks = (body.widgets as any[]).find((w) => w.properties.title === 'Ticks');
    expect(JSON.stringify(ticks.properties.metrics)).toContain('"expression":"invocations - FILL(errors, 0)"');
    expect(names('Ticks').filter(Boolean)).toEqual(['Invocations', 'Errors']);
    expect(logWidgets.get('Targets per tick')?.query).toContain('filter message = "tick dispatched"');
    expect(logWidgets.get('Targets per tick')?.query).toContain('stats max(dispatched) as targets by bin(5m)');
    expect(logWidgets.get('Tick duration and probe latency (ms)')?.query).toContain(
      'filter message = "batch probed"\n| stats max(tickAgeMs) as tickDuration, max(latencyP50Ms) as latencyP50, max(latencyMaxMs) as latencyMax by bin(5m)',
    );
    expect(logWidgets.get('Probes by status')?.query).toContain(
      'stats sum(probesByStatus.open) as open, sum(probesByStatus.closed) as closed, sum(probesByStatus.filtered) as filtered, sum(probesByStatus.unreachable) as unreachable, sum(probesByStatus.error) as error by bin(5m)',
    );
    expect(logWidgets.get('Probes by status')?.sources).toContain('Prober');
    expect(names('Probe queue')).toEqual(['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage']);
    expect(names('Dead-letter queues')).toEqual(['ApproximateNumberOfMessagesVisible']);
    for (const fn of ['Dispatcher', 'Prober']) {
      expect(names(`${fn}: invocations, errors, throttles`)).toEqual(['Invocations', 'Errors', 'Throttles']);
      expect(names(`${fn}: duration`)).toEqual(['Duration', 'Duration']);
    }
    expect(names('Retries and unfinished work')).toEqual(['RecordsRetried', 'TargetsUnfinished', 'FlapsSuppressed']);
  });

  test('fleet state: transitions, posture changes and alerts sent from the log lines; alerts pending, SNS failures, invalid targets, degraded', () => {
    expect(logWidgets.get('Transitions, posture changes, alerts sent')?.query).toContain(
      'stats sum(transitions) as transitions, sum(postureChanges) as postureChanges, sum(alertsPublished) as alertsSent by bin(5m)',
    );
    expect(names('Alerts pending and SNS failures')).toEqual(['AlertsPending', 'NumberOfNotificationsFailed']);
    expect(names('Invalid targets and scanner degraded')).toEqual(['InvalidTargets', 'ScannerDegraded']);
    expect(names('State table writes')).toEqual(['ConsumedWriteCapacityUnits']);
  });

  test('every custom metric still sent is on it, in the Portwatch namespace with the service dimension', () => {
    const custom = [...widgets.values()].flat().filter((row) => row[0] === 'Portwatch');
    const core = Object.values(METRIC).filter((name) => !FEATURE_METRICS.has(name));
    expect(new Set(custom.map((row) => row[1]))).toEqual(new Set(core));
    for (const row of custom) expect(row.slice(2, 4)).toEqual(['service', 'portwatch']);
  });

  test("a feature's metrics (the alert sinks') are on it when the feature is on, in a last row", () => {
    // Prepare
    const withSinks = build((stack) => ({
      featureGraphs: new SinkAlarms(stack, 'SinkAlarms', { sinks: Object.values(SINK_NAMES), opsTopic: new sns.Topic(stack, 'SinkOps'), tickRate: Duration.minutes(5) }).graphs,
    }));
    // Act
    const rows = [...metricsByWidget(dashboardBody(withSinks.template)).values()].flat().filter((row) => row[0] === 'Portwatch');
    // Assess
    const sinkMetrics = [...FEATURE_METRICS].filter((name) => name !== METRIC.discoveryScopesFailed && name !== METRIC.vantageDispatchFailures);
    expect(new Set(rows.map((row) => row[1]))).toEqual(new Set([...Object.values(METRIC).filter((name) => !FEATURE_METRICS.has(name)), ...sinkMetrics]));
    expect(rows.filter((row) => row[1] === METRIC.sinkFailures).map((row) => row.slice(2, 6))).toEqual(
      Object.values(SINK_NAMES).map((sink) => ['service', 'portwatch', 'sink', sink]),
    );
  });
});
