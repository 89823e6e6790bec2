import type { PublishCommand } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../../../lambda/adapters/aws/sns-notifier';
import type { Alert } from '../../../../lambda/monitor/model';

/* SNS cannot run here: the client is a stand-in that records the command it is given. */

const alert: Alert = {
  id: 'b.example@3', event: 'closed', target: 'b.example', display: 'b.example:8883', status: 'closed', previous: 'open', open: false,
  expected: 'open', severity: 'critical', at: '2026-11-24T10:00:00.000Z', previousSince: '2026-11-24T09:00:00.000Z', findings: [],
  addedFindings: [], removedFindings: [], reason: 'ECONNREFUSED', labels: { site: 'berlin' }, description: null,
  evidence: { reason: 'ECONNREFUSED', latencyMs: 1, addresses: [], tls: null, mqtt: null },
};

describe('SnsNotifier', () => {
  it('publishes one message: per-protocol bodies, subject and typed attributes', async () => {
    // Prepare
    const sent: PublishCommand[] = [];
    const notifier = new SnsNotifier({ send: async (c: unknown) => sent.push(c as PublishCommand) } as never, 'arn:aws:sns:eu-west-1:1:alerts');
    // Act
    await notifier.publish(alert);
    // Assess
    const input = sent[0]?.input;
    expect(input?.TopicArn).toBe('arn:aws:sns:eu-west-1:1:alerts');
    expect(input?.MessageStructure).toBe('json');
    const bodies = JSON.parse(input?.Message ?? '{}') as Record<string, string>;
    expect(Object.keys(bodies).sort()).toEqual(['default', 'email', 'email-json', 'firehose', 'http', 'https', 'lambda', 'sms', 'sqs']);
    expect(bodies.default).toContain('Devices cannot reach this broker');
    expect(JSON.parse(bodies.lambda ?? '{}')).toMatchObject({ event: 'closed', id: 'b.example@3' });
    expect(input?.MessageAttributes?.labels).toEqual({ DataType: 'String.Array', StringValue: '["site=berlin"]' });
    expect(input?.MessageAttributes?.previous).toEqual({ DataType: 'String', StringValue: 'open' });
  });

  it('lets an SNS failure propagate so the alert stays pending', async () => {
    const notifier = new SnsNotifier({ send: async () => { throw new Error('Throttled'); } } as never, 'arn:aws:sns:eu-west-1:1:alerts');
    await expect(notifier.publish(alert)).rejects.toThrow('Throttled');
  });
});
