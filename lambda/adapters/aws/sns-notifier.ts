import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import { formatAlert, type FormattedAlert } from '../../monitor/alert';
import type { Alert } from '../../monitor/model';
import type { Notifier } from '../../monitor/dependencies';

/**
 * Publishes one alert as an SNS message with a per-protocol body (`MessageStructure: json`):
 * e-mail subscribers get the readable text, machine subscribers (SQS, Lambda, HTTPS) the JSON payload.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: Pick<SNSClient, 'send'>,
    private readonly topicArn: string,
  ) {}

  async publish(alert: Alert): Promise<void> {
    await this.client.send(buildPublishCommand(this.topicArn, alert));
  }
}

/**
 * The alert's SNS message attributes (event, severity, target, findings, labels...), for subscription
 * filter policies: the same on the alerts topic and the chat topic.
 */
export function messageAttributes(formatted: FormattedAlert): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(formatted.attributes)) {
    attributes[name] =
      typeof value === 'string'
        ? { DataType: 'String', StringValue: value }
        : { DataType: 'String.Array', StringValue: JSON.stringify(value) };
  }
  return attributes;
}

export function buildPublishCommand(topicArn: string, alert: Alert): PublishCommand {
  const formatted = formatAlert(alert);
  const json = JSON.stringify(formatted.json);
  const attributes = messageAttributes(formatted);
  return new PublishCommand({
    TopicArn: topicArn,
    Subject: formatted.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({
      default: formatted.text,
      email: formatted.text,
      'email-json': json,
      sqs: json,
      lambda: json,
      http: json,
      https: json,
      firehose: json,
      sms: formatted.subject,
    }),
    MessageAttributes: attributes,
  });
}
