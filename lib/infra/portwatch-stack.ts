import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AlertsTopic } from './constructs/alerts-topic';
import { PortwatchConfigError, requireIntegerInRange } from './constructs/config-validation';
import { PortwatchMonitoring } from './constructs/portwatch-monitoring';
import { PortwatchTables } from './constructs/portwatch-tables';
import { OpsTopic } from './constructs/ops-topic';
import { ProbeFanOut } from './constructs/probe-fan-out';
import { ProbeSchedule } from './constructs/probe-schedule';
import { OUTPUT_KEYS } from '../../lambda/contracts/stack-outputs';

/** Deployment settings of portwatch; `bin/portwatch-app.ts` fills them from `-c key=value` context. */
export interface PortwatchStackProps extends StackProps {
  /**
   * Minutes between two probes of every target (1-1440).
   * @default 5
   */
  readonly scheduleMinutes?: number;
  /**
   * E-mail address subscribed to the alerts topic.
   * @default - no subscription
   */
  readonly alertEmail?: string;
  /**
   * E-mail address subscribed to the operations topic, which every portwatch alarm notifies.
   * @default - no subscription
   */
  readonly opsEmail?: string;
  /**
   * Port probed when a target names none (1-65535).
   * @default 8883
   */
  readonly defaultPort?: number;
  /**
   * Deadline of each probe step, in milliseconds (100-30000).
   * @default 3000
   */
  readonly probeTimeoutMs?: number;
  /**
   * Minutes between deep looks (TLS, certificate, anonymous MQTT) at an open broker; the ticks between
   * only connect. At least the tick interval.
   * @default - the longer of 5 and `scheduleMinutes`
   */
  readonly postureEveryMinutes?: number;
  /**
   * Private, loopback or link-local CIDR blocks the prober may connect to (all others in those ranges are refused).
   * @default - none
   */
  readonly allowedCidrs?: readonly string[];
  /**
   * PEM certificates of private CAs the prober trusts in addition to the public roots, so that brokers
   * with private-PKI certificates are not reported `untrusted-cert` (`-c caBundle=path/to/ca.pem`).
   * @default - the public roots only
   */
  readonly caBundle?: string;
  /**
   * Highest number of concurrent prober invocations (2-1000).
   * @default 10
   */
  readonly proberMaxConcurrency?: number;
  /**
   * Targets one prober invocation probes at once.
   * @default 64
   */
  readonly probeConcurrency?: number;
  /**
   * Probe messages per prober invocation (1-10).
   * @default 5
   */
  readonly proberBatchSize?: number;
  /**
   * Targets packed into one probe message (1-100).
   * @default 25
   */
  readonly targetsPerMessage?: number;
  /**
   * Parallel scan segments the dispatcher reads the Targets table with (1-64).
   * @default 4
   */
  readonly scanSegments?: number;
  /**
   * Timeout of one prober invocation; the probe queue's visibility timeout is six times this.
   * @default Duration.seconds(60)
   */
  readonly proberTimeout?: Duration;
  /**
   * Prober memory in MiB.
   * @default 512
   */
  readonly proberMemorySize?: number;
  /**
   * Observations that must agree before a transition is believed (1-5; 1 = no re-probe).
   * @default 2
   */
  readonly confirmAttempts?: number;
  /**
   * Days a transition event is kept in the history (1-3650).
   * @default 90
   */
  readonly eventRetentionDays?: number;
  /**
   * Days before certificate expiry that raise the `cert-expiring` finding (1-365).
   * @default 14
   */
  readonly certExpiringDays?: number;
  /**
   * The clear-text MQTT port checked beside the TLS one at depth `mqtt`; 0 switches the check off (0-65535).
   * @default 1883
   */
  readonly plaintextPort?: number;
  /**
   * Fast lane for targets without an `every` attribute: a look every 10, 15, 20 or 30 seconds or
   * 1 minute within each tick (`-c defaultEvery=10s`); a schedule of 15 minutes or less.
   * @default - the schedule
   */
  readonly defaultEvery?: Duration;
}

/**
 * A setting in minutes as a Duration. Duration refuses a negative amount with a plain Error, which
 * would name neither the setting nor the value; everything else is checked where the value is used.
 */
function minutes(name: string, value: number | undefined): Duration | undefined {
  if (value === undefined) return undefined;
  if (value < 0) throw new PortwatchConfigError(`${name} must not be negative, got ${value}`);
  return Duration.minutes(value);
}

/**
 * portwatch: a tick (EventBridge) wakes the dispatcher, which fans the Targets table out into probe
 * messages; probers probe them, keep state and history in the State table, and publish transitions
 * to the alerts topic. Every failure path ends in an alarmed dead-letter queue; every alarm notifies
 * the operations topic, so the alerts topic carries target alerts only.
 */
export class PortwatchStack extends Stack {
  public readonly tables: PortwatchTables;
  public readonly alerts: AlertsTopic;
  public readonly ops: OpsTopic;
  public readonly fanOut: ProbeFanOut;
  public readonly schedule: ProbeSchedule;
  public readonly monitoring: PortwatchMonitoring;

