/** DynamoDbStateStore's vantage side on dynalite: views beside the state (conditional on their own version), heartbeats that only move forward, neither listed as states nor history. */
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import type { TargetState, VantageView } from '../../../../lambda/monitor/model';
import { freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';
import { observation } from '../../../helpers/observations';

let db: EmbeddedDynamoDb;
let store: DynamoDbStateStore;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  store = new DynamoDbStateStore(db.client, { tableName: (await freshTables(db)).state });
});
afterAll(async () => {
  await db.close();
});

const AT = '2026-11-24T10:00:00.000Z';

function view(target: string, vantage: string, version: number, status: 'open' | 'closed' = 'open'): VantageView {
  return { target, vantage, observation: observation(status, [], AT), since: AT, version };
}

function state(target: string): TargetState {
  const o = observation('open', [], AT);
  return { target, display: `${target}:8883`, status: 'open', open: true, since: AT, statusSince: AT, reason: o.reason, findings: [], evidence: o.evidence, expect: null, version: 1, updatedAt: AT, outbox: [] };
}

describe('DynamoDbStateStore: vantage views and heartbeats', () => {
  it('stores a view per target and vantage, conditional on its own version, and reads them in one batch', async () => {
    // Prepare
    await store.putState(state('v1.example'), null);
    // Act
    const first = await store.putView(view('v1.example', 'eu-west-1', 1), null);
    const again = await store.putView(view('v1.example', 'eu-west-1', 1), null);
    const stale = await store.putView(view('v1.example', 'eu-west-1', 3, 'closed'), 2);
    const next = await store.putView(view('v1.example', 'eu-west-1', 2, 'closed'), 1);
    await store.putView(view('v1.example', 'us-east-1', 1), null);
    await store.putView(view('v2.example', 'us-east-1', 1), null);
    const views = await store.getViews(['v1.example', 'v2.example', 'v3.example'], ['eu-west-1', 'us-east-1', 'ap-southeast-2']);
    // Assess
    expect([first, again, stale, next]).toEqual([true, false, false, true]);
    expect(views.get('v1.example')?.get('eu-west-1')).toEqual(view('v1.example', 'eu-west-1', 2, 'closed'));
    expect([...(views.get('v1.example')?.keys() ?? [])].sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect([...(views.get('v2.example')?.keys() ?? [])]).toEqual(['us-east-1']);
    expect(views.has('v3.example')).toBe(false);
  });

  it('views and heartbeats are neither states nor history', async () => {
    // Prepare
    await store.putHeartbeat('eu-west-1', { at: AT, previous: null });
    // Act
    const listed: string[] = [];
    for await (const s of store.listStates()) listed.push(s.target);
    const history = await store.history('v1.example');
    // Assess
    expect(listed.sort()).toStrictEqual(['v1.example']);
    expect(history).toEqual([]);
    expect((await store.getState('v1.example'))?.status).toBe('open');
  });

  it('a heartbeat only moves forward: an older or equal one is not stored', async () => {
    // Act
    const results = [
      await store.putHeartbeat('us-east-1', { at: '2026-11-24T10:05:00.000Z', previous: null }),
      await store.putHeartbeat('us-east-1', { at: '2026-11-24T10:05:00.000Z', previous: null }),
      await store.putHeartbeat('us-east-1', { at: '2026-11-24T10:00:00.000Z', previous: null }),
      await store.putHeartbeat('us-east-1', { at: '2026-11-24T10:10:00.000Z', previous: '2026-11-24T10:05:00.000Z' }),
    ];
    const beats = await store.getHeartbeats(['us-east-1', 'eu-west-1', 'ap-southeast-2']);
    // Assess
    expect(results).toEqual([true, false, false, true]);
    expect(beats.get('us-east-1')).toEqual({ at: '2026-11-24T10:10:00.000Z', previous: '2026-11-24T10:05:00.000Z' });
    expect(beats.get('eu-west-1')).toEqual({ at: AT, previous: null });
    expect(beats.has('ap-southeast-2')).toBe(false);
  });
});
