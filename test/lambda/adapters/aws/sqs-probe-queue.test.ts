/**
 * SqsProbeQueue through the real SQSClient against a stand-in SQS on 127.0.0.1 that speaks the JSON
 * protocol (X-Amz-Target AmazonSQS.SendMessageBatch, test/helpers/sqs-stand-in.ts), chosen by
 * AWS_ENDPOINT_URL_SQS as the SDK's standard variable: what reaches the wire, a fast lane's
 * DelaySeconds included.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsProbeQueue } from '../../../../lambda/adapters/aws/sqs-probe-queue';
import { type SqsStandIn, startSqsStandIn } from '../../../helpers/sqs-stand-in';

let sqs: SqsStandIn;
let client: SQSClient;

beforeAll(async () => {
  sqs = await startSqsStandIn();
  process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
  client = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  client.destroy();
  delete process.env.AWS_ENDPOINT_URL_SQS;
  await sqs.close();
});

test('a fast lane copy carries its delay as DelaySeconds; a message on the schedule none', async () => {
  // Prepare
  // The SDK sends to the queue URL's host (as in AWS, where the URL names the endpoint): the stand-in's.
  const queue = new SqsProbeQueue(client, sqs.queueUrl);
  const tick = '2026-11-24T10:00:00.000Z';

  // Act
  await queue.send([
    { v: 1, tick, targets: [{ target: 'slow.example.com' }] },
    { v: 1, tick, targets: [{ target: 'fast.example.com' }], delayS: 0, everyS: 10 },
    { v: 1, tick, targets: [{ target: 'fast.example.com' }], delayS: 50, everyS: 10 },
  ]);

  // Assess
  expect(sqs.requests.map((r) => r.headers['x-amz-target'])).toEqual(['AmazonSQS.SendMessageBatch']);
  expect(sqs.batches[0]?.map((e) => [JSON.parse(e.MessageBody).delayS ?? null, e.DelaySeconds ?? null])).toEqual([
    [null, null],
    [0, null],
    [50, 50],
  ]);
});
