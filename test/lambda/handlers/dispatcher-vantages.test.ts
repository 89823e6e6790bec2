import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/local/embedded-dynamodb';
import type { DispatchReport } from '../../../lambda/monitor/dispatch';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { lambdaEnv } from '../../helpers/lambda-env';
import { quietQueueUrlHostWarning, type RegionalSqs, startRegionalSqs } from '../../helpers/sqs-stand-in';
import { captureOutput, fullContext } from './stdout-capture';

/*
 * The dispatcher handler of a multi-region deployment: a real Targets table on dynalite and three
 * "regions", each an SQS stand-in on 127.0.0.1 speaking SQS's JSON protocol. The handler's own
 * SQSClients (one per region, real serializer, signer and retries) reach them through the queue URLs
 * (the client's useQueueUrlAsEndpoint: no AWS_ENDPOINT_URL_SQS here, so each client goes where its
 * queue URL points). Each stand-in records the region its requests were signed for, so the test sees
 * one client per region. A refusing region answers every attempt with 503 ServiceUnavailable.
 */

let db: EmbeddedDynamoDb;
let handler: typeof import('../../../lambda/handlers/dispatcher').handler;
let home: RegionalSqs;
let east: RegionalSqs;
let sydney: RegionalSqs;
const TARGETS = 120;

const tickEvent = (time: string): { time: string; id: string } => ({ time, id: `tick-${time}` });
const targetsOf = (region: RegionalSqs, tick: string): string[] =>
  region.messages.filter((m) => m.tick === tick).flatMap((m) => m.targets.map((t) => String(t.target))).sort();

beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  [home, east, sydney] = await Promise.all([startRegionalSqs('eu-central-1'), startRegionalSqs('us-east-1'), startRegionalSqs('ap-southeast-2')]);
  const tables = await freshTables(db);
  const doc = DynamoDBDocumentClient.from(db.client);
  const items = Array.from({ length: TARGETS }, (_, i) => ({ target: `host-${i}.example.com` }));
  for (let i = 0; i < items.length; i += 25) {
    await doc.send(new BatchWriteCommand({ RequestItems: { [tables.targets]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  lambdaEnv(db, {
    AWS_REGION: 'eu-central-1',
    TARGETS_TABLE_NAME: tables.targets,
    PROBE_QUEUE_URL: home.queueUrl,
    VANTAGE: 'eu-central-1',
    VANTAGE_QUEUE_URLS: `us-east-1=${east.queueUrl},ap-southeast-2=${sydney.queueUrl}`,
    SCAN_SEGMENTS: '2',
    TARGETS_PER_MESSAGE: '10',
    // The SDK's retries, fast: a refusing region costs the tick milliseconds, not seconds.
    AWS_MAX_ATTEMPTS: '2',
    AWS_RETRY_MODE: 'standard',
  });
  delete process.env.AWS_ENDPOINT_URL_SQS;
  quietQueueUrlHostWarning();
  handler = (require('../../../lambda/handlers/dispatcher') as typeof import('../../../lambda/handlers/dispatcher')).handler;
});

afterAll(async () => {
  await Promise.all([home, east, sydney].map((r) => r?.standIn.close()));
  await db.close();
});

describe('dispatcher handler with several vantage points', () => {
  test("every tick's targets reach every region's queue, each through a client signed for that region", async () => {
    // Act
    const { result, out } = await captureOutput(() => handler(tickEvent('2026-12-02T06:00:00Z'), fullContext('portwatch-dispatcher', 'req-v1')));

    // Assess
    const all = Array.from({ length: TARGETS }, (_, i) => `host-${i}.example.com`).sort();
    for (const region of [home, east, sydney]) expect({ region: region.name, targets: targetsOf(region, '2026-12-02T06:00:00Z') }).toEqual({ region: region.name, targets: all });
    expect([home, east, sydney].map((r) => [...r.signedFor])).toEqual([['eu-central-1'], ['us-east-1'], ['ap-southeast-2']]);
    expect(result).toMatchObject({ dispatched: TARGETS, vantageFailures: [] });
    expect(out.metrics).toEqual([]);
  });

  test('a region refusing never stops the others: counted with its vantage dimension, logged, the tick succeeds', async () => {
    // Prepare
    east.refusing = true;
    try {
      // Act
      const { result, error, out } = await captureOutput(() => handler(tickEvent('2026-12-02T06:01:00Z'), fullContext('portwatch-dispatcher', 'req-v2')));

      // Assess
      expect(error).toBeUndefined();
      const report = result as DispatchReport;
      expect(report.vantageFailures).toEqual([{ vantage: 'us-east-1', error: 'ServiceUnavailable: Service unavailable' }]);
      expect(targetsOf(home, '2026-12-02T06:01:00Z')).toHaveLength(TARGETS);
      expect(targetsOf(sydney, '2026-12-02T06:01:00Z')).toHaveLength(TARGETS);
      expect(targetsOf(east, '2026-12-02T06:01:00Z')).toEqual([]);
      expect(out.metrics).toEqual([{ namespace: 'Portwatch', name: 'VantageDispatchFailures', unit: 'Count', dimensions: { service: 'portwatch', vantage: 'us-east-1' }, values: [1] }]);
      expect(out.logs.map((l) => [l.level, l.message, l.vantage])).toEqual([
        ['INFO', 'tick dispatched', undefined],
        ['WARN', expect.stringMatching(/^vantage point missed the tick/), 'us-east-1'],
      ]);
    } finally {
      east.refusing = false;
    }
  });

  test('every region refusing fails the tick (thrown for the retry and the failure queue), as one queue does', async () => {
    // Prepare
    for (const region of [home, east, sydney]) region.refusing = true;
    try {
      // Act
      const { error, out } = await captureOutput(() => handler(tickEvent('2026-12-02T06:02:00Z'), fullContext('portwatch-dispatcher', 'req-v3')));

      // Assess
      expect(error).toEqual(expect.objectContaining({ name: 'ServiceUnavailable' }));
      expect(out.logs.map((l) => l.message)).toEqual(['tick not dispatched']);
    } finally {
      for (const region of [home, east, sydney]) region.refusing = false;
    }
  });
});
