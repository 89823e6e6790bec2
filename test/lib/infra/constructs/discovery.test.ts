import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { DEFAULT_MEMBER_ROLE_NAME, parseDiscoveryEnv, parseReprobeEnv } from '../../../../lambda/contracts/discovery-env';
import { PROBER_DEFAULTS, parseProberEnv, proberEnvironment } from '../../../../lambda/contracts/prober-env';
import { Discovery } from '../../../../lib/infra/constructs/discovery';
import { PortwatchFunction } from '../../../../lib/infra/constructs/portwatch-function';
import { MemberAccountStack } from '../../../../lib/infra/member-account-stack';
import { asArray, logicalIdOf, policyStatements, testApp, testStack } from '../../../helpers/synth';

/*
 * The Discovery construct beside a Targets table, a probe queue and a prober (one synth, shared; the
 * stack wires the real ones in three lines), and the member-account template: the discovery function
 * and its schedule, the re-probe rule, least privilege on every policy, the member role's trust.
 * Asserted with Match on the synthesized templates.
 */
describe('Discovery', () => {
  const stack = testStack();
  const prober = new PortwatchFunction(stack, 'Prober', {
    entry: 'lambda/handlers/prober.ts',
    description: 'prober',
    memorySize: 512,
    timeout: Duration.seconds(60),
    environment: proberEnvironment({ ...PROBER_DEFAULTS, stateTableName: 'state', alertTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts', allowedCidrs: [] }),
  });
  new Discovery(stack, 'Discovery', {
    targetsTable: new dynamodb.Table(stack, 'Targets', { partitionKey: { name: 'target', type: dynamodb.AttributeType.STRING } }),
    probeQueue: new sqs.Queue(stack, 'ProbeQueue'),
    prober,
    alarmTopic: new sns.Topic(stack, 'Ops'),
    regions: ['eu-west-1', 'us-east-1'],
    accounts: 'organization',
    externalId: 'ext-123',
    every: Duration.hours(12),
    organizationId: 'o-a1b2c3d4e5',
  });
  const template = Template.fromStack(stack);
  const fnId = (path: string): string => logicalIdOf(stack, path);
  const envOf = (path: string): Record<string, string> => {
    const fn = template.toJSON().Resources[fnId(path)] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    return Object.fromEntries(Object.entries(fn.Properties.Environment.Variables).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  };
  const statementsOf = (path: string): Record<string, unknown>[] => {
    const role = (template.toJSON().Resources[fnId(path)] as { Properties: { Role: { 'Fn::GetAtt': [string] } } }).Properties.Role['Fn::GetAtt'][0];
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, p]) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(role)).map(([id]) => id);
    return policyStatements(template).filter((s) => policies.includes(s.policy)).map((s) => s.statement);
  };
  const actions = (statements: Record<string, unknown>[]): string[] => statements.flatMap((s) => asArray(s.Action) as string[]).sort();

  it('runs the discovery function on its schedule, with an environment its own parser reads', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(12 hours)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('Discovery/Discoverer'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
    const config = parseDiscoveryEnv(envOf('Discovery/Discoverer'), { strict: true });
    expect(config).toMatchObject({ regions: ['eu-west-1', 'us-east-1'], accounts: 'organization', memberRoleName: DEFAULT_MEMBER_ROLE_NAME, memberExternalId: 'ext-123', concurrency: 8, defaultPort: 8883 });
    expect(parseReprobeEnv(envOf('Discovery/Reprober'), { strict: true }).probeQueueUrl).toContain('Ref');
    expect(parseProberEnv(envOf('Prober'), { strict: true }).rootCause).toEqual({ roleName: DEFAULT_MEMBER_ROLE_NAME, externalId: 'ext-123' });
  });

  it('alarms the operations topic when a run could not read an account or region', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DiscoveryScopesFailed',
      Namespace: 'Portwatch',
      Dimensions: [{ Name: 'service', Value: 'portwatch' }],
      Period: 43_200,
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Ops') }],
    });
  });

  it('re-probes on CloudTrail security-group, address and listener changes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ec2', 'aws.elasticloadbalancing'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventName: Match.arrayWith(['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules', 'RevokeSecurityGroupIngress', 'AssociateAddress', 'DisassociateAddress']) },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('Discovery/Reprober'), 'Arn'] } })],
    });
  });

  it('lets only the accounts of the organization put events on the default bus (the member template forwards changes)', () => {
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: { Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } },
    });
  });

  it('grants only read-only describe/list/lookup actions, sts:AssumeRole only on the member role, and conditional table writes without delete', () => {
    const readOnly = /^(ec2:Describe|elasticloadbalancing:Describe|route53:List|organizations:List|cloudtrail:LookupEvents)/;
    const discoverer = statementsOf('Discovery/Discoverer');
    const wildcard = discoverer.filter((s) => asArray(s.Resource).includes('*'));
    expect(actions(wildcard).filter((a) => !a.startsWith('xray:') && !readOnly.test(a))).toEqual([]);
    expect(discoverer).toContainEqual(expect.objectContaining({ Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/${DEFAULT_MEMBER_ROLE_NAME}` }));
    expect(discoverer).toContainEqual(expect.objectContaining({ Action: ['dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] }));
    expect(actions(discoverer).filter((a) => /Delete|Create|Authorize|Revoke|Modify|Put(?!Item)|Terminate/.test(a) && !a.startsWith('xray:') && !a.startsWith('logs:'))).toEqual([]);
    // Besides the failure destination's sqs:SendMessage (and the URL/attributes CDK grants with it): one scan, one send.
    const failureQueue = logicalIdOf(stack, 'Discovery/FailureQueue/Queue');
    const reprober = statementsOf('Discovery/Reprober').filter((s) => !JSON.stringify(s.Resource).includes(failureQueue));
    expect(actions(reprober).filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'))).toEqual(['dynamodb:Scan', 'sqs:SendMessage']);
    const proberStatements = statementsOf('Prober');
    expect(actions(proberStatements.filter((s) => asArray(s.Resource).includes('*'))).filter((a) => !a.startsWith('xray:'))).toEqual(['cloudtrail:LookupEvents', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroupRules']);
    expect(proberStatements).toContainEqual(expect.objectContaining({ Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/${DEFAULT_MEMBER_ROLE_NAME}` }));
    // The read statements sit in a policy of their own: the default policies keep "only X-Ray uses *" true.
    const defaults = policyStatements(template).filter((s) => /DefaultPolicy/.test(s.policy) && asArray(s.statement.Resource).includes('*'));
    expect([...new Set(defaults.flatMap((s) => asArray(s.statement.Action) as string[]))].sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('passes cdk-nag with a reason for every acknowledgement', () => {
    // The construct's own resources, the prober's read policy among them (the stand-in table, queue, topic and prober are not under test).
    const findings = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) => pack.validateScope(stack).violations).filter((f) => f.violatingResources.some((r) => (r.constructPath ?? '').startsWith('TestStack/Discovery/')));
    expect(findings.map((f) => `${f.severity} ${f.ruleName} ${f.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    const member = new MemberAccountStack(testApp(), 'MemberNag');
    expect(new AwsSolutionsChecks().validateScope(member).violations.map((f) => f.ruleName)).toEqual([]);
  });
});

describe('the member-account template (for StackSets)', () => {
  const stack = new MemberAccountStack(testApp(), 'Member');
  const template = Template.fromStack(stack);

  it('trusts only the portwatch account, and only with the external id', () => {
    template.hasParameter('ExternalId', { Type: 'String', NoEcho: true });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: DEFAULT_MEMBER_ROLE_NAME,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'PortwatchAccountId' }, ':root']] } },
          },
        ],
      },
    });
  });

  it('holds read-only actions only, and forwards the changes to the portwatch event bus', () => {
    const granted = policyStatements(template).flatMap((s) => asArray(s.statement.Action) as string[]).filter((a) => a !== 'events:PutEvents');
    expect(granted.filter((a) => !/^(ec2:Describe|elasticloadbalancing:Describe|route53:List|cloudtrail:LookupEvents)/.test(a))).toEqual([]);
    expect(granted).toEqual(expect.arrayContaining(['ec2:DescribeSecurityGroupRules', 'cloudtrail:LookupEvents', 'route53:ListResourceRecordSets']));
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['AWS API Call via CloudTrail'] }),
      Targets: [Match.objectLike({ Arn: { 'Fn::Join': ['', Match.arrayWith([':events:', { Ref: 'PortwatchRegion' }])] } })],
    });
  });
});
