/**
 * The home stack's side of several vantage points: the probe queue of every other region, known by
 * name only (contracts/vantage-stacks.ts), and one alarm per vantage point whose queue keeps refusing
 * the dispatcher's ticks.
 */
import { type Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRIC_DIMENSIONS } from '../../../lambda/contracts/metrics';
import { counterAlarm } from './ops-alarm';
import type { DashboardGraph } from './portwatch-monitoring';
import { vantageQueueName } from '../../../lambda/contracts/vantage-stacks';

/** Props of {@link VantageDispatch}. */
export interface VantageDispatchProps {
  /** The home region's vantage name (its queue is the probe queue of this stack). */
  readonly home: string;
  /** The regions that hold a prober stack, each with a probe queue named by `vantageQueueName`. */
  readonly others: readonly string[];
  /** Notified on ALARM and OK (the operations topic). */
  readonly opsTopic: sns.ITopic;
  /** Time between ticks: the dispatcher counts at most one refusal per vantage point and tick. */
  readonly tickRate: Duration;
  /**
   * Consecutive ticks a vantage point's queue refused that raise its alarm: one refusal is a tick that
   * vantage point missed; the agreement rule counts its views as unknown after 3 missed ticks.
   * @default 2
   */
  readonly refusedTicksToAlarm?: number;
}

/** The other regions' probe queues and an alarm per vantage point on the dispatcher's refusals. */
export class VantageDispatch extends Construct {
  /** Each other region's probe queue, imported by ARN (the dispatcher's grant and URL). */
  public readonly queues: readonly { readonly vantage: string; readonly queue: sqs.IQueue }[];
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** The refusals by vantage point, for the dashboard. */
  public readonly graphs: readonly DashboardGraph[];

  public constructor(scope: Construct, id: string, props: VantageDispatchProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.queues = props.others.map((region) => ({
      vantage: region,
      queue: sqs.Queue.fromQueueArn(this, `Queue-${region}`, stack.formatArn({ service: 'sqs', region, resource: vantageQueueName(stack.stackName, region) })),
    }));
    const ticks = props.refusedTicksToAlarm ?? 2;
    this.alarms = [props.home, ...props.others].map((vantage) =>
      counterAlarm(this, `RefusedAlarm-${vantage}`, {
        description:
          `The probe queue of portwatch's vantage point ${vantage} refused the dispatcher's ticks ${ticks} times in a row: its prober is not ` +
          'looking, so its views will count as unknown (outages then need the quorum of the others). Look for "vantage point missed the tick" ' +
          `in the dispatcher logs; after a first deploy, deploy the prober stack of ${vantage}.`,
        metricName: METRIC.vantageDispatchFailures,
        dimensions: { [METRIC_DIMENSIONS.vantage]: vantage },
        tickRate: props.tickRate,
        ticks,
        opsTopic: props.opsTopic,
      }),
    );
    this.graphs = [{ title: 'Vantage points: ticks their probe queue refused', left: this.alarms.map((alarm) => alarm.metric) }];
  }
}
