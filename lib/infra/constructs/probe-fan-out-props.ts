/** The settings of ProbeFanOut (the prober, its queue and event source), each with its default and range. */
import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { AlertSinks } from './alert-sinks';
import type { VantageConfig } from '../../../lambda/monitor/vantage-config';

/** Props of `ProbeFanOut`. */
export interface ProbeFanOutProps {
  /** State table; the prober reads and writes it. */
  readonly stateTable: dynamodb.ITable;
  /**
   * Targets table; the prober only updates the state digest on its items (UpdateItem, nothing else),
   * so that an unchanged tick reads no state. @default - no digests: every state is read every tick
   */
  readonly targetsTable?: dynamodb.ITable;
  /**
   * The schedule's tick interval (whole minutes, 1 minute - 1 day); with `postureEvery` it sets how
   * many ticks apart open brokers get a deep look.
   * @default Duration.minutes(5)
   */
  readonly tickRate?: Duration;
  /**
   * How often an open target at depth tls/mqtt gets its deep look (TLS, certificate, anonymous MQTT);
   * the ticks between only connect. A target that was not open always gets a deep look. Whole
   * minutes, from `tickRate` to 1 day.
   * @default - the longer of 5 minutes and `tickRate`
   */
  readonly postureEvery?: Duration;
  /** Alerts topic; the prober publishes to it. */
  readonly alertsTopic: sns.ITopic;
  /**
   * Notified when the dead-letter queue receives a message (the operations topic).
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Port probed when a target names none.
   * @default 8883
   */
  readonly defaultPort?: number;
  /**
   * Deadline of each probe step (connect, TLS handshake, MQTT CONNACK), in milliseconds (100-30000).
   * @default 3000
   */
  readonly probeTimeoutMs?: number;
  /**
   * Observations that must agree before a transition is believed (1-5; 1 = no re-probe).
   * A single lost SYN must never alert.
   * @default 2
   */
  readonly confirmAttempts?: number;
  /**
   * Pause before each confirmation re-probe, in milliseconds (0-10000).
   * @default 1000
   */
  readonly confirmDelayMs?: number;
  /**
   * Days a transition event stays in the history before DynamoDB TTL removes it (1-3650).
   * @default 90
   */
  readonly eventRetentionDays?: number;
  /**
   * A certificate expiring in fewer days than this raises the `cert-expiring` finding (1-365).
   * @default 14
   */
  readonly certExpiringDays?: number;
  /**
   * The clear-text MQTT port checked beside the TLS port at depth `mqtt` (an MQTT broker answering there
   * is the `plaintext-listener` finding); 0 switches the check off. A target's `plaintextPort` wins (0-65535).
   * @default 1883
   */
  readonly plaintextPort?: number;
  /**
   * Private, loopback or link-local ranges the prober may connect to. Everything else in those ranges is
   * refused, so that whoever can write the Targets table cannot aim the scanner at internal hosts.
   * @default - none
   */
  readonly allowedCidrs?: readonly string[];
  /**
   * Timeout of one prober invocation (10 s - 15 min). The probe queue's visibility timeout is derived from it.
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * Prober memory in MiB (128-10240).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Probe messages per invocation (1-10); each message carries many targets.
   * @default 5
   */
  readonly batchSize?: number;
  /**
   * How long the event source waits to fill a batch (0-300 s). The dispatcher sends a whole tick in one
   * burst, so a short window is enough to fill batches.
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Highest number of concurrent prober invocations (2-1000). Bounds the sockets open at once and the
   * write rate on the State table.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Targets one invocation probes at once (1-1000). Sockets stay under the engine's process-wide
   * limit whatever this says; see docs/scaling.md for sizing (500 for 100,000 targets a minute).
   * @default 64
   */
  readonly probeConcurrency?: number;
  /**
   * PEM certificates of private CAs whose broker certificates the prober should trust, in addition to
   * the public roots (without it, a broker with a private-PKI certificate is reported `untrusted-cert`).
   * It reaches the prober in its environment (CA_BUNDLE), and Lambda allows 4 KB for all variables
   * together: a bundle that does not fit is refused at synth. Root certificates are all it needs;
   * brokers send their intermediates.
   * @default - the public roots only
   */
  readonly caBundle?: string;
  /**
   * Where the prober sends every alert besides the alerts topic (Security Hub, an EventBridge bus, the
   * chat topic), each granted to the prober only and on its one resource only.
   * @default - the alerts topic only
   */
  readonly sinks?: AlertSinks;
  /**
   * Several vantage points: where this prober looks from (VANTAGE), all of them (VANTAGES) and the
   * outage quorum (VANTAGE_QUORUM).
   * @default - one vantage point: no VANTAGE variables, today's behaviour
   */
  readonly vantage?: VantageConfig;
  /**
   * The region of the State table and the alerts topic, for a prober in another region (HOME_REGION:
   * its DynamoDB and SNS clients are built there).
   * @default - the function's own region
   */
  readonly homeRegion?: string;
  /**
   * Physical name of the probe queue, for a dispatcher in another stack that knows the queue by name
   * only (contracts/vantage-stacks.ts).
   * @default - a name CloudFormation generates
   */
  readonly queueName?: string;
  /**
   * What error messages call each setting, for a caller that exposes them under its own names (the
   * stack's `proberBatchSize` is `batchSize` here), so that an error names the setting the user wrote.
   * A label names the unit the value is checked in when the setting's name does not.
   * @default - the prop names, with the unit of Duration props: `timeout (seconds)`, `postureEvery (minutes)`
   */
  readonly settingNames?: Partial<Readonly<Record<ProbeFanOutSetting, string>>>;
}

/** The props of `ProbeFanOut` that are checked at synth time. */
export type ProbeFanOutSetting = Exclude<keyof ProbeFanOutProps, 'stateTable' | 'targetsTable' | 'alertsTopic' | 'alarmTopic' | 'settingNames' | 'sinks' | 'vantage' | 'homeRegion' | 'queueName'>;
