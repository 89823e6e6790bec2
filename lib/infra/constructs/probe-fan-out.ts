import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantAlertSinks, sinkVariables } from './alert-sinks';
import { PortwatchConfigError, requireIntegerInRange } from './config-validation';
import { DeadLetterQueue } from './dead-letter-queue';
import type { ProbeFanOutProps, ProbeFanOutSetting } from './probe-fan-out-props';
import { HOUSE_ENVIRONMENT, PortwatchFunction } from './portwatch-function';
import type { IntegerVariable } from '../../../lambda/contracts/env';
import { LAMBDA_ENVIRONMENT_MAX_BYTES, PROBER_INTEGER_VARIABLES, PROBER_STRING_VARIABLES, proberEnvironment } from '../../../lambda/contracts/prober-env';
import { TARGETS_TABLE } from '../../../lambda/contracts/tables';
import { DIGEST_ATTRIBUTE } from '../../../lambda/monitor/digest-field';
import { parseCidrList } from '../../../lambda/probe/address-policy';
import { CaBundleError, parseCaBundle } from '../../../lambda/probe/ca-bundle';
import { targetBudgetMs } from '../../../lambda/monitor/prober/service';
import { describeValue } from '../../../lambda/monitor/target';

/**
 * AWS's rule for queues that feed Lambda: visibility timeout at least six times the function
 * timeout, so that a batch retried after throttling is not redelivered while still in flight.
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * Receives of one probe message before it moves to the dead-letter queue. Probe outcomes are data,
 * so a message only fails on infrastructure errors (DynamoDB, SNS); three tries ride out a throttling
 * burst, and the next tick probes the same targets anyway.
 */
export const MAX_RECEIVE_COUNT = 3;

/** Bounds of the event source's MaximumConcurrency (the limits of the Lambda API). */
const MAX_CONCURRENCY_LIMITS = { min: 2, max: 1000 } as const;


const DEFAULT_LABELS: Readonly<Partial<Record<ProbeFanOutSetting, string>>> = {
  tickRate: 'tickRate (minutes)',
  postureEvery: 'postureEvery (minutes)',
  timeout: 'timeout (seconds)',
  maxBatchingWindow: 'maxBatchingWindow (seconds)',
};

const MINUTE_MS = 60_000;
/** The prober's tick and posture intervals in whole minutes, within the range its parser accepts. */
const INTERVAL_MINUTES = {
  min: PROBER_INTEGER_VARIABLES.tickIntervalMs.min / MINUTE_MS,
  max: PROBER_INTEGER_VARIABLES.tickIntervalMs.max / MINUTE_MS,
} as const;

/**
 * The ranges as the prober will read them, checked by the prober's own parser: a list the prober
 * refuses would fail every cold start instead of this synth.
 */
function allowedCidrsFrom(name: string, entries: readonly string[]): string[] {
  const refuse = (value: string, reason: string): PortwatchConfigError =>
    new PortwatchConfigError(`${name} must list CIDR blocks such as 10.0.0.0/8 or fd00::/8, got ${value}: ${reason}`);
  // The prober reads a bare address as a /32 or /128; in a deployment setting it is more likely a
  // range with its prefix cut off (10.0.0.0 for 10.0.0.0/8), so the prefix is required here.
  const bare = entries.find((entry) => !entry.includes('/'));
  if (bare !== undefined) throw refuse(describeValue(bare), 'has no prefix length (/8, /64)');
  const parsed = parseCidrList(entries, name);
  if (!parsed.ok) throw refuse(parsed.error.value, parsed.error.reason);
  return parsed.value.map((cidr) => cidr.text);
}

/**
 * How many bytes an unresolved value (a generated table name, a topic ARN) is counted at when the
 * environment's size is checked at synth. CloudFormation names are the stack name, the logical id and
 * 12 random characters (about 50 for this stack); topic ARNs add about 45 to that. 128 leaves room
 * for a long stack name.
 */
const UNRESOLVED_VALUE_BYTES = 128;

/**
 * The CA bundle's certificates, checked as the prober checks CA_BUNDLE at cold start (one parser,
 * probe/ca-bundle.ts), so a bundle that passes here never stops the prober; anything but certificates
 * (a private key in the same file) is left out. Undefined without a bundle.
 *
 * Why the bundle travels in an environment variable: it is in the template, so `cdk diff` shows a
 * change of trust; the contract test reads it like every other setting; a cold start reads nothing.
 * The alternatives cost more: a file copied into the bundle by an esbuild command hook is a shell
 * command per OS and never runs in tests (they skip bundling), and an SSM parameter is one more
 * read at every cold start, one more grant, and 4 KB as well unless it is an advanced parameter.
 * The price is Lambda's 4 KB for all variables together, checked below: root certificates are all a
 * bundle needs (about 0.6 KB each for EC keys, 1.2-1.9 KB for RSA), which leaves room for two or three.
 */
function caBundleFrom(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return parseCaBundle(text, name, 'the PEM text given');
  } catch (error) {
    if (error instanceof CaBundleError) throw new PortwatchConfigError(error.message);
    throw error;
  }
}

