import { Duration, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PortwatchConfigError, requireIntegerInRange } from './config-validation';
import { DeadLetterQueue } from './dead-letter-queue';
import { PortwatchFunction } from './portwatch-function';
import { grantVantageSends, vantageQueueConfig, type VantageQueues } from './vantage-queues';
import { DISPATCHER_INTEGER_VARIABLES, dispatcherEnvironment } from '../../../lambda/contracts/dispatcher-env';
import type { IntegerVariable } from '../../../lambda/contracts/env';
import { DEFAULT_TICK_MS } from '../../../lambda/monitor/cadence';
import { EVERY_CHOICES_MS, EVERY_CHOICES_TEXT } from '../../../lambda/monitor/lane';
import { MAX_DELAY_SECONDS } from '../../../lambda/contracts/probe-message';

/**
 * The dispatcher's DEFAULT_EVERY_MS from the `defaultEvery` prop (0: the schedule). A fast lane by
 * default on a schedule the queue cannot fill (over 15 minutes) is refused here rather than leaving
 * every target without looks for most of each tick.
 */
function fastLaneDefault(every: Duration | undefined, rateSeconds: number): number {
  if (every === undefined) return 0;
  const ms = every.toMilliseconds();
  if (!EVERY_CHOICES_MS.includes(ms)) throw new PortwatchConfigError(`defaultEvery must be one of ${EVERY_CHOICES_TEXT}, got ${every.toHumanString()}`);
  if (ms < rateSeconds * 1000 && rateSeconds > MAX_DELAY_SECONDS) {
    throw new PortwatchConfigError(
      `defaultEvery ${every.toHumanString()} needs a schedule of 15 minutes or less (SQS delays a message at most ${MAX_DELAY_SECONDS} s), got ${rateSeconds / 60} minutes`,
    );
  }
  return ms;
}

/** Props of {@link ProbeSchedule}. */
export interface ProbeScheduleProps {
  /** Targets table; the dispatcher pages through it (read only). */
  readonly targetsTable: dynamodb.ITable;
  /** Probe queue; the dispatcher sends the packed targets to it. */
  readonly probeQueue: sqs.IQueue;
  /**
   * Time between two ticks: a whole number of minutes, from 1 minute to 1 day.
   * @default Duration.minutes(5)
   */
  readonly rate?: Duration;
  /**
   * Port used when a target names none.
   * @default 8883
   */
  readonly defaultPort?: number;
  /**
   * Parallel Scan segments the dispatcher reads the Targets table with (1-64).
   * @default 4
   */
  readonly scanSegments?: number;
  /**
   * Targets packed into one probe message (1-100).
   * @default 25
   */
  readonly targetsPerMessage?: number;
  /**
   * The fast lane of targets that name no `every` attribute: each is looked at this often within the
   * tick (10, 15, 20 or 30 seconds, or 1 minute), its messages delayed by SQS. The schedule must be
   * 15 minutes or shorter: SQS delays a message at most 900 s.
   * @default - the schedule (targets opt in with their own `every`)
   */
  readonly defaultEvery?: Duration;
  /**
   * Notified when a tick could not be dispatched (the failure queue's alarm).
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Several vantage points: the home region's vantage name (`probeQueue` serves it) and the probe
   * queue of every other region; each tick goes to all of them.
   * @default - the probe queue only
   */
  readonly vantages?: VantageQueues;
}

/**
 * The clock of portwatch: an EventBridge rule that invokes the dispatcher every tick, and a failure
 * path for ticks that could not be dispatched.
 *
 * Both retry layers give up once a tick is one period old: by then the next tick has probed the same
 * targets, so replaying the stale one would only double the load. What is given up lands in the
 * alarmed failure queue, whether EventBridge could not invoke the dispatcher (target DLQ) or the
 * dispatcher itself failed (Lambda on-failure destination).
 */
export class ProbeSchedule extends Construct {
  public readonly rule: events.Rule;
  public readonly dispatcher: PortwatchFunction;
  /** Ticks that could not be dispatched, from EventBridge or from the dispatcher's async invocations. */
  public readonly failureQueue: DeadLetterQueue;

