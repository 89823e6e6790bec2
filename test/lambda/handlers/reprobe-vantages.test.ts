import type { EmbeddedDynamoDb } from '../../../lambda/adapters/local/embedded-dynamodb';
import { DynamoDbTargets } from '../../../lambda/adapters/operator/dynamodb-targets';
import type { Origin } from '../../../lambda/monitor/exposure-model';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { lambdaEnv } from '../../helpers/lambda-env';
import { quietQueueUrlHostWarning, type RegionalSqs, startRegionalSqs } from '../../helpers/sqs-stand-in';
import { captureOutput, fullContext } from './stdout-capture';

/*
 * Discovery's re-probe in a multi-region deployment: a real Targets table on dynalite and two
 * "regions" (home eu-central-1 and us-east-1), each an SQS stand-in on 127.0.0.1 speaking SQS's JSON
 * protocol (test/helpers/sqs-stand-in.ts). The handler's own SQSClients (one per region, real
 * serializer, signer and retries) reach them through the queue URLs (the client's
 * useQueueUrlAsEndpoint: no AWS_ENDPOINT_URL_SQS here). A refusing region answers every attempt with
 * 503 ServiceUnavailable.
 */

const ACCOUNT = '111122223333';
const web: Origin = {
  account: ACCOUNT, region: 'eu-central-1', kind: 'network-interface', resourceId: 'eni-0a1b2c3d4e5f00001',
  arn: `arn:aws:ec2:eu-central-1:${ACCOUNT}:network-interface/eni-0a1b2c3d4e5f00001`, name: 'web-1', securityGroups: ['sg-0web'], attachedTo: 'i-0web1',
};

/** A CloudTrail change opening 8883 to the world on the group guarding `web`. */
const change = (id: string): unknown => ({
  version: '0', id, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: ACCOUNT, time: '2026-12-02T07:00:00Z', region: 'eu-central-1', resources: [],
  detail: { eventSource: 'ec2.amazonaws.com', eventName: 'AuthorizeSecurityGroupIngress', awsRegion: 'eu-central-1', recipientAccountId: ACCOUNT, requestParameters: { groupId: 'sg-0web', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 8883, toPort: 8883, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } } },
});

let db: EmbeddedDynamoDb;
let handler: typeof import('../../../lambda/handlers/reprobe').handler;
let home: RegionalSqs;
let east: RegionalSqs;
const saved = { ...process.env };

/** The targets a region's queue received since the test began. */
const reprobed = (region: RegionalSqs): string[] => region.messages.flatMap((m) => m.targets.map((t) => String(t.target))).sort();

beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  [home, east] = await Promise.all([startRegionalSqs('eu-central-1'), startRegionalSqs('us-east-1')]);
  const tables = await freshTables(db);
  await new DynamoDbTargets(db.client, tables.targets).batchPut([
    { target: '203.0.113.10:8883', expect: 'closed', enabled: true, labels: { Name: 'web-1' }, description: 'discovered', origin: web },
    { target: '203.0.113.11:8883', expect: 'closed', enabled: true, labels: {}, description: 'discovered', origin: { ...web, resourceId: 'eni-2', securityGroups: ['sg-0other'] } },
  ]);
  lambdaEnv(db, {
    AWS_REGION: 'eu-central-1',
    TARGETS_TABLE_NAME: tables.targets,
    PROBE_QUEUE_URL: home.queueUrl,
    VANTAGE: 'eu-central-1',
    VANTAGE_QUEUE_URLS: `us-east-1=${east.queueUrl}`,
    // The SDK's retries, fast: a refusing region costs the re-probe milliseconds, not seconds.
    AWS_MAX_ATTEMPTS: '2',
    AWS_RETRY_MODE: 'standard',
  });
  delete process.env.AWS_ENDPOINT_URL_SQS;
  quietQueueUrlHostWarning();
  // Loaded after the environment is set: the handler reads it at module scope, as at a cold start.
  handler = (require('../../../lambda/handlers/reprobe') as typeof import('../../../lambda/handlers/reprobe')).handler;
});

beforeEach(() => {
  for (const region of [home, east]) region.messages.length = 0;
});

afterAll(async () => {
  process.env = saved;
  await Promise.all([home, east].map((r) => r?.standIn.close()));
  await db.close();
});

describe('re-probe handler with several vantage points', () => {
  test("the affected target reaches every region's queue, each through a client signed for that region", async () => {
    // Act
    const { result, error, out } = await captureOutput(() => handler(change('e-1'), fullContext('portwatch-reprober', 'r-v1')));

    // Assess
    expect(error).toBeUndefined();
    expect(result).toEqual({ event: 'AuthorizeSecurityGroupIngress', targets: ['203.0.113.10:8883'], vantageFailures: [] });
    expect([home, east].map((r) => [r.name, reprobed(r)])).toEqual([['eu-central-1', ['203.0.113.10:8883']], ['us-east-1', ['203.0.113.10:8883']]]);
    expect([home, east].map((r) => [...r.signedFor])).toEqual([['eu-central-1'], ['us-east-1']]);
    expect(out.logs.map((l) => l.level)).toEqual(['INFO']);
  });

  test('a region refusing never stops the other: the re-probe succeeds and logs the refused vantage point in the dispatcher\'s words', async () => {
    // Prepare
    east.refusing = true;
    try {
      // Act
      const { result, error, out } = await captureOutput(() => handler(change('e-2'), fullContext('portwatch-reprober', 'r-v2')));

      // Assess
      expect(error).toBeUndefined();
      expect(result).toEqual({ event: 'AuthorizeSecurityGroupIngress', targets: ['203.0.113.10:8883'], vantageFailures: [{ vantage: 'us-east-1', error: 'ServiceUnavailable: Service unavailable' }] });
      expect(reprobed(home)).toEqual(['203.0.113.10:8883']);
      expect(reprobed(east)).toEqual([]);
      expect(out.logs.map((l) => [l.level, l.message, l.vantage, l.error])).toEqual([
        ['INFO', 're-probe', undefined, undefined],
        ['WARN', 'vantage point missed the tick: its probe queue refused the messages (the other vantage points got them)', 'us-east-1', 'ServiceUnavailable: Service unavailable'],
      ]);
    } finally {
      east.refusing = false;
    }
  });

  test('every region refusing fails the re-probe (thrown for the retry and the failure queue), as one queue does', async () => {
    // Prepare
    for (const region of [home, east]) region.refusing = true;
    try {
      // Act
      const { error } = await captureOutput(() => handler(change('e-3'), fullContext('portwatch-reprober', 'r-v3')));

      // Assess
      expect(error).toEqual(expect.objectContaining({ name: 'ServiceUnavailable' }));
      expect([home, east].map(reprobed)).toEqual([[], []]);
    } finally {
      for (const region of [home, east]) region.refusing = false;
    }
  });
});
