/**
 * SqsProbeQueue through the real SQSClient against a stand-in SQS on 127.0.0.1 that speaks the JSON
 * protocol (X-Amz-Target AmazonSQS.SendMessageBatch), chosen by AWS_ENDPOINT_URL_SQS as the SDK's
 * standard variable: what reaches the wire, a fast lane's DelaySeconds included.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsProbeQueue } from '../../../../lambda/adapters/aws/sqs-probe-queue';

interface Entry {
  Id: string;
  MessageBody: string;
  DelaySeconds?: number;
}

let server: Server;
const received: { target: string; entries: Entry[] }[] = [];
let client: SQSClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const input = JSON.parse(body) as { Entries: Entry[] };
      received.push({ target: String(req.headers['x-amz-target']), entries: input.Entries });
      const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: md5(e.MessageBody) })), Failed: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.AWS_ENDPOINT_URL_SQS = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  client.destroy();
  delete process.env.AWS_ENDPOINT_URL_SQS;
  await new Promise((resolve) => server.close(resolve));
});

test('a fast lane copy carries its delay as DelaySeconds; a message on the schedule none', async () => {
  // Prepare
  // The SDK sends to the queue URL's host (as in AWS, where the URL names the endpoint): the stand-in's.
  const queue = new SqsProbeQueue(client, `${process.env.AWS_ENDPOINT_URL_SQS}/123456789012/probe`);
  const tick = '2026-11-24T10:00:00.000Z';

  // Act
  await queue.send([
    { v: 1, tick, targets: [{ target: 'slow.example.com' }] },
    { v: 1, tick, targets: [{ target: 'fast.example.com' }], delayS: 0, everyS: 10 },
    { v: 1, tick, targets: [{ target: 'fast.example.com' }], delayS: 50, everyS: 10 },
  ]);

  // Assess
  expect(received).toHaveLength(1);
  expect(received[0]?.target).toBe('AmazonSQS.SendMessageBatch');
  expect(received[0]?.entries.map((e) => [JSON.parse(e.MessageBody).delayS ?? null, e.DelaySeconds ?? null])).toEqual([
    [null, null],
    [0, null],
    [50, 50],
  ]);
});
