import type { Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { parseReprobeEnv } from '../../../lambda/contracts/discovery-env';
import { parseDispatcherEnv } from '../../../lambda/contracts/dispatcher-env';
import { parseProberEnv } from '../../../lambda/contracts/prober-env';
import { vantageQueueName } from '../../../lambda/contracts/vantage-stacks';
import { PortwatchConfigError } from '../../../lib/infra/constructs/config-validation';
import { addPortwatchStacks, type PortwatchStacks } from '../../../lib/infra/portwatch-stacks';
import { PortwatchStack, type PortwatchStackProps } from '../../../lib/infra/portwatch-stack';
import { logicalIdOf, testApp } from '../../helpers/synth';

/*
 * The app's stacks with several vantage points, from one synth (home eu-central-1, probers in
 * us-east-1, eu-west-1 and ap-southeast-2): the stack list, least privilege on every template (each
 * regional prober holds exactly the home prober's grants, on the home ARNs; the home dispatcher and
 * the re-probe function may send to each regional queue; nothing else crosses regions), each
 * function's environment read by its own parser, cdk-nag, and one vantage point giving today's template.
 */

const ENV = { account: '123456789012', region: 'eu-central-1' } as const;
const OTHERS = ['ap-southeast-2', 'eu-west-1', 'us-east-1'] as const;

type Json = Record<string, unknown>;

/** The prober's policy statements in a template, captured from the policy attached to the prober's role. */
function proberStatements(stack: Stack, template: Template): Json[] {
  const statements = new Capture();
  template.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: logicalIdOf(stack, 'ProbeFanOut/ProberServiceRole') }], PolicyDocument: { Statement: statements } });
  return statements.asArray() as Json[];
}

/** A regional value with every Fn::GetStackOutput replaced by the home output's own value, as CloudFormation resolves it. */
function withHomeOutputs(value: unknown, home: Json): unknown {
  if (Array.isArray(value)) return value.map((v) => withHomeOutputs(v, home));
  if (value === null || typeof value !== 'object') return value;
  const ref = (value as Json)['Fn::GetStackOutput'] as { StackName: string; Region: string; OutputName: string } | undefined;
  if (ref !== undefined) {
    expect({ stack: ref.StackName, region: ref.Region }).toEqual({ stack: 'Portwatch', region: ENV.region });
    const output = (home.Outputs as Record<string, { Value: unknown }>)[ref.OutputName];
    if (output === undefined) throw new Error(`the home stack has no output ${ref.OutputName}`);
    return output.Value;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withHomeOutputs(v, home)]));
}

/** A value as a function sees it at run time: references become placeholders, the partition and URL suffix AWS's. */
function runtimeString(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as Json)['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(runtimeString).join(join[0]);
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
  const ref = (value as Json).Ref;
  if (typeof ref === 'string' && pseudo[ref] !== undefined) return pseudo[ref];
  return `{cfn ${JSON.stringify(value)}}`;
}

function environmentOf(stack: Stack, template: Template, path: string): Record<string, string> {
  const fn = template.toJSON().Resources[logicalIdOf(stack, path)] as { Properties: { Environment: { Variables: Json } } };
  return Object.fromEntries(Object.entries(fn.Properties.Environment.Variables).map(([name, value]) => [name, runtimeString(value)]));
}