  public constructor(scope: Construct, id: string, props: PortwatchStackProps = {}) {
    super(scope, id, props);

    const scheduleMinutes = requireIntegerInRange('scheduleMinutes', props.scheduleMinutes ?? 5, 1, 1440);
    const tickRate = Duration.minutes(scheduleMinutes);

    this.tables = new PortwatchTables(this, 'Tables');

    this.ops = new OpsTopic(this, 'Ops', { opsEmail: props.opsEmail });

    this.alerts = new AlertsTopic(this, 'Alerts', { alertEmail: props.alertEmail, alarmTopic: this.ops.topic });

    this.fanOut = new ProbeFanOut(this, 'ProbeFanOut', {
      stateTable: this.tables.stateTable,
      targetsTable: this.tables.targetsTable,
      tickRate,
      postureEvery: minutes('postureEveryMinutes', props.postureEveryMinutes),
      alertsTopic: this.alerts.topic,
      alarmTopic: this.ops.topic,
      defaultPort: props.defaultPort,
      probeTimeoutMs: props.probeTimeoutMs,
      allowedCidrs: props.allowedCidrs,
      caBundle: props.caBundle,
      maxConcurrency: props.proberMaxConcurrency,
      probeConcurrency: props.probeConcurrency,
      batchSize: props.proberBatchSize,
      timeout: props.proberTimeout,
      memorySize: props.proberMemorySize,
      confirmAttempts: props.confirmAttempts,
      eventRetentionDays: props.eventRetentionDays,
      certExpiringDays: props.certExpiringDays,
      plaintextPort: props.plaintextPort,
      settingNames: {
        tickRate: 'scheduleMinutes',
        postureEvery: 'postureEveryMinutes',
        maxConcurrency: 'proberMaxConcurrency',
        batchSize: 'proberBatchSize',
        timeout: 'proberTimeout (seconds)',
        memorySize: 'proberMemorySize',
      },
    });

    this.schedule = new ProbeSchedule(this, 'ProbeSchedule', {
      rate: tickRate,
      targetsTable: this.tables.targetsTable,
      probeQueue: this.fanOut.queue,
      defaultPort: props.defaultPort,
      alarmTopic: this.ops.topic,
      targetsPerMessage: props.targetsPerMessage,
      scanSegments: props.scanSegments,
      defaultEvery: props.defaultEvery, // fast lane (issue 17)
    });

    const deadLetterQueues = [
      { label: 'probe messages', dlq: this.fanOut.deadLetterQueue },
      { label: 'ticks not dispatched', dlq: this.schedule.failureQueue },
      ...(this.alerts.emailDeadLetterQueue ? [{ label: 'alert e-mails', dlq: this.alerts.emailDeadLetterQueue }] : []),
      ...(this.ops.emailDeadLetterQueue ? [{ label: 'ops e-mails', dlq: this.ops.emailDeadLetterQueue }] : []),
    ];
    this.monitoring = new PortwatchMonitoring(this, 'Monitoring', {
      dispatcher: this.schedule.dispatcher,
      prober: this.fanOut.prober,
      probeQueue: this.fanOut.queue,
      deadLetterQueues: deadLetterQueues.map(({ label, dlq }) => ({ label, queue: dlq.queue })),
      stateTable: this.tables.stateTable,
      alertsTopic: this.alerts.topic,
      opsTopic: this.ops.topic,
      tickRate,
      alarms: deadLetterQueues.map(({ dlq }) => dlq.alarm),
    });

    // Output ids are top-level children of the stack, so each logical id (= OutputKey) is exactly
    // the id: the CLI reads them by OutputKey.
    const output = (key: string, value: string, description: string): void => {
      new CfnOutput(this, key, { value, description });
    };
    output(OUTPUT_KEYS.targetsTableName, this.tables.targetsTable.tableName, 'Targets table (add targets here)');
    output(OUTPUT_KEYS.stateTableName, this.tables.stateTable.tableName, 'State table (current state and history)');
    output(OUTPUT_KEYS.alertTopicArn, this.alerts.topic.topicArn, 'SNS topic of the alerts (subscribe here)');
    output(OUTPUT_KEYS.opsTopicArn, this.ops.topic.topicArn, 'SNS topic of the portwatch alarms (operators subscribe here)');
    output(OUTPUT_KEYS.probeQueueUrl, this.fanOut.queue.queueUrl, 'Probe queue');
    output(
      OUTPUT_KEYS.deadLetterQueueUrl,
      this.fanOut.deadLetterQueue.queue.queueUrl,
      'Dead-letter queue of the probe queue (alarmed)',
    );
    output(
      OUTPUT_KEYS.dispatchFailureQueueUrl,
      this.schedule.failureQueue.queue.queueUrl,
      'Ticks that could not be dispatched (alarmed)',
    );
    output(OUTPUT_KEYS.dashboardUrl, this.monitoring.dashboardUrl, 'CloudWatch dashboard');
  }
}
