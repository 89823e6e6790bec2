import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbTargetDigests, orderKey } from '../../../lambda/adapters/dynamodb-target-digests';
import { DynamoDbTargets } from '../../../lambda/adapters/dynamodb-targets';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/embedded-dynamodb';
import { parseDigest, type StateDigest } from '../../../lambda/core/digest';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';

const digest = (v: number, s: StateDigest['s'] = 'closed'): StateDigest => ({ v, s, f: '', c: 'closed/-', e: Date.parse('2026-11-24T11:00:00Z') });

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
    expect(await targets.get('a.example.com')).toEqual({ target: 'a.example.com', expect: 'closed', labels: { team: 'iot' }, digest: { ...digest(5, 'open'), k: orderKey(5, digest(5).e) } });
  });

  it('refuses a digest of the same or an older version, so a slow prober cannot undo a newer one', async () => {
    // Prepare
    const { targets, digests } = await setup();
    await digests.record('a.example.com', digest(5, 'open'));

    // Act
    const same = await digests.record('a.example.com', digest(5));
    const older = await digests.record('a.example.com', digest(4));

    // Assess
    expect([same, older]).toEqual([false, false]);
    expect(parseDigest((await targets.get('a.example.com'))?.digest)).toEqual(digest(5, 'open'));
  });

  it('renews a digest of the same version that expires later, and stores one over its own tombstone', async () => {
    // Prepare
    const { targets, digests } = await setup();
    await digests.invalidate('a.example.com', 5);

    // Act
    const overTombstone = await digests.record('a.example.com', digest(5));
    const renewed = await digests.record('a.example.com', { ...digest(5), e: digest(5).e + 60_000 });
    const notLater = await digests.record('a.example.com', digest(5));

    // Assess
    expect([overTombstone, renewed, notLater]).toEqual([true, true, false]);
    expect(parseDigest((await targets.get('a.example.com'))?.digest)).toEqual({ ...digest(5), e: digest(5).e + 60_000 });
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

  it('orders by version, then expiry, as strings compare; a tombstone sorts below its version', () => {
    const keys = [orderKey(12, 5), orderKey(3, 1_800_000_000_000), orderKey(12, 0), orderKey(100, 0), orderKey(12, 1_800_000_000_000)];
    expect([...keys].sort()).toEqual([orderKey(3, 1_800_000_000_000), orderKey(12, 0), orderKey(12, 5), orderKey(12, 1_800_000_000_000), orderKey(100, 0)]);
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