describe('addPortwatchStacks with -c regions=us-east-1,eu-west-1,ap-southeast-2 (home eu-central-1)', () => {
  let stacks: PortwatchStacks;
  let home: Template;
  let probers: Map<string, { stack: Stack; template: Template }>;
  beforeAll(() => {
    // With every alert sink and discovery: a regional prober sends to the same sinks, in the home
    // region, and looks up the root cause of a discovered target as the home prober does.
    stacks = addPortwatchStacks(testApp(), 'Portwatch', { env: ENV, vantageRegions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'], securityHub: true, eventBusName: 'default', chatTopic: true, discovery: {} });
    home = Template.fromStack(stacks.home);
    probers = new Map(stacks.probers.map((stack) => [stack.region, { stack, template: Template.fromStack(stack) }]));
  });

  test('the home stack and one prober stack per other region, each deployed after the home stack', () => {
    expect([stacks.home, ...stacks.probers].map((s) => [s.stackName, s.region, s.dependencies.map((d) => d.stackName)])).toEqual([
      ['Portwatch', 'eu-central-1', []],
      ['Portwatch-prober-ap-southeast-2', 'ap-southeast-2', ['Portwatch']],
      ['Portwatch-prober-eu-west-1', 'eu-west-1', ['Portwatch']],
      ['Portwatch-prober-us-east-1', 'us-east-1', ['Portwatch']],
    ]);
  });

  test.each(OTHERS)('the prober in %s holds exactly the home prober\'s grants, on the home tables, topics, Security Hub and bus', (region) => {
    // Prepare
    const { stack, template } = probers.get(region) ?? fail(region);
    const homeStatements = proberStatements(stacks.home, home);

    // Act: each Fn::GetStackOutput as CloudFormation resolves it, from the home stack's outputs
    const regional = withHomeOutputs(proberStatements(stack, template), home.toJSON());

    // Assess: the same statements; the log group and the queue are the region's own (same logical ids).
    expect(regional).toEqual(homeStatements);
    expect(homeStatements).toEqual(
      expect.arrayContaining([
        { Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], Effect: 'Allow', Resource: [{ 'Fn::GetAtt': [logicalIdOf(stacks.home, 'Tables/StateTable'), 'Arn'] }] },
        expect.objectContaining({ Action: 'dynamodb:UpdateItem', Resource: { 'Fn::GetAtt': [logicalIdOf(stacks.home, 'Tables/TargetsTable'), 'Arn'] } }),
        { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: logicalIdOf(stacks.home, 'Alerts/Topic') } },
        { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: logicalIdOf(stacks.home, 'Chat/Topic') } },
      ]),
    );
    // The sinks are the home region's: its Security Hub product and its default bus.
    const onHome = (action: string): string[] => homeStatements.filter((st) => st.Action === action).map((st) => runtimeString(st.Resource));
    expect(onHome('securityhub:BatchImportFindings')).toEqual([`arn:aws:securityhub:${ENV.region}:${ENV.account}:product/${ENV.account}/default`]);
    expect(onHome('events:PutEvents')).toEqual([`arn:aws:events:${ENV.region}:${ENV.account}:event-bus/default`]);
  });

  test.each(OTHERS)("the prober in %s has the home prober's root-cause lookup: the same read-only policy, in its own stack", (region) => {
    // Prepare
    const { stack, template } = probers.get(region) ?? fail(region);
    const policyOf = (s: Stack, t: Template, path: string): unknown => {
      const statements = new Capture();
      t.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: logicalIdOf(s, 'ProbeFanOut/ProberServiceRole') }], PolicyName: Match.stringLikeRegexp(path), PolicyDocument: { Statement: statements } });
      return statements.asArray();
    };

    // Assess
    expect(policyOf(stack, template, 'ProberRootCausePolicy')).toEqual(policyOf(stacks.home, home, 'ProberRootCausePolicy'));
  });

  test.each(OTHERS)('the prober stack in %s reads nothing of the home stack but the ARNs of the two tables and the two topics, and creates no role or function beyond its prober', (region) => {
    const { template } = probers.get(region) ?? fail(region);
    const read = JSON.stringify(template.toJSON()).match(/"OutputName":"[^"]+"/g) ?? [];
    expect(new Set(read)).toEqual(new Set(['"OutputName":"PublishOutputFnGetAttTablesStateTableD41017F5ArnC80FA184"', '"OutputName":"PublishOutputFnGetAttTablesTargetsTableF5819D90Arn65261529"', '"OutputName":"PublishOutputRefAlertsTopicCF7C81C934227F3B"', '"OutputName":"PublishOutputRefChatTopicF009380F4A5C2AC9"']));
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toEqual([logicalIdOf(probers.get(region)?.stack ?? fail(region), 'ProbeFanOut/Prober')]);
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toEqual([logicalIdOf(probers.get(region)?.stack ?? fail(region), 'ProbeFanOut/ProberServiceRole')]);
  });

  test.each(OTHERS)('the queue in %s has the name the home dispatcher sends to, and its dead-letter queue and alarms notify its own ops topic', (region) => {
    const { stack, template } = probers.get(region) ?? fail(region);
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: vantageQueueName('Portwatch', region), RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
    const ops = { Ref: logicalIdOf(stack, 'Ops/Topic') };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmActions: unknown[]; OKActions: unknown[] } }[];
    expect(alarms.map((a) => a.Properties.AlarmActions)).toEqual([[ops], [ops], [ops]]);
  });

  // The functions that send probe messages: the dispatcher (each tick) and discovery's re-probe (each change).
  const SENDERS = ['ProbeSchedule/DispatcherServiceRole', 'Discovery/ReproberServiceRole'] as const;
  const regionalArn = (region: string): Json => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sqs:${region}:${ENV.account}:${vantageQueueName('Portwatch', region)}`]] });

  test.each(SENDERS)('%s may send to the home queue and to each regional queue, by ARN', (role) => {
    // Prepare
    const statements = new Capture();
    home.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: logicalIdOf(stacks.home, role) }], PolicyDocument: { Statement: statements } });
    const sends = (statements.asArray() as Json[]).filter((s) => s.Action === 'sqs:SendMessage');

    // Assess
    expect(sends.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [logicalIdOf(stacks.home, 'ProbeFanOut/Queue'), 'Arn'] }, ...OTHERS.map(regionalArn)]);
  });

  test('nothing but those sends crosses regions', () => {
    const otherRegions = new RegExp(OTHERS.join('|'));
    const policies = Object.values(home.findResources('AWS::IAM::Policy')) as { Properties: { Roles: unknown; PolicyDocument: { Statement: Json[] } } }[];
    const crossing = policies.flatMap(({ Properties: p }) => p.PolicyDocument.Statement.filter((s) => otherRegions.test(JSON.stringify(s.Resource))).map((s) => ({ roles: p.Roles, ...s })));
    expect(crossing).toEqual(SENDERS.flatMap((role) => OTHERS.map((region) => ({ roles: [{ Ref: logicalIdOf(stacks.home, role) }], Action: 'sqs:SendMessage', Effect: 'Allow', Resource: regionalArn(region) }))));
  });

  test('one alarm per vantage point on the ticks its queue refused, notifying the ops topic', () => {
    for (const vantage of [ENV.region, ...OTHERS]) {
      home.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'VantageDispatchFailures',
        Dimensions: Match.arrayWith([{ Name: 'vantage', Value: vantage }]),
        AlarmActions: [{ Ref: logicalIdOf(stacks.home, 'Ops/Topic') }],
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test('each function environment is read by its own parser, strictly: the vantage points, the quorum, the home region and the queues (the re-probe\'s as the dispatcher\'s)', () => {
    const dispatcher = parseDispatcherEnv(environmentOf(stacks.home, home, 'ProbeSchedule/Dispatcher'), { strict: true });
    expect(dispatcher.vantages).toEqual({
      home: 'eu-central-1',
      others: OTHERS.map((region) => ({ vantage: region, queueUrl: `https://sqs.${region}.amazonaws.com/${ENV.account}/${vantageQueueName('Portwatch', region)}` })),
    });
    expect(parseReprobeEnv(environmentOf(stacks.home, home, 'Discovery/Reprober'), { strict: true }).vantages).toEqual(dispatcher.vantages);
    const all = ['ap-southeast-2', 'eu-central-1', 'eu-west-1', 'us-east-1'];
    const homeProber = parseProberEnv(environmentOf(stacks.home, home, 'ProbeFanOut/Prober'), { strict: true });
    expect({ vantage: homeProber.vantage, homeRegion: homeProber.homeRegion }).toEqual({ vantage: { name: 'eu-central-1', all, quorum: 3 }, homeRegion: null });
    for (const [region, { stack, template }] of probers) {
      const prober = parseProberEnv(environmentOf(stack, template, 'ProbeFanOut/Prober'), { strict: true });
      expect({ vantage: prober.vantage, homeRegion: prober.homeRegion }).toEqual({ vantage: { name: region, all, quorum: 3 }, homeRegion: 'eu-central-1' });
    }
  });

  test('cdk-nag (AwsSolutions, Serverless) finds nothing unacknowledged in any of the stacks', () => {
    const findings = [stacks.home, ...stacks.probers].flatMap((stack) =>
      [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) => pack.validateScope(stack).violations.map((v) => `${stack.stackName} ${v.ruleName}`)),
    );
    expect(findings).toEqual([]);
  });
});

