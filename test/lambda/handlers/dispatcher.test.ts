import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/local/embedded-dynamodb';
import type { DispatchReport } from '../../../lambda/monitor/dispatch';
import type { ProbeMessage } from '../../../lambda/contracts/probe-message';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { lambdaEnv } from '../../helpers/lambda-env';
import { type SqsStandIn, startSqsStandIn } from '../../helpers/sqs-stand-in';
import { captureOutput, fullContext } from './stdout-capture';

/*
 * The dispatcher handler driven by an EventBridge scheduled event, reading a real Targets table
 * on dynalite. SQS cannot run here: the handler's own SQSClient, retries included, talks to an HTTP
 * stand-in on 127.0.0.1 in SQS's JSON protocol (the queue URL names it), which records the batches.
 * Each test invokes the handler itself and reads only the batches of its own tick.
 */

let db: EmbeddedDynamoDb;
let handler: typeof import('../../../lambda/handlers/dispatcher').handler;
let sqs: SqsStandIn;

/** The batches sent for one tick, as their messages: a send still settling from another test's tick is not counted. */
const batchesOf = (tick: string): ProbeMessage[][] =>
  sqs.batches.map((b) => b.map((entry) => JSON.parse(entry.MessageBody) as ProbeMessage)).filter((b) => b[0]?.tick === tick);

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
  sqs = await startSqsStandIn();
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
  lambdaEnv(db, { TARGETS_TABLE_NAME: tables.targets, PROBE_QUEUE_URL: sqs.queueUrl, AWS_ENDPOINT_URL_SQS: sqs.endpoint, SCAN_SEGMENTS: '3', TARGETS_PER_MESSAGE: '25' });
  handler = (require('../../../lambda/handlers/dispatcher') as typeof import('../../../lambda/handlers/dispatcher')).handler;
});

beforeEach(() => {
  sqs.batches.length = 0;
  sqs.refuse(0);
});

afterAll(async () => {
  await sqs.close();
  await db.close();
});

describe('dispatcher handler', () => {
  it('pages through the whole table, skips disabled targets and packs the rest many per message', async () => {
    // Act
    const { result, out } = await captureOutput(() => handler(scheduledEvent, fullContext('portwatch-dispatcher', 'req-dispatch-1')));
    const report = result as DispatchReport;
    // Assess
    const mine = batchesOf(scheduledEvent.time);
    const sent = mine.flat();
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
    expect(mine.length).toBeLessThan(sent.length);
    expect(out.logs.map((l) => l.message)).toEqual(['tick dispatched']);
  });

  it('sends sets as arrays and drops attributes the prober does not read', async () => {
    // Act
    await captureOutput(() => handler(scheduledEvent, fullContext('portwatch-dispatcher', 'req-dispatch-sets')));
    // Assess
    const labelled = batchesOf(scheduledEvent.time)
      .flat()
      .flatMap((m) => m.targets)
      .find((t) => t.target === 'labelled.example.com');
    expect(labelled).toEqual({ target: 'labelled.example.com', labels: ['prod', 'eu'] });
  });

  it('logs one JSON line for the tick, keyed by the tick, the event and the request', async () => {
    // Act
    const { result, out } = await captureOutput(() => handler(scheduledEvent, fullContext('portwatch-dispatcher', 'req-dispatch-2')));
    // Assess
    expect(out.logs).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'tick dispatched',
        service: 'portwatch',
        tick: '2026-11-24T10:00:00Z',
        eventId: scheduledEvent.id,
        function_name: 'portwatch-dispatcher',
        function_request_id: 'req-dispatch-2',
        dispatched: 3302,
        invalid: 1,
        messages: result?.messages,
      }),
    ]);
  });

  it('emits only InvalidTargets (there is an invalid item): a tick completed is the Lambda\'s own Invocations minus Errors', async () => {
    // Act
    const { out } = await captureOutput(() => handler(scheduledEvent, fullContext('portwatch-dispatcher', 'req-dispatch-3')));
    // Assess
    expect(out.metrics).toEqual([{ namespace: 'Portwatch', name: 'InvalidTargets', unit: 'Count', dimensions: { service: 'portwatch' }, values: [1] }]);
  });

  it('a queue failure fails the tick: the error is thrown for the retry (the Errors metric), logged, and no metric is sent', async () => {
    // Prepare: the first send of each of the 3 scan segments fails
    sqs.refuse(3);
    const event = { ...scheduledEvent, id: 'b3f4c2a1-0000-4000-8000-000000000001', time: '2026-11-24T10:05:00Z' };
    // Act
    const { error, out } = await captureOutput(() => handler(event, fullContext('portwatch-dispatcher', 'req-dispatch-4')));
    // The first failure rejects the handler; the other segments are still scanning. Let them reach their send.
    while (sqs.refusalsLeft() > 0) await new Promise((r) => setTimeout(r, 10));
    // Assess
    expect(error).toEqual(expect.objectContaining({ name: 'ServiceUnavailable' }));
    expect(out.logs).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'tick not dispatched',
        tick: '2026-11-24T10:05:00Z',
        eventId: event.id,
        function_request_id: 'req-dispatch-4',
        error: expect.objectContaining({ name: 'ServiceUnavailable', message: 'Service unavailable' }),
      }),
    ]);
    expect(out.metrics).toEqual([]);
  });
});