  public constructor(scope: Construct, id: string, props: ProbeScheduleProps) {
    super(scope, id);

    const rate = props.rate ?? Duration.millis(DEFAULT_TICK_MS);
    const rateSeconds = rate.toSeconds({ integral: false });
    if (rateSeconds < 60 || rateSeconds > 86_400 || rateSeconds % 60 !== 0) {
      throw new PortwatchConfigError(
        `rate must be a whole number of minutes from 1 minute to 1 day, got ${rate.toHumanString()}`,
      );
    }
    // Default and range from the dispatcher's environment contract: the check it makes at cold start.
    const variable = (name: string, value: number | undefined, v: IntegerVariable): number => requireIntegerInRange(name, value ?? v.default, v.min, v.max);
    const vars = DISPATCHER_INTEGER_VARIABLES;
    const defaultPort = variable('defaultPort', props.defaultPort, vars.defaultPort);
    const scanSegments = variable('scanSegments', props.scanSegments, vars.scanSegments);
    const targetsPerMessage = variable('targetsPerMessage', props.targetsPerMessage, vars.targetsPerMessage);
    const defaultEveryMs = fastLaneDefault(props.defaultEvery, rateSeconds);

    this.failureQueue = new DeadLetterQueue(this, 'FailureQueue', {
      purpose:
        'portwatch ticks that were not dispatched: EventBridge could not invoke the dispatcher, or the ' +
        'dispatcher failed (see its logs; the error is in each message). Targets were not probed for that tick.',
      alarmTopic: props.alarmTopic,
      deadLetterOf: 'the DeadLetterConfig of the schedule rule target and the on-failure destination of the dispatcher',
    });

    const staleAfter = (max: Duration): Duration =>
      Duration.seconds(Math.min(rateSeconds, max.toSeconds()));

    this.dispatcher = new PortwatchFunction(this, 'Dispatcher', {
      entry: 'lambda/handlers/dispatcher.ts',
      description: 'portwatch dispatcher: pages through the Targets table and sends probe messages',
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: dispatcherEnvironment({
        targetsTableName: props.targetsTable.tableName,
        probeQueueUrl: props.probeQueue.queueUrl,
        scanSegments,
        targetsPerMessage,
        defaultPort,
        tickIntervalMs: rateSeconds * 1000,
        defaultEveryMs,
        vantages: vantageQueueConfig(props.vantages),
      }),
      onFailure: new SqsDestination(this.failureQueue.queue),
      // One retry rides out a transient DynamoDB or SQS error; more would overlap the next tick.
      retryAttempts: 1,
      maxEventAge: staleAfter(Duration.hours(6)),
    });
    // What DynamoDbTargetSource and SqsProbeQueue call: Scan, and SendMessageBatch (authorised as
    // sqs:SendMessage). grantReadData and grantSendMessages would add GetItem, Query, DescribeTable,
    // stream reads and queue attributes, none of which the dispatcher uses.
    props.targetsTable.grant(this.dispatcher, 'dynamodb:Scan');
    props.probeQueue.grant(this.dispatcher, 'sqs:SendMessage');
    grantVantageSends(props.vantages, this.dispatcher);
    Validations.of(this.dispatcher.node.defaultChild as lambda.CfnFunction).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        "The dispatcher's asynchronous failures go to an on-failure destination (EventInvokeConfig, the " +
        'successor of DeadLetterConfig whose records also carry the error). Configuring both would deliver ' +
        'every failure twice to the same alarmed queue.',
    });

    this.rule = new events.Rule(this, 'Rule', {
      description: `portwatch tick: dispatch a probe of every enabled target every ${rate.toHumanString()}`,
      schedule: events.Schedule.rate(rate),
      targets: [
        new targets.LambdaFunction(this.dispatcher, {
          retryAttempts: 2,
          maxEventAge: staleAfter(Duration.hours(24)),
          deadLetterQueue: this.failureQueue.queue,
        }),
      ],
    });
  }
}