describe('addPortwatchStacks with one vantage point', () => {
  const json = (stack: Stack): unknown => Template.fromStack(stack).toJSON();

  test('no regions, or the home region alone, is the home stack as PortwatchStack builds it, template for template', () => {
    // Act
    const none = addPortwatchStacks(testApp(), 'Portwatch', {});
    const homeOnly = addPortwatchStacks(testApp(), 'Portwatch', { env: ENV, vantageRegions: [ENV.region] });

    // Assess
    expect(none.probers).toEqual([]);
    expect(homeOnly.probers).toEqual([]);
    expect(json(none.home)).toEqual(json(new PortwatchStack(testApp(), 'Portwatch', {})));
    expect(json(homeOnly.home)).toEqual(json(new PortwatchStack(testApp(), 'Portwatch', { env: ENV })));
  });
});

describe('addPortwatchStacks refuses, naming what to set', () => {
  const refusal = (props: PortwatchStackProps): string => {
    try {
      addPortwatchStacks(testApp(), 'Portwatch', props);
    } catch (error) {
      if (error instanceof PortwatchConfigError) return error.message;
      throw error;
    }
    return 'no error';
  };

  test.each([
    ['no account or region', { vantageRegions: ['us-east-1'] }, 'several regions need the account and the home region (cross-region references are resolved at synth): set env.account and env.region'],
    ['no account', { env: { region: 'eu-central-1' }, vantageRegions: ['us-east-1'] }, 'set env.account and env.region'],
    ['a region name in capitals', { env: ENV, vantageRegions: ['us-east-1', 'US-WEST-2'] }, 'vantageRegions: "US-WEST-2" must be 1-32 lower-case letters'],
    ['a name that is no region', { env: ENV, vantageRegions: ['us-east-1', 'frankfurt'] }, 'vantageRegions: "us-east-1,frankfurt" names "frankfurt", which is not an AWS region name'],
    ['a quorum above the vantage points', { env: ENV, vantageRegions: ['us-east-1'], vantageQuorum: 3 }, 'vantageQuorum: 3 must be a whole number from 1 to 2 (the number of vantage points)'],
    ['a quorum with the home region alone', { env: ENV, vantageRegions: [ENV.region], vantageQuorum: 1 }, 'vantageQuorum 1 needs a region in vantageRegions besides the home region eu-central-1'],
  ])('%s', (_name, props, message) => {
    expect(refusal(props as PortwatchStackProps)).toContain(message);
  });
});

function fail(what: string): never {
  throw new Error(`no prober stack for ${what}`);
}
