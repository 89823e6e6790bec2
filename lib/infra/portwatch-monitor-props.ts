/** The settings of PortwatchMonitor, each with its default and range: what a CDK app passes to embed the monitor. */
import type { DiscoveryProps } from './constructs/discovery';
import type { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';

/**
 * Settings of {@link PortwatchMonitor}. Every one is optional: `new PortwatchMonitor(this, 'Portwatch')`
 * monitors whatever the Targets table holds every 5 minutes. The portwatch app fills them from `-c key=value`.
 */
export interface PortwatchMonitorProps {
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
   * Fast lane for targets without an `every` attribute: a look every 10, 15, 20 or 30 seconds or
   * 1 minute within each tick (`-c defaultEvery=10s`); a schedule of 15 minutes or less.
   * @default - the schedule
   */
  readonly defaultEvery?: Duration;
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
   * Import a finding per target and kind (exposure, anonymous access, plaintext MQTT, certificate,
   * legacy TLS) into AWS Security Hub, in the AWS Security Finding Format, through the account's own
   * default product (`BatchImportFindings` on `arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`
   * only). Security Hub must be enabled in the account and region.
   * @default false
   */
  readonly securityHub?: boolean;
  /**
   * Put every alert on this EventBridge bus as well (source `portwatch`, one detail-type per alert
   * event; the schema is `schemas/portwatch-event.schema.json`). The prober may put events on this bus only.
   * @default - no events
   */
  readonly eventBus?: events.IEventBus;
  /**
   * A second SNS topic whose messages follow the Amazon Q Developer in chat applications custom
   * notification format, for a Slack or Teams channel configuration to subscribe; e-mail stays on the
   * alerts topic.
   * @default false
   */
  readonly chatTopic?: boolean;
  /**
   * Discovery of the public endpoints of AWS accounts (a daily function, the instant re-probe rule on
   * CloudTrail changes, the root cause in opening alerts): off unless given, so that a first deploy
   * never starts alerting on resources nobody listed. `{}` reads the stack's account and region daily.
   * @default - no discovery
   */
  readonly discovery?: MonitorDiscoveryProps;
  /**
   * Several vantage points: the regions that each hold a PortwatchProberStack of this stack
   * (this stack's region may be listed too; it always is one). The dispatcher sends every tick to each
   * region's probe queue as well as to its own, and every prober records its own view; an exposure is
   * believed from any one region, an outage from `vantageQuorum` of them. Needs a concrete region on
   * this stack (`env`).
   * @default - one vantage point: this region
   */
  readonly vantageRegions?: readonly string[];
  /**
   * Vantage points that must see a target not open before an outage (`expect: open`) is believed,
   * 1 to the number of vantage points.
   * @default - a majority
   */
  readonly vantageQuorum?: number;
}

/** Discovery's settings within the monitor: the monitor supplies its tables, queue, prober, ops topic and default port. */
export type MonitorDiscoveryProps = Omit<DiscoveryProps, 'targetsTable' | 'probeQueue' | 'prober' | 'alarmTopic' | 'defaultPort'>;