/**
 * Lambda refuses a function whose variables exceed 4 KB together, measured on their JSON; without
 * this check a large CA bundle (or a long allowedCidrs) would pass synth and fail mid-deploy.
 */
function requireEnvironmentFits(environment: Readonly<Record<string, string>>, label: (setting: ProbeFanOutSetting) => string): void {
  const measured = Object.fromEntries(
    Object.entries({ ...environment, ...HOUSE_ENVIRONMENT }).map(([name, value]) => [name, Token.isUnresolved(value) ? 'x'.repeat(UNRESOLVED_VALUE_BYTES) : value]),
  );
  const bytes = Buffer.byteLength(JSON.stringify(measured));
  if (bytes <= LAMBDA_ENVIRONMENT_MAX_BYTES) return;
  const sizeOf = (name: string): number => Buffer.byteLength(JSON.stringify(environment[name] ?? ''));
  const names = PROBER_STRING_VARIABLES;
  const parts = [
    ...(names.caBundle in environment ? [`${label('caBundle')} ${sizeOf(names.caBundle)} bytes`] : []),
    `${label('allowedCidrs')} ${sizeOf(names.allowedCidrs)} bytes`,
  ];
  const advice =
    names.caBundle in environment
      ? `keep only the root certificates in ${label('caBundle')} (brokers send their intermediates)`
      : `allow fewer, wider ranges in ${label('allowedCidrs')}`;
  throw new PortwatchConfigError(
    `the prober's environment would be ${bytes} bytes (${parts.join(', ')}), over Lambda's limit of ` +
      `${LAMBDA_ENVIRONMENT_MAX_BYTES} for all its variables together: ${advice}`,
  );
}

/**
 * The prober's one write to the user's Targets table: UpdateItem of the digest attribute, with the
 * item's key in its condition (`attribute_exists`) and no values returned, as DynamoDbTargetDigests
 * sends it. `dynamodb:Attributes` is every top-level attribute a request names (updated, or read by its
 * condition) and must include the key; `dynamodb:ReturnValues` is NONE unless the request asks for
 * more, and anything else would hand back the user's other attributes. A `table.grant()` call has no
 * way to attach conditions, so this is `Grant.addToPrincipal` with the table's ARN.
 */
function grantDigestWrites(grantee: iam.IGrantable, table: dynamodb.ITable): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:UpdateItem'],
    resourceArns: [table.tableArn],
    conditions: {
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': [TARGETS_TABLE.partitionKey, DIGEST_ATTRIBUTE] },
      StringEquals: { 'dynamodb:ReturnValues': 'NONE' },
    },
  });
}

/**
 * The probe queue and the prober that consumes it: one SQS message holds many targets, the prober
 * probes a batch of messages concurrently and reports failed messages individually, and a message
 * that keeps failing lands in an alarmed dead-letter queue.
 */
