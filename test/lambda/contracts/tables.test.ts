import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Template } from 'aws-cdk-lib/assertions';
import { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../../lambda/adapters/aws/dynamodb-target-digests';
import type { EmbeddedDynamoDb, TableNames } from '../../../lambda/adapters/local/embedded-dynamodb';
import { DynamoDbTargets } from '../../../lambda/adapters/operator/dynamodb-targets';
import { DEFAULT_EVENT_RETENTION_DAYS, STATE_TABLE, TARGETS_TABLE } from '../../../lambda/contracts/tables';
import { DIGEST_ATTRIBUTE } from '../../../lambda/monitor/digest-field';
import type { TargetEvent } from '../../../lambda/monitor/model';
import { PortwatchTables } from '../../../lib/infra/constructs/portwatch-tables';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { logicalIdOf, testStack } from '../../helpers/synth';

/*
 * The table contract seen from each side: the deployed tables (synthesized), the embedded tables that
 * `portwatch local` and the tests run on, and the items the adapters write.
 */

interface TableResource {
  Properties: {
    KeySchema: { AttributeName: string; KeyType: string }[];
    AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
    TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
  };
}

function deployedTables(): { targets: TableResource; state: TableResource } {
  const stack = testStack();
  new PortwatchTables(stack, 'Tables');
  const tables = Template.fromStack(stack).findResources('AWS::DynamoDB::Table') as Record<string, TableResource>;
  return { targets: tables[logicalIdOf(stack, 'Tables/TargetsTable')] as TableResource, state: tables[logicalIdOf(stack, 'Tables/StateTable')] as TableResource };
}

let db: EmbeddedDynamoDb;
let names: TableNames;

beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  names = await freshTables(db);
});

afterAll(async () => {
  await db.close();
});

describe('table keys', () => {
  // Prepare
  const deployed = deployedTables();

  test('the deployed tables are keyed and expire as the contract says', () => {
    expect(deployed.targets.Properties.KeySchema).toEqual([{ AttributeName: TARGETS_TABLE.partitionKey, KeyType: 'HASH' }]);
    expect(deployed.state.Properties.KeySchema).toEqual([
      { AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: STATE_TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    expect(deployed.state.Properties.TimeToLiveSpecification).toEqual({ AttributeName: STATE_TABLE.timeToLiveAttribute, Enabled: true });
  });

  test('the embedded tables have the deployed key schema and attribute types', async () => {
    // Act
    const describe = async (name: string) => (await db.client.send(new DescribeTableCommand({ TableName: name }))).Table;
    const [targets, state] = [await describe(names.targets), await describe(names.state)];

    // Assess
    for (const [local, remote] of [
      [targets, deployed.targets],
      [state, deployed.state],
    ] as const) {
      expect(local?.KeySchema).toEqual(remote.Properties.KeySchema);
      expect(local?.AttributeDefinitions).toEqual(expect.arrayContaining(remote.Properties.AttributeDefinitions));
    }
  });
});

describe('items the adapters write', () => {
  test('a history event carries the TTL attribute: its time plus the retention, in epoch seconds', async () => {
    // Prepare
    const store = new DynamoDbStateStore(db.client, { tableName: names.state });
    const event = { target: 'ttl.example.com:8883', version: 1, at: '2026-11-24T10:00:00.000Z' } as unknown as TargetEvent;

    // Act
    await store.putEvent(event);
    const items = (await DynamoDBDocumentClient.from(db.client).send(new ScanCommand({ TableName: names.state }))).Items ?? [];

    // Assess
    expect(items).toEqual([
      expect.objectContaining({
        [STATE_TABLE.partitionKey]: expect.any(String),
        [STATE_TABLE.sortKey]: expect.any(String),
        [STATE_TABLE.timeToLiveAttribute]: Date.parse(event.at) / 1000 + DEFAULT_EVENT_RETENTION_DAYS * 86_400,
      }),
    ]);
    // The key and TTL attributes are the table's, not the event's.
    expect(await store.history(event.target)).toEqual([event]);
  });

  test('a digest lands on the item the operator CLI wrote, and never creates one', async () => {
    // Prepare
    const targets = new DynamoDbTargets(db.client, names.targets);
    const digests = new DynamoDbTargetDigests(db.client, names.targets);
    await targets.put({ [TARGETS_TABLE.partitionKey]: 'digest.example.com', expect: 'closed' });

    // Act
    await digests.invalidate('digest.example.com', 3);
    await digests.invalidate('removed.example.com', 3);

    // Assess
    expect(await targets.get('digest.example.com')).toEqual({ [TARGETS_TABLE.partitionKey]: 'digest.example.com', expect: 'closed', [DIGEST_ATTRIBUTE]: { v: 3 } });
    expect(await targets.get('removed.example.com')).toBeNull();
  });
});
