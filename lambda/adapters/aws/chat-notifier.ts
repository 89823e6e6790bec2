/** The chat sink: every alert as an Amazon Q Developer custom notification (chat-message.ts) on the chat topic. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SINK_NAMES } from '../../contracts/metrics';
import { formatAlert } from '../../monitor/alert';
import { chatMessage } from '../../monitor/chat-message';
import type { AlertSink } from '../../monitor/dependencies';
import type { Alert } from '../../monitor/model';
import { messageAttributes } from './sns-notifier';

export class ChatNotifier implements AlertSink {
  readonly name = SINK_NAMES.chat;

  constructor(
    private readonly client: Pick<SNSClient, 'send'>,
    private readonly topicArn: string,
  ) {}

  async deliver(alert: Alert): Promise<void> {
    // One body for every protocol: the chat application reads the JSON document as the message.
    // The attributes are the alerts topic's, so a channel can filter (e.g. severity critical only).
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Message: JSON.stringify(chatMessage(alert)), MessageAttributes: messageAttributes(formatAlert(alert)) }));
  }
}