export class ProbeFanOut extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: DeadLetterQueue;
  public readonly prober: PortwatchFunction;

  public constructor(scope: Construct, id: string, props: ProbeFanOutProps) {
    super(scope, id);

    const label = (setting: ProbeFanOutSetting): string => props.settingNames?.[setting] ?? DEFAULT_LABELS[setting] ?? setting;
    const integer = (setting: ProbeFanOutSetting, value: number, min: number, max: number): number =>
      requireIntegerInRange(label(setting), value, min, max);
    // A setting the prober reads from its environment: default and range come from its contract,
    // so the synth check and the prober's own check at cold start are one and the same.
    const variable = (setting: ProbeFanOutSetting, value: number | undefined, v: IntegerVariable): number =>
      integer(setting, value ?? v.default, v.min, v.max);
    const vars = PROBER_INTEGER_VARIABLES;

    const defaultPort = variable('defaultPort', props.defaultPort, vars.defaultPort);
    const probeTimeoutMs = variable('probeTimeoutMs', props.probeTimeoutMs, vars.probeTimeoutMs);
    const confirmAttempts = variable('confirmAttempts', props.confirmAttempts, vars.confirmAttempts);
    const confirmDelayMs = variable('confirmDelayMs', props.confirmDelayMs, vars.confirmDelayMs);
    const eventRetentionDays = variable('eventRetentionDays', props.eventRetentionDays, vars.eventRetentionDays);
    const certExpiringDays = variable('certExpiringDays', props.certExpiringDays, vars.certExpiringDays);
    const plaintextPort = variable('plaintextPort', props.plaintextPort, vars.plaintextPort);
    const allowedCidrs = allowedCidrsFrom(label('allowedCidrs'), props.allowedCidrs ?? []);
    const memorySize = integer('memorySize', props.memorySize ?? 512, 128, 10_240);
    const batchSize = integer('batchSize', props.batchSize ?? 5, 1, 10);
    const probeConcurrency = variable('probeConcurrency', props.probeConcurrency, vars.probeConcurrency);
    const maxConcurrency = integer('maxConcurrency', props.maxConcurrency ?? 10, MAX_CONCURRENCY_LIMITS.min, MAX_CONCURRENCY_LIMITS.max);
    const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(1);
    integer('maxBatchingWindow', maxBatchingWindow.toSeconds({ integral: false }), 0, 300);
    const tickMinutes = integer(
      'tickRate',
      (props.tickRate ?? Duration.millis(vars.tickIntervalMs.default)).toMinutes({ integral: false }),
      INTERVAL_MINUTES.min,
      INTERVAL_MINUTES.max,
    );
    // A deep look cannot come more often than the tick that carries it; the default keeps 5-minute
    // deep looks for ticks up to 5 minutes and makes every look deep for longer ticks.
    const defaultPostureEvery = Duration.millis(Math.max(vars.postureEveryMs.default, tickMinutes * MINUTE_MS));
    const postureEveryMinutes = integer(
      'postureEvery',
      (props.postureEvery ?? defaultPostureEvery).toMinutes({ integral: false }),
      tickMinutes,
      INTERVAL_MINUTES.max,
    );
    const timeout = props.timeout ?? Duration.seconds(60);
    const timeoutSeconds = integer('timeout', timeout.toSeconds({ integral: false }), 10, 900);

    // One target with all its confirmation probes must fit in one invocation, or every suspected
    // transition would run out of time and be retried instead of confirmed.
    const worstCaseTargetMs = targetBudgetMs(probeTimeoutMs, confirmAttempts, confirmDelayMs);
    if (worstCaseTargetMs >= timeoutSeconds * 1000) {
      throw new PortwatchConfigError(
        `${label('timeout')} must exceed the worst case of one target with ${label('probeTimeoutMs')} ${probeTimeoutMs}, ` +
          `${label('confirmAttempts')} ${confirmAttempts} and ${label('confirmDelayMs')} ${confirmDelayMs} (${worstCaseTargetMs} ms), ` +
          `got ${timeoutSeconds}`,
      );
    }

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetterQueue', {
      purpose:
        `portwatch probe messages that failed ${MAX_RECEIVE_COUNT} times (DynamoDB or SNS errors in the prober). ` +
        'Their targets were not checked; see the prober logs, then redrive the messages to the probe queue.',
      alarmTopic: props.alarmTopic,
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      ...(props.queueName === undefined ? {} : { queueName: props.queueName }),
      visibilityTimeout: Duration.seconds(timeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue.queue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    const caBundle = caBundleFrom(label('caBundle'), props.caBundle);
    const environment = proberEnvironment({
      stateTableName: props.stateTable.tableName,
      alertTopicArn: props.alertsTopic.topicArn,
      targetsTableName: props.targetsTable?.tableName,
      allowedCidrs,
      defaultPort,
      probeTimeoutMs,
      confirmAttempts,
      confirmDelayMs,
      eventRetentionDays,
      certExpiringDays,
      plaintextPort,
      probeConcurrency,
      tickIntervalMs: tickMinutes * MINUTE_MS,
      postureEveryMs: postureEveryMinutes * MINUTE_MS,
      ...(caBundle === undefined ? {} : { caBundle }),
      ...sinkVariables(props.sinks ?? {}),
      ...(props.vantage === undefined ? {} : { vantage: props.vantage }),
      ...(props.homeRegion === undefined ? {} : { homeRegion: props.homeRegion }),
    });
    requireEnvironmentFits(environment, label);

    this.prober = new PortwatchFunction(this, 'Prober', {
      entry: 'lambda/handlers/prober.ts',
      description: 'portwatch prober: probes the targets of a batch of probe messages, records and alerts transitions',
      memorySize,
      timeout,
      environment,
    });
    // Exactly what DynamoDbStateStore calls on the prober's path: getStates (BatchGetItem), getState and
    // getScanner (GetItem), putState, putScanner and putEvent (conditional PutItem). Listing states and
    // reading history (Scan, Query) are the CLI's, under the operator's own credentials; nothing deletes.
    props.stateTable.grant(this.prober, 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem');
    if (props.targetsTable) grantDigestWrites(this.prober, props.targetsTable);
    props.alertsTopic.grantPublish(this.prober);
    grantAlertSinks(this.prober, props.sinks ?? {}, Stack.of(this), props.homeRegion);

    this.prober.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize,
        maxBatchingWindow,
        maxConcurrency,
        // The prober returns the ids of failed messages only; the rest of the batch is deleted.
        reportBatchItemFailures: true,
      }),
    );

    Validations.of(this.prober.node.defaultChild as lambda.CfnFunction).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'The prober is only invoked synchronously, by its SQS event source; a function DeadLetterConfig ' +
        `applies to asynchronous invocations only. Failed messages go to the probe queue's dead-letter queue ` +
        `after ${MAX_RECEIVE_COUNT} receives (RedrivePolicy), which is alarmed.`,
    });
    const mapping = this.prober.node.children.find((child) => child instanceof lambda.EventSourceMapping);
    if (!mapping) throw new Error('ProbeFanOut: the SQS event source mapping was not created');
    Validations.of(mapping).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'Event source mappings for SQS do not support an on-failure destination (only stream and Kafka sources ' +
        "do). The failure path of an SQS source is the queue's RedrivePolicy to its alarmed dead-letter queue.",
    });
  }
}
