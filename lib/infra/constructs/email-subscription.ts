import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { requireEmail } from './config-validation';
import { DeadLetterQueue } from './dead-letter-queue';

/** Options of {@link subscribeEmail}. */
export interface EmailSubscriptionOptions {
  /** The setting the address came from (`alertEmail`, `opsEmail`): named in the error when it is not one address. */
  readonly setting: string;
  readonly email: string;
  /** What lands in the dead-letter queue and what to do; becomes its alarm description. */
  readonly purpose: string;
  /**
   * Notified when the dead-letter queue receives a message.
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Subscribes one e-mail address (AWS sends a confirmation mail first), with a dead-letter queue for
 * what SNS could not deliver, so that a bouncing address never loses a notification silently.
 * The queue is the child `<id>DeadLetterQueue` of `scope`.
 */
export function subscribeEmail(scope: Construct, id: string, topic: sns.ITopic, options: EmailSubscriptionOptions): DeadLetterQueue {
  const email = requireEmail(options.setting, options.email);
  const deadLetterQueue = new DeadLetterQueue(scope, `${id}DeadLetterQueue`, {
    purpose: options.purpose,
    alarmTopic: options.alarmTopic,
    deadLetterOf: "an e-mail subscription's RedrivePolicy",
  });
  topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue: deadLetterQueue.queue }));
  return deadLetterQueue;
}
