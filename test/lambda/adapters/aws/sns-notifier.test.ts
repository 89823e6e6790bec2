import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../../../lambda/adapters/aws/sns-notifier';
import type { Alert } from '../../../../lambda/monitor/model';
import { type AwsStandIn, queryXml, queryXmlError, STAND_IN_CREDENTIALS, startAwsStandIn } from '../../../helpers/aws-stand-in';

/*
 * SNS cannot run here: the real SNSClient talks to an HTTP stand-in on 127.0.0.1 that answers in SNS's
 * query protocol (XML), so the request the test inspects is the one the SDK serialized for the wire.
 */

const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const alert: Alert = {
  id: 'b.example@3', event: 'closed', target: 'b.example', display: 'b.example:8883', status: 'closed', previous: 'open', open: false,
  expected: 'open', severity: 'critical', at: '2026-11-24T10:00:00.000Z', previousSince: '2026-11-24T09:00:00.000Z', findings: [],
  addedFindings: [], removedFindings: [], reason: 'ECONNREFUSED', labels: { site: 'berlin' }, description: null,
  evidence: { reason: 'ECONNREFUSED', latencyMs: 1, addresses: [], tls: null, mqtt: null },
};

function client(standIn: AwsStandIn): SNSClient {
  return new SNSClient({ endpoint: standIn.endpoint, region: 'eu-west-1', credentials: STAND_IN_CREDENTIALS, maxAttempts: 1 });
}

/** The message attributes of a query-protocol Publish form, as name -> {DataType, StringValue}. */
function attributes(form: URLSearchParams): Record<string, { DataType: string | null; StringValue: string | null }> {
  const out: Record<string, { DataType: string | null; StringValue: string | null }> = {};
  for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
    out[form.get(`MessageAttributes.entry.${i}.Name`) ?? ''] = {
      DataType: form.get(`MessageAttributes.entry.${i}.Value.DataType`),
      StringValue: form.get(`MessageAttributes.entry.${i}.Value.StringValue`),
    };
  }
  return out;
}

describe('SnsNotifier', () => {
  it('publishes one message: per-protocol bodies, subject and typed attributes', async () => {
    // Prepare
    const standIn = await startAwsStandIn(() => queryXml('Publish', SNS_NS, '<MessageId>m-1</MessageId>'));
    try {
      const notifier = new SnsNotifier(client(standIn), 'arn:aws:sns:eu-west-1:1:alerts');
      // Act
      await notifier.publish(alert);
      // Assess
      expect(standIn.requests).toHaveLength(1);
      const form = standIn.requests[0]?.form ?? new URLSearchParams();
      expect(form.get('Action')).toBe('Publish');
      expect(form.get('TopicArn')).toBe('arn:aws:sns:eu-west-1:1:alerts');
      expect(form.get('MessageStructure')).toBe('json');
      expect(form.get('Subject')).toContain('b.example:8883');
      const bodies = JSON.parse(form.get('Message') ?? '{}') as Record<string, string>;
      expect(Object.keys(bodies).sort()).toEqual(['default', 'email', 'email-json', 'firehose', 'http', 'https', 'lambda', 'sms', 'sqs']);
      expect(bodies.default).toContain('Devices cannot reach this broker');
      expect(JSON.parse(bodies.lambda ?? '{}')).toMatchObject({ event: 'closed', id: 'b.example@3' });
      const attrs = attributes(form);
      expect(attrs.labels).toEqual({ DataType: 'String.Array', StringValue: '["site=berlin"]' });
      expect(attrs.previous).toEqual({ DataType: 'String', StringValue: 'open' });
    } finally {
      await standIn.close();
    }
  });

  it('lets an SNS failure propagate so the alert stays pending', async () => {
    const standIn = await startAwsStandIn(() => queryXmlError('Throttling', 'Rate exceeded'));
    try {
      const notifier = new SnsNotifier(client(standIn), 'arn:aws:sns:eu-west-1:1:alerts');
      await expect(notifier.publish(alert)).rejects.toMatchObject({ name: 'Throttling' });
    } finally {
      await standIn.close();
    }
  });
});
