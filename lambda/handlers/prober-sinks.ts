/**
 * The prober's alert sinks, built from its environment: Security Hub, EventBridge, the chat topic.
 * Security Hub findings name the account and region, which the function learns from its own ARN at
 * its first invocation (Lambda's context carries it): no STS call, no variable that could disagree.
 *
 * Each sink's code and SDK client are required when that sink is configured, at the first invocation
 * (esbuild keeps a bundled module's init lazy behind require): a prober without them does not pay for
 * loading them at every cold start.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { ProberEnvConfig } from '../contracts/prober-env';
import type { AsffScope } from '../monitor/asff';
import type { AlertSink } from '../monitor/dependencies';

/**
 * A sink runs after SNS accepted, inside the same 60-second alert lease: two tries of at most 5 s
 * each keep it well inside, so a second prober never takes over an alert a first is still delivering.
 */
const SINK_CLIENT = { maxAttempts: 2, requestHandler: { requestTimeout: 5_000, connectionTimeout: 3_000 } } as const;

/** Partition, region and account of a Lambda function's ARN (`arn:aws:lambda:eu-west-1:123456789012:function:name`). */
export function scopeOfFunctionArn(arn: string): AsffScope {
  const [prefix, partition, service, region, accountId] = arn.split(':');
  if (prefix !== 'arn' || service !== 'lambda' || !partition || !region || !accountId || !/^\d{12}$/.test(accountId)) {
    throw new Error(`not a Lambda function ARN: ${JSON.stringify(arn)}`);
  }
  return { partition, region, accountId };
}

/**
 * The sinks the environment asks for, in a fixed order; `sns` is the client the alerts topic uses.
 * A prober in another region than home (`homeRegion`) sends to the home region's Security Hub and bus,
 * as it writes the home region's table and topic: one finding per target and kind, one bus, whichever
 * region's prober wins a transition.
 */
export function createSinks(config: Pick<ProberEnvConfig, 'securityHub' | 'eventBusName' | 'chatTopicArn'> & { readonly homeRegion?: string | null }, functionArn: string, sns: SNSClient): AlertSink[] {
  const sinks: AlertSink[] = [];
  const home = config.homeRegion ? { region: config.homeRegion } : {};
  if (config.securityHub) {
    const { SecurityHubClient } = require('@aws-sdk/client-securityhub') as typeof import('@aws-sdk/client-securityhub');
    const { SecurityHubFindings } = require('../adapters/aws/security-hub-findings') as typeof import('../adapters/aws/security-hub-findings');
    sinks.push(new SecurityHubFindings(new SecurityHubClient({ ...SINK_CLIENT, ...home }), { ...scopeOfFunctionArn(functionArn), ...home }));
  }
  if (config.eventBusName !== null) {
    const { EventBridgeClient } = require('@aws-sdk/client-eventbridge') as typeof import('@aws-sdk/client-eventbridge');
    const { EventBridgeEvents } = require('../adapters/aws/eventbridge-events') as typeof import('../adapters/aws/eventbridge-events');
    sinks.push(new EventBridgeEvents(new EventBridgeClient({ ...SINK_CLIENT, ...home }), config.eventBusName));
  }
  if (config.chatTopicArn !== null) {
    const { ChatNotifier } = require('../adapters/aws/chat-notifier') as typeof import('../adapters/aws/chat-notifier');
    sinks.push(new ChatNotifier(sns, config.chatTopicArn));
  }
  return sinks;
}
