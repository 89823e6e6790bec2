import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { createServer, type Server } from 'node:net';
import { DynamoDbStateStore } from '../../../lambda/adapters/dynamodb-state-store';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/embedded-dynamodb';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { lambdaContext, lambdaEnv } from '../../helpers/lambda-env';
import { sqsEvent } from '../../helpers/sqs-event';

/*
 * The prober handler driven by SQS events, probing a real loopback listener, with state on dynalite.
 * SNS cannot run here: SNSClient.send is replaced by a stand-in that records (or refuses) publishes.
 */

let db: EmbeddedDynamoDb;
let store: DynamoDbStateStore;
let handler: typeof import('../../../lambda/handlers/prober').handler;
const published: PublishCommandInput[] = [];
let snsFailures = 0;
let port: number;
let server: Server | null = null;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port: p } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return p;
}

async function openListener(): Promise<void> {
  server = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => server?.listen(port, '127.0.0.1', r));
}

async function closeListener(): Promise<void> {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
}

beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  const tables = await freshTables(db);
  store = new DynamoDbStateStore(db.client, { tableName: tables.state });
  port = await freePort();
  lambdaEnv(db, {
    STATE_TABLE_NAME: tables.state,
    ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:portwatch-alerts',
    PROBE_TIMEOUT_MS: '1000',
    CONFIRM_DELAY_MS: '10',
    // The scanner refuses loopback in AWS; this test deployment allows it to reach its own listener.
    ALLOWED_CIDRS: '127.0.0.0/8',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SNSClient } = require('@aws-sdk/client-sns') as typeof import('@aws-sdk/client-sns');
  jest.spyOn(SNSClient.prototype, 'send').mockImplementation(async (command: unknown) => {
    if (snsFailures > 0) {
      snsFailures--;
      throw Object.assign(new Error('Internal failure'), { name: 'InternalErrorException', $fault: 'server' });
    }
    published.push((command as { input: PublishCommandInput }).input);
    return { MessageId: `msg-${published.length}` };
  });
  handler = (require('../../../lambda/handlers/prober') as typeof import('../../../lambda/handlers/prober')).handler;
});

afterAll(async () => {
  jest.restoreAllMocks();
  await closeListener();
  await db.close();
});

function message(targets: Record<string, unknown>[]) {
  return { v: 1 as const, tick: '2026-11-24T10:00:00Z', targets };
}

describe('prober handler', () => {
  const target = () => ({ target: `127.0.0.1:${port}`, expect: 'closed', depth: 'tcp', labels: { team: 'iot' } });

  it('baseline on a closed port: state recorded, nothing published', async () => {
    // Act
    const response = await handler(sqsEvent([message([target()])]), lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(published).toHaveLength(0);
    expect(await store.getState(`127.0.0.1:${port}`)).toMatchObject({ status: 'closed', open: false, reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('the port opens: one SNS message with subject, text, JSON and filterable attributes', async () => {
    // Prepare
    await openListener();
    // Act
    const response = await handler(sqsEvent([message([target()])]), lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(published).toHaveLength(1);
    const input = published[0] as PublishCommandInput;
    expect(input.Subject).toBe(`[portwatch] OPEN 127.0.0.1:${port} (expected closed)`);
    expect(input.MessageStructure).toBe('json');
    const bodies = JSON.parse(input.Message ?? '{}') as Record<string, string>;
    expect(bodies.email).toContain('This port should be closed');
    expect(JSON.parse(bodies.sqs ?? '{}')).toMatchObject({ schema: 'portwatch.alert/v1', event: 'opened', status: 'open', previous: 'closed', severity: 'critical' });
    expect(input.MessageAttributes).toMatchObject({
      event: { DataType: 'String', StringValue: 'opened' },
      severity: { DataType: 'String', StringValue: 'critical' },
      expected: { DataType: 'String', StringValue: 'closed' },
      labels: { DataType: 'String.Array', StringValue: '["team=iot"]' },
    });
  });

  it('a duplicate delivery of the same message publishes nothing more', async () => {
    const response = await handler(sqsEvent([message([target()])], 2), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(published).toHaveLength(1);
  });

  it('SNS failing: the record is reported as a batch item failure and the alert stays pending', async () => {
    // Prepare
    await closeListener();
    snsFailures = 1;
    const event = sqsEvent([message([target()]), message([{ target: 'bystander.invalid:0' }])]);
    // Act
    const response = await handler(event, lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(published).toHaveLength(1);
    const state = await store.getState(`127.0.0.1:${port}`);
    expect(state?.status).toBe('closed');
    expect(state?.outbox.map((e) => e.alert?.event)).toEqual(['recovered']);
  });

  it('a body that is not a probe message is dropped, not retried forever', async () => {
    const response = await handler(sqsEvent(['{"hello":"world"}', 'not json']), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
  });

  it('near the Lambda deadline, records not started are returned for retry', async () => {
    const event = sqsEvent([message([target()])]);
    const response = await handler(event, lambdaContext(1000));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
  });
});
