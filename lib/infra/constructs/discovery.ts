/** Discovery in the stack: the scheduled discovery function, the re-probe rule on CloudTrail changes, the prober's root-cause lookup, their alarms. */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PortwatchConfigError, requireIntegerInRange } from './config-validation';
import { DeadLetterQueue } from './dead-letter-queue';
import { assumeMemberRoleStatement, DISCOVERY_READ_ACTIONS, IAM5_READ_REASON, readStatement, reprobeEventPattern, ROOT_CAUSE_READ_ACTIONS } from './discovery-permissions';
import { PortwatchFunction } from './portwatch-function';
import { grantVantageSends, vantageQueueConfig, type VantageQueues } from './vantage-queues';
import {
  checkExternalId,
  checkRoleName,
  DEFAULT_MEMBER_ROLE_NAME,
  DISCOVERY_INTEGER_VARIABLES,
  discoveryEnvironment,
  parseAccountScope,
  parseRegions,
  reprobeEnvironment,
  rootCauseEnvironment,
  type AccountScope,
} from '../../../lambda/contracts/discovery-env';
import { ConfigError } from '../../../lambda/contracts/env';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../../lambda/contracts/metrics';

/** Props of {@link Discovery}. */
export interface DiscoveryProps {
  /** Targets table: discovery reads it and writes discovered items (conditionally); the re-probe function reads it. */
  readonly targetsTable: dynamodb.ITable;
  /** Probe queue of the prober: re-probe messages go here. */
  readonly probeQueue: sqs.IQueue;
  /**
   * Several vantage points: the home region's vantage name (`probeQueue` serves it) and the probe
   * queue of every other region (VantageDispatch.queues); each re-probe goes to all of them, as a tick does.
   * @default - the probe queue only
   */
  readonly vantages?: VantageQueues;
  /** The prober: it gets the root-cause lookup (read-only EC2 and CloudTrail, the member role). */
  readonly prober: lambda.Function;
  /**
   * Time between two discovery runs (1 hour to 7 days).
   * @default Duration.days(1)
   */
  readonly every?: Duration;
  /**
   * Regions to read.
   * @default - the stack's region
   */
  readonly regions?: readonly string[];
  /**
   * `organization` (every active account, via Organizations), or account ids; the stack's own account is always read.
   * @default - the stack's account only
   */
  readonly accounts?: AccountScope;
  /**
   * The read-only role in member accounts (MemberAccountRole).
   * @default DEFAULT_MEMBER_ROLE_NAME
   */
  readonly memberRoleName?: string;
  /**
   * The external id the member role requires (the MemberAccountRole's `externalId`).
   * @default - none (the member role then trusts by organization)
   */
  readonly externalId?: string;
  /**
   * The organization (`o-...`) whose accounts may forward their changes to this account's default
   * event bus (the member template's rule). Without it, each account of `accounts` may.
   * @default - the listed accounts only (none for `organization`: give the id)
   */
  readonly organizationId?: string;
  /**
   * Port every discovered endpoint is watched on.
   * @default 8883
   */
  readonly defaultPort?: number;
  /**
   * Notified when a discovery run or a re-probe event fails.
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;
}

/** A contract check as a synth error naming the setting. */
function setting<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError) throw new PortwatchConfigError(err.message);
    throw err;
  }
}

/**
 * Discovery: a scheduled function that turns the public endpoints of the configured accounts and
 * regions into discovered targets; an EventBridge rule on CloudTrail's security-group, address and
 * listener changes that re-probes the affected targets at once; and the prober's root-cause lookup.
 * Every AWS permission is read-only, sts:AssumeRole reaches only the member role by name.
 */
export class Discovery extends Construct {
  public readonly discoverer: PortwatchFunction;
  public readonly schedule: events.Rule;
  public readonly reprober: PortwatchFunction;
  public readonly reprobeRule: events.Rule;
  /** Discovery runs and re-probe events that failed after their retries. */
  public readonly failureQueue: DeadLetterQueue;
  /** A run could not read an account or region (the run went on; those targets were kept). */
  public readonly scopesFailedAlarm: cloudwatch.Alarm;
  /** The member role the root-cause lookup assumes, and its external id. */
  private readonly rootCause: { readonly memberRoleName: string; readonly externalId: string | null };

