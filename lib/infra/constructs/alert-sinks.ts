/**
 * The prober's channels beside the alerts topic: Security Hub, an EventBridge bus, the chat topic.
 * What each needs from IAM, granted to the prober alone and to the one resource it writes: the
 * account's default Security Hub product, the one bus, the one topic.
 */
import { Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { ProberEnvironmentInput } from '../../../lambda/contracts/prober-env';

/** Where the prober sends every alert besides the alerts topic. */
export interface AlertSinks {
  /**
   * Import findings into Security Hub (the account's default product in the stack's region).
   * @default false
   */
  readonly securityHub?: boolean;
  /**
   * The bus every alert is also put on.
   * @default - no events
   */
  readonly eventBus?: events.IEventBus;
  /**
   * The topic every alert is also published to as an Amazon Q Developer custom notification.
   * @default - no chat topic
   */
  readonly chatTopic?: sns.ITopic;
}

/**
 * `arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`: the product through which an account
 * imports findings about itself. BatchImportFindings is authorised on the product ARN of the findings.
 */
export function defaultProductArn(scope: Stack, region?: string): string {
  return scope.formatArn({ service: 'securityhub', ...(region === undefined ? {} : { region }), resource: 'product', resourceName: `${scope.account}/default` });
}

/**
 * Grants the prober what its sinks call. Security Hub has no `grant*` method in CDK, so that one is
 * Grant.addToPrincipal with the one product ARN: the stack's region's, or `region`'s for a prober
 * whose findings go to another region (a prober stack outside the home region).
 */
export function grantAlertSinks(prober: iam.IGrantable, sinks: AlertSinks, stack: Stack, region?: string): void {
  if (sinks.securityHub === true) {
    iam.Grant.addToPrincipal({ grantee: prober, actions: ['securityhub:BatchImportFindings'], resourceArns: [defaultProductArn(stack, region)] });
  }
  sinks.eventBus?.grantPutEventsTo(prober);
  sinks.chatTopic?.grantPublish(prober);
}

/** The prober's variables that tell it about its sinks (contracts/prober-env.ts). */
export function sinkVariables(sinks: AlertSinks): Pick<ProberEnvironmentInput, 'securityHub' | 'eventBusName' | 'chatTopicArn'> {
  return {
    ...(sinks.securityHub === true ? { securityHub: true } : {}),
    ...(sinks.eventBus ? { eventBusName: sinks.eventBus.eventBusName } : {}),
    ...(sinks.chatTopic ? { chatTopicArn: sinks.chatTopic.topicArn } : {}),
  };
}
