/** The whole monitor as one construct (tables, schedule, fan-out, topics, monitoring): what a CDK app embeds. */
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { AlertSinks } from './constructs/alert-sinks';
import { AlertsTopic } from './constructs/alerts-topic';
import { ChatTopic } from './constructs/chat-topic';
import { SinkAlarms } from './constructs/sink-alarms';
import { SINK_NAMES } from '../../lambda/contracts/metrics';
import { PortwatchMonitoring } from './constructs/portwatch-monitoring';
import { PortwatchTables } from './constructs/portwatch-tables';
import { OpsTopic } from './constructs/ops-topic';
import { ProbeFanOut } from './constructs/probe-fan-out';
import { ProbeSchedule } from './constructs/probe-schedule';
import { Discovery } from './constructs/discovery';
import type { PortwatchMonitorProps } from './portwatch-monitor-props';
import { proberSettings, tickRateOf } from './prober-settings';
import { VantageDispatch } from './constructs/vantage-dispatch';
import { vantagePlan } from './vantages';

export type { PortwatchMonitorProps } from './portwatch-monitor-props';

/**
 * portwatch: a tick (EventBridge) wakes the dispatcher, which fans the Targets table out into probe
 * messages; probers probe them, keep state and history in the State table, and publish transitions
 * to the alerts topic. Every failure path ends in an alarmed dead-letter queue; every alarm notifies
 * the operations topic, so the alerts topic carries target alerts only.
 *
 * Embed it in any stack; it names no physical resource, reads no context and no environment:
 *
 *   import { PortwatchMonitor } from 'portwatch';
 *   const monitor = new PortwatchMonitor(this, 'Portwatch', { alertEmail: 'security@example.com' });
 *   // monitor.tables.targetsTable, monitor.alerts.topic, monitor.ops.topic ...
 *
 * The portwatch app's own stack creates it with the id `Default`, which CDK leaves out of logical
 * ids: the resources of a stack deployed before the monitor became a construct keep their ids.
 */
export class PortwatchMonitor extends Construct {
  public readonly tables: PortwatchTables;
  public readonly alerts: AlertsTopic;
  public readonly ops: OpsTopic;
  public readonly fanOut: ProbeFanOut;
  public readonly schedule: ProbeSchedule;
  public readonly monitoring: PortwatchMonitoring;
  /** Where the prober sends every alert besides the alerts topic (a prober stack in another region sends there too). */
  public readonly sinks: AlertSinks;
  /** The chat topic (Amazon Q Developer custom notifications); undefined unless `chatTopic` is true. */
  public readonly chat?: ChatTopic;
  /** One alarm per sink that keeps refusing alerts; undefined without sinks. */
  public readonly sinkAlarms?: SinkAlarms;
  /** Discovery of AWS accounts' public endpoints, the instant re-probe and the root cause; undefined unless `discovery` is given. */
  public readonly discovery?: Discovery;
  /** The other regions' probe queues and the alarms on their refusals; undefined with one vantage point. */
  public readonly vantageDispatch?: VantageDispatch;

  public constructor(scope: Construct, id: string, props: PortwatchMonitorProps = {}) {
    super(scope, id);

    const tickRate = tickRateOf(props);
    const vantages = vantagePlan(Stack.of(this).region, props.vantageRegions, props.vantageQuorum);

    this.tables = new PortwatchTables(this, 'Tables');

    this.ops = new OpsTopic(this, 'Ops', { opsEmail: props.opsEmail });

    this.alerts = new AlertsTopic(this, 'Alerts', { alertEmail: props.alertEmail, alarmTopic: this.ops.topic });

    if (props.chatTopic === true) this.chat = new ChatTopic(this, 'Chat');

    this.sinks = { securityHub: props.securityHub, eventBus: props.eventBus, chatTopic: this.chat?.topic };
    this.fanOut = new ProbeFanOut(this, 'ProbeFanOut', {
      sinks: this.sinks,
      stateTable: this.tables.stateTable,
      targetsTable: this.tables.targetsTable,
      alertsTopic: this.alerts.topic,
      alarmTopic: this.ops.topic,
      ...proberSettings(props),
      ...(vantages ? { vantage: vantages.configFor(vantages.home) } : {}),
    });

    if (vantages) this.vantageDispatch = new VantageDispatch(this, 'Vantages', { home: vantages.home, others: vantages.others, opsTopic: this.ops.topic, tickRate });
    // Every function that sends probe messages (the ticks, the re-probes) sends to every vantage point.
    const vantageQueues = vantages && this.vantageDispatch ? { vantages: { home: vantages.home, queues: this.vantageDispatch.queues } } : {};

    this.schedule = new ProbeSchedule(this, 'ProbeSchedule', {
      rate: tickRate,
      targetsTable: this.tables.targetsTable,
      probeQueue: this.fanOut.queue,
      defaultPort: props.defaultPort,
      alarmTopic: this.ops.topic,
      targetsPerMessage: props.targetsPerMessage,
      scanSegments: props.scanSegments,
      defaultEvery: props.defaultEvery,
      ...vantageQueues,
    });

    const sinks = [
      ...(props.securityHub === true ? [SINK_NAMES.securityHub] : []),
      ...(props.eventBus ? [SINK_NAMES.eventBridge] : []),
      ...(this.chat ? [SINK_NAMES.chat] : []),
    ];
    if (sinks.length > 0) this.sinkAlarms = new SinkAlarms(this, 'SinkAlarms', { sinks, opsTopic: this.ops.topic, tickRate });

    if (props.discovery !== undefined) {
      this.discovery = new Discovery(this, 'Discovery', {
        ...props.discovery,
        targetsTable: this.tables.targetsTable,
        probeQueue: this.fanOut.queue,
        ...vantageQueues,
        prober: this.fanOut.prober,
        alarmTopic: this.ops.topic,
        defaultPort: props.defaultPort,
      });
    }

    const deadLetterQueues = [
      { label: 'probe messages', dlq: this.fanOut.deadLetterQueue },
      { label: 'ticks not dispatched', dlq: this.schedule.failureQueue },
      ...(this.alerts.emailDeadLetterQueue ? [{ label: 'alert e-mails', dlq: this.alerts.emailDeadLetterQueue }] : []),
      ...(this.ops.emailDeadLetterQueue ? [{ label: 'ops e-mails', dlq: this.ops.emailDeadLetterQueue }] : []),
      ...(this.discovery ? [{ label: 'discovery runs and re-probes', dlq: this.discovery.failureQueue }] : []),
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
      alarms: [
        ...deadLetterQueues.map(({ dlq }) => dlq.alarm),
        ...(this.sinkAlarms?.alarms ?? []),
        ...(this.discovery ? [this.discovery.scopesFailedAlarm] : []),
        ...(this.vantageDispatch?.alarms ?? []),
      ],
      featureGraphs: [
        ...(this.sinkAlarms?.graphs ?? []),
        ...(this.discovery ? [{ title: 'Discovery: scopes not read', left: [this.discovery.scopesFailedAlarm.metric] }] : []),
        ...(this.vantageDispatch?.graphs ?? []),
      ],
    });
  }
}