  public constructor(scope: Construct, id: string, props: DiscoveryProps) {
    super(scope, id);
    const every = props.every ?? Duration.days(1);
    const hours = every.toHours({ integral: false });
    if (hours < 1 || hours > 168 || !Number.isInteger(hours)) throw new PortwatchConfigError(`discovery every must be a whole number of hours from 1 to 168, got ${every.toHumanString()}`);
    const regions = setting(() => parseRegions((props.regions ?? []).join(','), 'discoveryRegions'));
    const accounts = props.accounts === undefined ? [] : setting(() => parseAccountScope(props.accounts === 'organization' ? 'organization' : (props.accounts as readonly string[]).join(','), 'discoveryAccounts'));
    const memberRoleName = setting(() => checkRoleName(props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME, 'memberRoleName'));
    const externalId = props.externalId === undefined ? null : setting(() => checkExternalId(props.externalId as string, 'discoveryExternalId'));
    const v = DISCOVERY_INTEGER_VARIABLES.defaultPort;
    const defaultPort = requireIntegerInRange('defaultPort', props.defaultPort ?? v.default, v.min, v.max);

    this.failureQueue = new DeadLetterQueue(this, 'FailureQueue', {
      purpose:
        'portwatch discovery runs and re-probe events that failed after their retries (the error is in each message). ' +
        'A failed run leaves the discovered targets as they were; a failed re-probe waits for the next tick.',
      alarmTopic: props.alarmTopic,
      deadLetterOf: 'the on-failure destination of the two functions and the DLQ of the two rule targets',
    });

    this.discoverer = new PortwatchFunction(this, 'Discoverer', {
      entry: 'lambda/handlers/discovery.ts',
      description: 'portwatch discovery: public endpoints of the configured accounts and regions -> discovered targets',
      // 10,000 interfaces across 50 accounts take about a minute (docs/scaling.md); 15 minutes is Lambda's limit and the margin.
      memorySize: 512,
      timeout: Duration.minutes(15),
      environment: discoveryEnvironment({
        targetsTableName: props.targetsTable.tableName,
        regions: regions.length > 0 ? regions : [Stack.of(this).region],
        accounts,
        memberRoleName,
        memberExternalId: externalId,
        concurrency: DISCOVERY_INTEGER_VARIABLES.concurrency.default,
        defaultPort,
      }),
      onFailure: new SqsDestination(this.failureQueue.queue),
      retryAttempts: 1,
    });
    // The adapter's calls (dynamodb-discovered-targets.ts): Scan, conditional PutItem and UpdateItem; never DeleteItem.
    props.targetsTable.grant(this.discoverer, 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    this.readPolicy('DiscovererReadPolicy', this.discoverer, memberRoleName, [
      readStatement([...DISCOVERY_READ_ACTIONS, ...(accounts === 'organization' ? ['organizations:ListAccounts'] : [])]),
      assumeMemberRoleStatement(memberRoleName),
    ]);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `portwatch discovery every ${every.toHumanString()}`,
      schedule: events.Schedule.rate(every),
      targets: [new targets.LambdaFunction(this.discoverer, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: this.failureQueue.queue })],
    });

    this.scopesFailedAlarm = new cloudwatch.Alarm(this, 'ScopesFailedAlarm', {
      alarmDescription:
        'portwatch discovery could not read an account or region (see the discovery function log: "scope not read"). Its targets are kept as ' +
        'they were, but new endpoints there are not found: check the member role (portwatch-discovery-read, external id) in that account.',
      metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: METRIC.discoveryScopesFailed, dimensionsMap: { service: SERVICE_NAME }, statistic: cloudwatch.Stats.MAXIMUM, period: every }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No run, no data: a run that failed outright lands in the failure queue, which has its own alarm.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      this.scopesFailedAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
      this.scopesFailedAlarm.addOkAction(new cloudwatchActions.SnsAction(props.alarmTopic));
    }

    this.reprober = new PortwatchFunction(this, 'Reprober', {
      entry: 'lambda/handlers/reprobe.ts',
      description: 'portwatch re-probe: a CloudTrail security-group, address or listener change -> probe the affected discovered targets now',
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: reprobeEnvironment({ targetsTableName: props.targetsTable.tableName, probeQueueUrl: props.probeQueue.queueUrl, vantages: vantageQueueConfig(props.vantages) }),
      onFailure: new SqsDestination(this.failureQueue.queue),
      retryAttempts: 1,
    });
    props.targetsTable.grant(this.reprober, 'dynamodb:Scan');
    props.probeQueue.grant(this.reprober, 'sqs:SendMessage');
    grantVantageSends(props.vantages, this.reprober);
    this.reprobeRule = new events.Rule(this, 'ReprobeRule', {
      description: 'portwatch: re-probe discovered targets when a security group, an address association or a listener changes',
      eventPattern: reprobeEventPattern(),
      targets: [new targets.LambdaFunction(this.reprober, { retryAttempts: 2, maxEventAge: Duration.minutes(10), deadLetterQueue: this.failureQueue.queue })],
    });

    // Member accounts forward their changes (MemberAccountStack) to this account's default bus.
    const forwarders = props.organizationId !== undefined ? [{ id: 'Organization', condition: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } }, principal: '*' }] : accounts === 'organization' ? [] : accounts.map((a) => ({ id: `Account${a}`, condition: undefined, principal: a }));
    for (const f of forwarders) {
      new events.CfnEventBusPolicy(this, `Forwarding${f.id}`, {
        statementId: `portwatch-forwarding-${f.id.toLowerCase()}`,
        statement: {
          Effect: 'Allow',
          Principal: f.principal === '*' ? '*' : { AWS: `arn:${Stack.of(this).partition}:iam::${f.principal}:root` },
          Action: 'events:PutEvents',
          Resource: `arn:${Stack.of(this).partition}:events:${Stack.of(this).region}:${Stack.of(this).account}:event-bus/default`,
          ...(f.condition ? { Condition: f.condition } : {}),
        },
      });
    }

    // The prober's root-cause lookup: read the groups and their changes, in member accounts through the role.
    this.rootCause = { memberRoleName, externalId };
    this.grantRootCause(props.prober, this);

    for (const fn of [this.discoverer, this.reprober]) {
      Validations.of(fn.node.defaultChild as lambda.CfnFunction).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: 'Asynchronous failures go to an on-failure destination (EventInvokeConfig, whose records carry the error), the alarmed failure queue.',
      });
    }
  }

  /**
   * The root-cause lookup for a prober: read-only EC2 and CloudTrail, the member role, and the
   * variables that name it. `scope` holds the policy: a prober in another stack (a prober stack of
   * another region) gets it in its own stack, so the home stack refers to nothing of that stack.
   */
  public grantRootCause(prober: lambda.Function, scope: Construct = Stack.of(prober)): void {
    const { memberRoleName, externalId } = this.rootCause;
    this.readPolicy('ProberRootCausePolicy', prober, memberRoleName, [readStatement(ROOT_CAUSE_READ_ACTIONS), assumeMemberRoleStatement(memberRoleName)], scope);
    for (const [name, value] of Object.entries(rootCauseEnvironment({ roleName: memberRoleName, externalId }))) prober.addEnvironment(name, value);
  }

  /**
   * The read-only statements of one function in a policy of their own: the function's default policy
   * keeps its acknowledgement (only X-Ray uses "*"), and this one carries the reasons for its own.
   */
  private readPolicy(id: string, fn: lambda.Function, memberRoleName: string, statements: iam.PolicyStatement[], scope: Construct = this): iam.Policy {
    const role = fn.role;
    if (role === undefined) throw new PortwatchConfigError(`${fn.node.path} has no role to grant discovery's read access to`);
    const policy = new iam.Policy(scope, id, { statements, roles: [role] });
    Validations.of(policy).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: IAM5_READ_REASON },
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:iam::*:role/${memberRoleName}]`,
        reason:
          "The member accounts are the organization's (listed at run time, joined after deploy), so the account of the role ARN cannot be named at synth. " +
          'The role name pins it to the MemberAccountRole, whose trust policy admits only this account with the external id or organization condition.',
      },
    );
    return policy;
  }
}
