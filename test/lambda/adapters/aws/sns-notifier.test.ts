import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../../../lambda/adapters/aws/sns-notifier';
import type { Alert } from '../../../../lambda/monitor/model';
import { type AwsStandIn, STAND_IN_CREDENTIALS } from '../../../helpers/aws-stand-in';
import { startSnsStandIn } from '../../../helpers/sns-stand-in';

/*
 * SNS cannot run here: the real SNSClient talks to an HTTP stand-in on 127.0.0.1 that answers in SNS's
 * query protocol (XML), so the request the test inspects is the one the SDK serialized for the wire.
 */

const alert: Alert = {
  id: 'b.example@3', event: 'closed', target: 'b.example', display: 'b.example:8883', status: 'closed', previous: 'open', open: false,
  expected: 'open', severity: 'critical', at: '2026-11-24T10:00:00.000Z', previousSince: '2026-11-24T09:00:00.000Z', findings: [],
  addedFindings: [], removedFindings: [], reason: 'ECONNREFUSED', labels: { site: 'berlin' }, description: null,
  evidence: { reason: 'ECONNREFUSED', latencyMs: 1, addresses: [], tls: null, mqtt: null },
};

function client(standIn: AwsStandIn): SNSClient {
  return new SNSClient({ endpoint: standIn.endpoint, region: 'eu-west-1', credentials: STAND_IN_CREDENTIALS, maxAttempts: 1 });
}

describe('SnsNotifier', () => {
  it('publishes one message: per-protocol bodies, subject and typed attributes', async () => {
    // Prepare
    const standIn = await startSnsStandIn();
    try {
      const notifier = new SnsNotifier(client(standIn), 'arn:aws:sns:eu-west-1:1:alerts');
      // Act
      await notifier.publish(alert);
      // Assess
      expect(standIn.published).toHaveLength(1);
      const input = standIn.published[0];
      expect(input?.TopicArn).toBe('arn:aws:sns:eu-west-1:1:alerts');
      expect(input?.MessageStructure).toBe('json');
      expect(input?.Subject).toContain('b.example:8883');
      const bodies = JSON.parse(input?.Message ?? '{}') as Record<string, string>;
      expect(Object.keys(bodies).sort()).toEqual(['default', 'email', 'email-json', 'firehose', 'http', 'https', 'lambda', 'sms', 'sqs']);
      expect(bodies.default).toContain('Devices cannot reach this broker');
      expect(JSON.parse(bodies.lambda ?? '{}')).toMatchObject({ event: 'closed', id: 'b.example@3' });
      const attrs = input?.MessageAttributes ?? {};
      expect(attrs.labels).toEqual({ DataType: 'String.Array', StringValue: '["site=berlin"]' });
      expect(attrs.previous).toEqual({ DataType: 'String', StringValue: 'open' });
    } finally {
      await standIn.close();
    }
  });

  it('a partial reach travels as openFrom/notOpenFrom String.Array attributes: 10 in all with findings and labels', async () => {
    // Prepare
    const standIn = await startSnsStandIn();
    const partial: Alert = {
      ...alert, event: 'partial', status: 'open', previous: 'open', open: true, severity: 'warning', findings: ['cert-expiring'],
      reach: { open: ['eu-west-1', 'us-east-1'], notOpen: ['ap-southeast-2'], unknown: [], partialSince: '2026-11-24T10:00:00.000Z' },
    };
    try {
      // Act
      await new SnsNotifier(client(standIn), 'arn:aws:sns:eu-west-1:1:alerts').publish(partial);
      // Assess
      const input = standIn.published[0];
      const attrs = input?.MessageAttributes ?? {};
      expect(input?.Subject).toBe('[portwatch] PARTIAL b.example:8883 open from eu-west-1, us-east-1; not from ap-southeast-2');
      expect(attrs.openFrom).toEqual({ DataType: 'String.Array', StringValue: '["eu-west-1","us-east-1"]' });
      expect(attrs.notOpenFrom).toEqual({ DataType: 'String.Array', StringValue: '["ap-southeast-2"]' });
      expect(Object.keys(attrs)).toHaveLength(10);
    } finally {
      await standIn.close();
    }
  });

  it('lets an SNS failure propagate so the alert stays pending', async () => {
    const standIn = await startSnsStandIn();
    standIn.refuse(1);
    try {
      const notifier = new SnsNotifier(client(standIn), 'arn:aws:sns:eu-west-1:1:alerts');
      await expect(notifier.publish(alert)).rejects.toMatchObject({ name: 'InternalErrorException', message: 'Internal failure' });
    } finally {
      await standIn.close();
    }
  });
});
