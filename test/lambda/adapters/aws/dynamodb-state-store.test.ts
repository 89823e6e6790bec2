import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import type { TargetState } from '../../../../lambda/monitor/model';
import { freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';

let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

function state(target: string): TargetState {
  const at = '2026-11-24T10:00:00.000Z';
  return {
    target,
    display: `${target}:8883`,
    status: 'closed',
    open: false,
    since: at,
    statusSince: at,
    reason: 'refused',
    findings: [],
    evidence: { reason: 'refused', latencyMs: 1, addresses: [], tls: null, mqtt: null },
    expect: 'closed',
    version: 1,
    updatedAt: at,
    outbox: [],
  };
}

describe('DynamoDbStateStore.listStates', () => {
  it('lists the target states only: the scanner item (mute --all windows, storm gate) shares their sort key but is not one', async () => {
    // Prepare
    const store = new DynamoDbStateStore(db.client, { tableName: (await freshTables(db)).state });
    await store.putState(state('a.example'), null);
    await store.putState(state('b.example'), null);
    await store.putScanner({ version: 1, stormSince: null, stormLastSeen: null, windows: [{ kind: 'until', until: '2099-01-01T00:00:00.000Z' }] }, null);
    // Act
    const listed: TargetState[] = [];
    for await (const s of store.listStates()) listed.push(s);
    // Assess
    // toStrictEqual: toEqual would let an extra `undefined` target (the scanner item) pass.
    expect(listed.map((s) => s.target).sort()).toStrictEqual(['a.example', 'b.example']);
    expect((await store.getScanner())?.windows).toHaveLength(1);
  });
});
