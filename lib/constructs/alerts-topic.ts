import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { DeadLetterQueue } from './dead-letter-queue';
import { subscribeEmail } from './email-subscription';

/** Props of {@link AlertsTopic}. */
export interface AlertsTopicProps {
  /**
   * E-mail address subscribed to the topic (AWS sends a confirmation mail first).
   * Undeliverable messages go to a dead-letter queue, so that an alert is never silently lost.
   * @default - no subscription; add HTTPS, SQS, Lambda or Chatbot subscribers yourself
   */
  readonly alertEmail?: string;
  /**
   * Notified when the e-mail dead-letter queue receives an alert (the operations topic).
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The SNS topic every target alert (and only target alerts, in the `portwatch.alert/v1` format) is
 * published to, and the e-mail subscription when one is configured. Alarms about portwatch itself
 * go to the operations topic instead, so that subscribers here never parse CloudWatch alarm messages.
 *
 * Encryption: SNS-managed keys are not used on purpose. The only SSE choice without a customer
 * managed key is alias/aws/sns, whose key policy cannot be edited, so that no service principal could
 * ever be allowed to publish; a customer managed key would cost a monthly fee for alert texts that
 * contain host names and port states only. cdk-nag's AwsSolutions pack (3.x) has no SNS encryption
 * rule; publishers are forced onto TLS by the topic policy instead (AwsSolutions-SNS3).
 */
export class AlertsTopic extends Construct {
  public readonly topic: sns.Topic;
  /** Dead-letter queue of the e-mail subscription; undefined without `alertEmail`. */
  public readonly emailDeadLetterQueue?: DeadLetterQueue;

  public constructor(scope: Construct, id: string, props: AlertsTopicProps = {}) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'portwatch',
      // Adds a Deny of sns:Publish for any request with aws:SecureTransport false. Only the prober
      // publishes here, through its role (grantPublish); the topic policy allows no one else.
      enforceSSL: true,
    });

    if (props.alertEmail !== undefined) {
      this.emailDeadLetterQueue = subscribeEmail(this, 'Email', this.topic, {
        setting: 'alertEmail',
        email: props.alertEmail,
        purpose:
          'portwatch alerts that SNS could not deliver to the alert e-mail address. Read the messages in ' +
          'this queue: they are alerts nobody received.',
        alarmTopic: props.alarmTopic,
      });
    }
  }
}
