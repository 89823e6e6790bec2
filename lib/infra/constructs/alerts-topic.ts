import * as kms from 'aws-cdk-lib/aws-kms';
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
 * Encryption at rest with the AWS managed key alias/aws/sns: free, and enough because only the
 * prober's role publishes here (its key policy admits principals of this account calling through SNS).
 * The operations topic cannot do the same: CloudWatch alarms publish there, and the managed key's
 * policy cannot admit that service principal.
 */
export class AlertsTopic extends Construct {
  public readonly topic: sns.Topic;
  /** Dead-letter queue of the e-mail subscription; undefined without `alertEmail`. */
  public readonly emailDeadLetterQueue?: DeadLetterQueue;

  public constructor(scope: Construct, id: string, props: AlertsTopicProps = {}) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'portwatch',
      masterKey: kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
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
