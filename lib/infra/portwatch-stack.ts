import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { PortwatchMonitor } from './portwatch-monitor';
import type { PortwatchMonitorProps } from './portwatch-monitor-props';
import { OPTIONAL_OUTPUT_KEYS, OUTPUT_KEYS } from '../../lambda/contracts/stack-outputs';

/** Deployment settings of the portwatch app's stack; `bin/portwatch-app.ts` fills them from `-c key=value` context. */
export interface PortwatchStackProps extends StackProps, PortwatchMonitorProps {
  /**
   * The EventBridge bus of this account and region every alert is also put on, by name (`default`
   * for the account's default bus); the monitor's `eventBus` prop takes precedence.
   * @default - no events
   */
  readonly eventBusName?: string;
}

/**
 * The portwatch app's stack: one {@link PortwatchMonitor} and the outputs the CLI reads. The monitor's
 * id is `Default`, which CDK leaves out of logical ids, so every resource keeps the id it had when
 * this stack held the monitor's body itself: an existing deployment updates in place.
 */
export class PortwatchStack extends Stack {
  public readonly monitor: PortwatchMonitor;

  public constructor(scope: Construct, id: string, props: PortwatchStackProps = {}) {
    super(scope, id, props);
    const eventBus = props.eventBus ?? (props.eventBusName === undefined ? undefined : events.EventBus.fromEventBusName(this, 'EventBus', props.eventBusName));
    this.monitor = new PortwatchMonitor(this, 'Default', { ...props, eventBus });
    const { tables, alerts, ops, fanOut, schedule, monitoring, chat } = this.monitor;

    // Output ids are top-level children of the stack, so each logical id (= OutputKey) is exactly
    // the id: the CLI reads them by OutputKey.
    const output = (key: string, value: string, description: string): void => {
      new CfnOutput(this, key, { value, description });
    };
    output(OUTPUT_KEYS.targetsTableName, tables.targetsTable.tableName, 'Targets table (add targets here)');
    output(OUTPUT_KEYS.stateTableName, tables.stateTable.tableName, 'State table (current state and history)');
    output(OUTPUT_KEYS.alertTopicArn, alerts.topic.topicArn, 'SNS topic of the alerts (subscribe here)');
    output(OUTPUT_KEYS.opsTopicArn, ops.topic.topicArn, 'SNS topic of the portwatch alarms (operators subscribe here)');
    output(OUTPUT_KEYS.probeQueueUrl, fanOut.queue.queueUrl, 'Probe queue');
    output(
      OUTPUT_KEYS.deadLetterQueueUrl,
      fanOut.deadLetterQueue.queue.queueUrl,
      'Dead-letter queue of the probe queue (alarmed)',
    );
    output(
      OUTPUT_KEYS.dispatchFailureQueueUrl,
      schedule.failureQueue.queue.queueUrl,
      'Ticks that could not be dispatched (alarmed)',
    );
    output(OUTPUT_KEYS.dashboardUrl, monitoring.dashboardUrl, 'CloudWatch dashboard');
    if (chat) output(OPTIONAL_OUTPUT_KEYS.chatTopicArn, chat.topic.topicArn, 'SNS topic of the alerts as chat notifications (subscribe a chat channel here)');
  }
}
