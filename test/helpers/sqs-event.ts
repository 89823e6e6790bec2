import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { ProbeMessage } from '../../lambda/contracts/probe-message';

/** An SQS event as Lambda's event source mapping delivers it. */
export function sqsEvent(bodies: readonly (ProbeMessage | string)[], receiveCount = 1): SQSEvent {
  const Records: SQSRecord[] = bodies.map((body, i) => ({
    messageId: `059f36b4-87a3-44ab-83d2-66197${String(i).padStart(7, '0')}`,
    receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a${i}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1764000000000',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1764000000001',
    },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:portwatch-probe',
    awsRegion: 'eu-west-1',
  }));
  return { Records };
}
