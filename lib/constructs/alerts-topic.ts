import { Stack, Validations, ArnFormat } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { requireEmail } from './config-validation';
import { DeadLetterQueue } from './dead-letter-queue';

/** Props of {@link AlertsTopic}. */
export interface AlertsTopicProps {
  /**
   * E-mail address subscribed to the topic (AWS sends a confirmation mail first).
   * Undeliverable messages go to a dead-letter queue, so that an alert is never silently lost.
   * @default - no subscription; add HTTPS, SQS, Lambda or Chatbot subscribers yourself
   */
  readonly alertEmail?: string;
}

/**
 * The SNS topic every alert is published to, and the e-mail subscription when one is configured.
 *
 * Encryption: SNS-managed keys are not used on purpose. The only SSE choice without a customer
 * managed key is alias/aws/sns, whose key policy cannot be edited, and CloudWatch alarms (which
 * notify this topic when a portwatch dead-letter queue fills) cannot publish to a topic encrypted
 * with it. A customer managed key would cost a monthly fee for alert texts that contain host names
 * and port states only. cdk-nag's AwsSolutions pack (3.x) has no SNS encryption rule; publishers
 * are forced onto TLS by the topic policy instead (AwsSolutions-SNS3).
 */
export class AlertsTopic extends Construct {
  public readonly topic: sns.Topic;
  /** Dead-letter queue of the e-mail subscription; undefined without `alertEmail`. */
  public readonly emailDeadLetterQueue?: DeadLetterQueue;

  public constructor(scope: Construct, id: string, props: AlertsTopicProps = {}) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'portwatch',
      // Adds a Deny of sns:Publish for any request with aws:SecureTransport false.
      enforceSSL: true,
    });

    // The topic policy written for enforceSSL replaces SNS's default policy, which is what let
    // CloudWatch alarms in this account publish. Grant it back, to alarms of this account only.
    const stack = Stack.of(this);
    this.topic.grantPublish(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com').withConditions({
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
    );

    if (props.alertEmail !== undefined) {
      const email = requireEmail('alertEmail', props.alertEmail);
      this.emailDeadLetterQueue = new DeadLetterQueue(this, 'EmailDeadLetterQueue', {
        purpose:
          'portwatch alerts that SNS could not deliver to the alert e-mail address. Read the messages in ' +
          'this queue: they are alerts nobody received.',
        alarmTopic: this.topic,
      });
      Validations.of(this.emailDeadLetterQueue.queue.node.defaultChild as sqs.CfnQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is the dead-letter queue of the e-mail subscription (its RedrivePolicy). The rule only ' +
          'recognises queues named in another queue\'s redrive policy or a function\'s DeadLetterConfig.',
      });
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: this.emailDeadLetterQueue.queue }),
      );
    }
  }
}
