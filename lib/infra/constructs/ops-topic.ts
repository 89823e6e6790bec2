import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { DeadLetterQueue } from './dead-letter-queue';
import { subscribeEmail } from './email-subscription';

/** Props of {@link OpsTopic}. */
export interface OpsTopicProps {
  /**
   * E-mail address subscribed to the operations topic (AWS sends a confirmation mail first).
   * @default - no subscription; subscribe a pager, chat or ticketing endpoint yourself
   */
  readonly opsEmail?: string;
}

/**
 * The operations topic: every CloudWatch alarm about portwatch itself (dead-letter queues, Lambda
 * errors and throttles, backlog, missed ticks, alerts stuck pending, degraded scanner) notifies it,
 * on ALARM and on OK. It is separate from the alerts topic because its readers differ (whoever runs
 * portwatch, not whoever owns the brokers) and so does its format (CloudWatch alarm messages, not
 * `portwatch.alert/v1`). Not encrypted, for the reason given on {@link AlertsTopic}: CloudWatch
 * alarms cannot publish to a topic encrypted with alias/aws/sns.
 */
export class OpsTopic extends Construct {
  public readonly topic: sns.Topic;
  /** Dead-letter queue of the e-mail subscription; undefined without `opsEmail`. */
  public readonly emailDeadLetterQueue?: DeadLetterQueue;

  public constructor(scope: Construct, id: string, props: OpsTopicProps = {}) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'portwatch ops',
      // Adds a Deny of sns:Publish for any request with aws:SecureTransport false.
      enforceSSL: true,
    });

    // The topic policy written for enforceSSL replaces SNS's default policy, which is what let
    // CloudWatch alarms in this account publish. Grant it back, to alarms of this account only.
    const stack = Stack.of(this);
    this.topic.grantPublish(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com').withConditions({
        ArnLike: {
          'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        },
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
    );

    if (props.opsEmail !== undefined) {
      this.emailDeadLetterQueue = subscribeEmail(this, 'Email', this.topic, {
        setting: 'opsEmail',
        email: props.opsEmail,
        purpose:
          'portwatch alarm notifications that SNS could not deliver to the operations e-mail address. Check ' +
          'the address and its mailbox; the messages in this queue name the alarms that changed state.',
        // Whoever else subscribes to the operations topic (a pager, a chat) hears that the e-mail bounces.
        alarmTopic: this.topic,
      });
    }
  }
}
