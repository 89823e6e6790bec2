import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbTargetDigests } from '../../../../lambda/adapters/aws/dynamodb-target-digests';
import { DynamoDbTargets } from '../../../../lambda/adapters/operator/dynamodb-targets';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import { parseDigest } from '../../../../lambda/monitor/digest-field';
import type { StateDigest } from '../../../../lambda/monitor/model';
import { freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';

const digest = (v: number, s: StateDigest['s'] = 'closed', c = 'closed/-'): StateDigest => ({ v, s, f: '', c, k: '' });

describe('DynamoDbTargetDigests', () => {
  let db: EmbeddedDynamoDb;

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
  });
  afterAll(async () => {
    await db.close();
  });

  let tables: Awaited<ReturnType<typeof freshTables>>;

  async function setup(): Promise<{ targets: DynamoDbTargets; digests: DynamoDbTargetDigests }> {
    tables = await freshTables(db);
    const targets = new DynamoDbTargets(db.client, tables.targets);
    await targets.put({ target: 'a.example.com', expect: 'closed', labels: { team: 'iot' } });
    return { targets, digests: new DynamoDbTargetDigests(db.client, tables.targets) };
  }

  it('stores a digest beside the user attributes, and a newer one over it', async () => {
    // Prepare
    const { targets, digests } = await setup();

    // Act
    const first = await digests.record('a.example.com', digest(3));
    const newer = await digests.record('a.example.com', digest(5, 'open'));

    // Assess
    expect([first, newer]).toEqual([true, true]);
    expect(await targets.get('a.example.com')).toEqual({ target: 'a.example.com', expect: 'closed', labels: { team: 'iot' }, digest: digest(5, 'open') });
  });

  it('refuses a digest of an older version, so a slow prober cannot undo a newer one', async () => {
    // Prepare
    const { targets, digests } = await setup();
    await digests.record('a.example.com', digest(5, 'open'));

    // Act
    const older = await digests.record('a.example.com', digest(4));
    const tombstoneOfSame = await digests.invalidate('a.example.com', 5);

    // Assess
    expect([older, tombstoneOfSame]).toEqual([false, undefined]);
    expect(parseDigest((await targets.get('a.example.com'))?.digest)).toEqual(digest(5, 'open'));
  });

  it('stores a digest of the same version over its tombstone, or taken under other settings', async () => {
    // Prepare
    const { digests } = await setup();
    await digests.invalidate('a.example.com', 5);

    // Act
    const overTombstone = await digests.record('a.example.com', digest(5));
    const newSettings = await digests.record('a.example.com', digest(5, 'closed', 'open/-'));

    // Assess
    expect([overTombstone, newSettings]).toEqual([true, true]);
    expect(parseDigest((await new DynamoDbTargets(db.client, tables.targets).get('a.example.com'))?.digest)).toEqual(digest(5, 'closed', 'open/-'));
  });

  it('a tombstone blocks every digest older than the state about to be written', async () => {
    // Prepare: a prober read state 5 (quiet); another is about to write state 6.
    const { targets, digests } = await setup();
    await digests.record('a.example.com', digest(4));

    // Act
    await digests.invalidate('a.example.com', 6);
    const stale = await digests.record('a.example.com', digest(5));
    const fresh = await digests.record('a.example.com', digest(7, 'open'));

    // Assess
    expect(stale).toBe(false);
    expect(fresh).toBe(true);
    expect(parseDigest((await targets.get('a.example.com'))?.digest)).toEqual(digest(7, 'open'));
  });

  it('an invalidation that finds a newer digest leaves it, and does not throw', async () => {
    // Prepare
    const { targets, digests } = await setup();
    await digests.record('a.example.com', digest(9));

    // Act
    await digests.invalidate('a.example.com', 6);

    // Assess
    expect(parseDigest((await targets.get('a.example.com'))?.digest)).toEqual(digest(9));
  });

  it('never recreates a removed target', async () => {
    // Prepare
    const { targets, digests } = await setup();
    await targets.delete('a.example.com');

    // Act
    const recorded = await digests.record('a.example.com', digest(1));
    await digests.invalidate('a.example.com', 2);

    // Assess
    expect(recorded).toBe(false);
    expect(await targets.get('a.example.com')).toBeNull();
  });

  it("the CLI's whole-item writes never carry a digest back: a copy read earlier may be stale by the time it is written", async () => {
    // Prepare
    const { targets, digests } = await setup();
    await digests.record('a.example.com', digest(3));
    const copy = await targets.get('a.example.com');

    // Act
    await targets.put({ ...copy, description: 'edited' });
    await targets.batchPut([{ ...copy, target: 'b.example.com' }]);

    // Assess
    expect(await targets.get('a.example.com')).toEqual({ target: 'a.example.com', expect: 'closed', labels: { team: 'iot' }, description: 'edited' });
    expect((await targets.get('b.example.com'))?.digest).toBeUndefined();
  });

  it('replaces a hand-edited digest that has no numeric version', async () => {
    // Prepare
    const { targets, digests } = await setup();
    await db.client.send(new PutItemCommand({ TableName: tables.targets, Item: { target: { S: 'a.example.com' }, digest: { M: { v: { S: 'seven' } } } } }));

    // Act
    const recorded = await digests.record('a.example.com', digest(2));

    // Assess
    expect(recorded).toBe(true);
    expect(parseDigest((await targets.get('a.example.com'))?.digest)).toEqual(digest(2));
  });
});
