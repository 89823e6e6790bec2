import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/embedded-dynamodb';
import type { ProbeMessage } from '../../../lambda/core/ports';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { lambdaEnv } from '../../helpers/lambda-env';

/*
 * The dispatcher handler driven by an EventBridge scheduled event, reading a real Targets table
 * on dynalite. SQS cannot run here: SQSClient.send is replaced by a stand-in that records batches.
 */

let db: EmbeddedDynamoDb;
let handler: typeof import('../../../lambda/handlers/dispatcher').handler;
const sent: ProbeMessage[] = [];
let batches = 0;

const scheduledEvent = {
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': 'Scheduled Event' as const,
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-24T10:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/portwatch-schedule'],
  detail: {},
};

beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  const tables = await freshTables(db);
  const doc = DynamoDBDocumentClient.from(db.client);
  const items: Record<string, unknown>[] = [];
  // 3,300 targets with 1 KB descriptions: each of the 3 segments spans more than one 1 MB scan page.
  for (let i = 0; i < 3300; i++) items.push({ target: `host-${i}.example.com`, description: 'x'.repeat(1000), expect: 'closed' });
  items.push({ target: 'off.example.com', enabled: false });
  items.push({ target: 'off-string.example.com', enabled: 'false' });
  items.push({ target: 'bad.example.com:99999' });
  items.push({ target: 'labelled.example.com', labels: new Set(['prod', 'eu']), owner: 'someone', notes: 'y'.repeat(5000) });
  for (let i = 0; i < items.length; i += 25) {
    await doc.send(new BatchWriteCommand({ RequestItems: { [tables.targets]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  lambdaEnv(db, { TARGETS_TABLE_NAME: tables.targets, PROBE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/probe', SCAN_SEGMENTS: '3', TARGETS_PER_MESSAGE: '25' });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SQSClient } = require('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs');
  jest.spyOn(SQSClient.prototype, 'send').mockImplementation(async (command: unknown) => {
    const input = (command as SendMessageBatchCommand).input;
    batches++;
    for (const entry of input.Entries ?? []) sent.push(JSON.parse(entry.MessageBody ?? '') as ProbeMessage);
    return { Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: '' })), Failed: [] };
  });
  handler = (require('../../../lambda/handlers/dispatcher') as typeof import('../../../lambda/handlers/dispatcher')).handler;
});

afterAll(async () => {
  jest.restoreAllMocks();
  await db.close();
});

describe('dispatcher handler', () => {
  it('pages through the whole table, skips disabled targets and packs the rest many per message', async () => {
    // Act
    const report = await handler(scheduledEvent);
    // Assess
    const targets = sent.flatMap((m) => m.targets.map((t) => t.target as string));
    expect(report).toMatchObject({ tick: '2026-11-24T10:00:00Z', scanned: 3304, skippedDisabled: 2, dispatched: 3302, invalid: 1, oversize: 0 });
    expect(report.pages).toBeGreaterThanOrEqual(6);
    expect(new Set(targets).size).toBe(3302);
    expect(targets).toHaveLength(3302);
    expect(targets).not.toContain('off.example.com');
    expect(targets).not.toContain('off-string.example.com');
    expect(targets).toContain('bad.example.com:99999');
    expect(sent.every((m) => m.v === 1 && m.tick === '2026-11-24T10:00:00Z' && m.targets.length <= 25)).toBe(true);
    expect(report.messages).toBe(sent.length);
    expect(batches).toBeLessThan(sent.length);
  });

  it('sends sets as arrays and drops attributes the prober does not read', () => {
    const labelled = sent.flatMap((m) => m.targets).find((t) => t.target === 'labelled.example.com');
    expect(labelled).toEqual({ target: 'labelled.example.com', labels: ['prod', 'eu'] });
  });
});
