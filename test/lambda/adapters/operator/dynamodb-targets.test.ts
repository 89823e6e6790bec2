import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTargets, UnprocessedItemsError } from '../../../../lambda/adapters/operator/dynamodb-targets';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import { countRequests, freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';

/**
 * Makes the next BatchWriteItem calls behave like a throttled table: only the first `keep` requests of
 * each are written; the rest come back as UnprocessedItems, as DynamoDB returns them.
 */
function throttleBatchWrites(client: DynamoDBClient, state: { remaining: number; keep: number }): () => void {
  const name = `throttle${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, unknown[]> };
      if (context.commandName !== 'BatchWriteItemCommand' || state.remaining <= 0 || !input.RequestItems) return next(args);
      state.remaining--;
      const [table, requests] = Object.entries(input.RequestItems)[0] as [string, unknown[]];
      const kept = requests.slice(0, state.keep);
      const deferred = requests.slice(state.keep);
      const result =
        kept.length > 0
          ? await next({ ...args, input: { ...input, RequestItems: { [table]: kept } } })
          : { output: { $metadata: {} }, response: {} };
      (result.output as { UnprocessedItems?: Record<string, unknown[]> }).UnprocessedItems = deferred.length > 0 ? { [table]: deferred } : {};
      return result as Awaited<ReturnType<typeof next>>;
    },
    { step: 'serialize', priority: 'high', name },
  );
  return () => void client.middlewareStack.remove(name);
}

describe('DynamoDbTargets', () => {
  let db: EmbeddedDynamoDb;

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('puts, gets, replaces and deletes one item, telling what was there before', async () => {
    // Prepare
    const tables = await freshTables(db);
    const repo = new DynamoDbTargets(db.client, tables.targets);

    // Act
    const first = await repo.put({ target: 'a.example.com', expect: 'closed', labels: { team: 'iot' } });
    const second = await repo.put({ target: 'a.example.com', expect: 'open' });
    const got = await repo.get('a.example.com');
    const deleted = await repo.delete('a.example.com');
    const deletedAgain = await repo.delete('a.example.com');

    // Assess
    expect(first).toBeNull();
    expect(second).toEqual({ target: 'a.example.com', expect: 'closed', labels: { team: 'iot' } });
    expect(got).toEqual({ target: 'a.example.com', expect: 'open' });
    expect(deleted).toEqual({ target: 'a.example.com', expect: 'open' });
    expect(deletedAgain).toBeNull();
  });

  it('writes thousands of items in batches of 25 and lists them back across pages', async () => {
    // Prepare: 1,000 items of ~1.5 KB make more than one 1 MB scan page.
    const tables = await freshTables(db);
    const repo = new DynamoDbTargets(db.client, tables.targets);
    const items = Array.from({ length: 1000 }, (_, i) => ({ target: `host-${i}.example.com`, description: 'x'.repeat(1500) }));
    const requests = countRequests(db.client);
    const progress: number[] = [];

    // Act
    const written = await repo.batchPut(items, (done) => progress.push(done));
    const batchWrites = requests.counts.get('BatchWriteItemCommand');
    requests.reset();
    const pages: number[] = [];
    for await (const page of repo.list()) pages.push(page.length);

    // Assess
    expect(written).toBe(1000);
    expect(batchWrites).toBe(40);
    expect(Math.max(...progress)).toBe(1000);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(1000);
    expect((await repo.listAll()).map((i) => i.target).sort()).toEqual(items.map((i) => i.target).sort());
  });

  it('retries the items DynamoDB leaves unprocessed, with backoff, until all are written', async () => {
    // Prepare
    const tables = await freshTables(db);
    const sleeps: number[] = [];
    const repo = new DynamoDbTargets(db.client, tables.targets, { sleep: async (ms) => void sleeps.push(ms), concurrency: 1 });
    const restore = throttleBatchWrites(db.client, { remaining: 3, keep: 10 });
    const items = Array.from({ length: 60 }, (_, i) => ({ target: `t${i}` }));
    const requests = countRequests(db.client);

    // Act
    await repo.batchPut(items).finally(restore);

    // Assess: the first batch of 25 took three calls (25 -> 15 -> 5 left), the other two one each;
    // every retry waited first, and every item landed.
    expect(requests.counts.get('BatchWriteItemCommand')).toBe(5);
    expect(sleeps).toHaveLength(2);
    expect((await repo.listAll()).length).toBe(60);
  });

  it('gives up with an error naming the table when a batch stays unprocessed', async () => {
    // Prepare
    const tables = await freshTables(db);
    const repo = new DynamoDbTargets(db.client, tables.targets, { sleep: async () => undefined });
    const restore = throttleBatchWrites(db.client, { remaining: 1000, keep: 0 });

    // Act
    const result = repo.batchPut([{ target: 'a' }, { target: 'b' }]).finally(restore);

    // Assess
    await expect(result).rejects.toThrow(UnprocessedItemsError);
    await expect(result).rejects.toThrow(`BatchWriteItem on ${tables.targets} left 2 items unprocessed`);
  });

  it('keeps the last item of a key given twice (DynamoDB refuses duplicate keys in one batch) and deletes in batches', async () => {
    // Prepare
    const tables = await freshTables(db);
    const repo = new DynamoDbTargets(db.client, tables.targets);

    // Act
    await repo.batchPut([{ target: 'a', expect: 'open' }, { target: 'b' }, { target: 'a', expect: 'closed' }]);
    const afterPut = await repo.listAll();
    const deleted = await repo.batchDelete(['a', 'a', 'missing']);

    // Assess
    expect(afterPut.find((i) => i.target === 'a')).toEqual({ target: 'a', expect: 'closed' });
    expect(deleted).toBe(2);
    expect((await repo.listAll()).map((i) => i.target)).toEqual(['b']);
  });
});
