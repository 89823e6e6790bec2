import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The chat topic: the same alerts as the alerts topic, each message an Amazon Q Developer in chat
 * applications custom notification (lambda/monitor/chat-message.ts), for a Slack or Teams channel
 * configuration to subscribe. A separate topic because a chat client shows a message body as it is:
 * the alerts topic's per-protocol bodies are e-mail text and portwatch.alert/v1 JSON, which a chat
 * channel would show raw. Encrypted and TLS-only like the alerts topic; only the prober publishes.
 */
export class ChatTopic extends Construct {
  public readonly topic: sns.Topic;

  public constructor(scope: Construct, id: string) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'portwatch chat',
      masterKey: kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
  }
}
