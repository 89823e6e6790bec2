import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../../../lambda/adapters/aws/dynamodb-target-digests';
import { DeliveryLedger, findRolledBack, LedgerNotifier, restoreDelivered } from '../../../../lambda/adapters/local/delivery-ledger';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import type { ProbeStatus, ProbeSpec } from '../../../../lambda/probe/types';
import { ProberService, type ProbeFn } from '../../../../lambda/monitor/prober/service';
import type { Alert, TargetState } from '../../../../lambda/monitor/model';
import { freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';
import { probeResult, testProberConfig } from '../../../helpers/observations';
import { RecordingNotifier } from '../../../helpers/recording-notifier';

/*
 * The ledger of delivered alerts against the prober itself on dynalite: the state item is put back to
 * an older copy (what a torn LevelDB log or a restored backup does), and the next ticks must neither
 * repeat the alert already delivered nor swallow a change that happened since.
 */

let db: EmbeddedDynamoDb;
let dir: string;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  dir = mkdtempSync(join(tmpdir(), 'portwatch-ledger-'));
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const CONFIG = testProberConfig();

let fileCounter = 0;

async function setup() {
  const tables = await freshTables(db);
  const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
  const digests = new DynamoDbTargetDigests(db.client, tables.targets);
  let ms = Date.parse('2026-11-24T10:00:00.000Z');
  const now = (): Date => new Date(ms);
  const status = new Map<string, ProbeStatus>();
  const probe: ProbeFn = async (spec: ProbeSpec) => probeResult(spec.target, status.get(spec.target) ?? 'closed', [], now().toISOString());
  const path = join(dir, `delivered-${++fileCounter}.jsonl`);
  const ledger = await DeliveryLedger.open(path);
  const console = new RecordingNotifier();
  const warnings: string[] = [];
  const notifier = new LedgerNotifier(console, ledger, (m) => warnings.push(m), now);
  const service = new ProberService({ store, notifier, probe, now, sleep: async () => {} }, CONFIG);
  const tick = async (): Promise<void> => {
    ms += 300_000;
    await service.run([{ id: 'msg', items: [{ target: 'broker.example', expect: 'closed' }] }]);
  };
  /** Puts the state item back to `old`, whatever is stored now: the database went back in time. */
  const rollBack = async (old: TargetState): Promise<void> => {
    const current = await store.getState('broker.example');
    expect(await store.putState(old, current?.version ?? null)).toBe(true);
  };
  return { store, digests, status, path, console, warnings, notifier, tick, rollBack, now };
}

describe('LedgerNotifier and the restore of rolled-back state', () => {
  it('records each delivered alert on disk, fsync-ed, one JSON line each', async () => {
    // Prepare
    const { status, path, console, tick } = await setup();
    await tick();
    status.set('broker.example', 'open');
    // Act
    await tick();
    // Assess
    expect(console.accepted.map((a) => a.event)).toEqual(['opened']);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ id: console.accepted[0]?.id, target: 'broker.example', version: expect.any(Number), deliveredAt: expect.any(String) })]);
    expect((await DeliveryLedger.open(path)).delivered(console.accepted[0]?.id as string)).toBeDefined();
  });

  it('does not deliver again an alert whose id the ledger holds, and says so', async () => {
    // Prepare: the alert is delivered, then the state goes back to the moment its decision was
    // written (the outbox still holds it), as after a crash between delivery and the outbox update.
    const { store, status, console, warnings, tick, rollBack } = await setup();
    await tick();
    status.set('broker.example', 'open');
    let decided: TargetState | null = null;
    const original = store.putState.bind(store);
    store.putState = async (state, expected) => {
      if (decided === null && state.outbox.some((e) => e.alert !== null)) decided = state;
      return original(state, expected);
    };
    await tick();
    store.putState = original;
    await rollBack(decided as unknown as TargetState);
    // Act
    await tick();
    // Assess
    expect(console.accepted).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/^alert broker\.example@\d+ \(opened broker\.example:8883\) was already delivered at .* not sent again$/)]);
    expect((await store.getState('broker.example'))?.outbox).toEqual([]);
  });

  it('after a rollback, restoring from the ledger sends no alert twice and still alerts a change made since', async () => {
    // Prepare: closed (baseline), then opened (alerted); the state goes back to "closed".
    const { store, digests, status, path, console, tick, rollBack, now } = await setup();
    await tick();
    const before = (await store.getState('broker.example')) as TargetState;
    status.set('broker.example', 'open');
    await tick();
    await rollBack(before);
    const ledger = await DeliveryLedger.open(path);

    // Act
    const behind = await findRolledBack(store, ledger);
    const restored = await restoreDelivered(store, digests, behind, now());
    await tick(); // still open: the user was told so already
    status.set('broker.example', 'closed');
    await tick(); // closed since: news

    // Assess
    expect(behind).toEqual([{ target: 'broker.example', stateVersion: before.version, last: expect.objectContaining({ id: console.accepted[0]?.id }) }]);
    expect(restored).toBe(1);
    expect(console.accepted.map((a) => `${a.event} ${a.previous}->${a.status}`)).toEqual(['opened closed->open', 'recovered open->closed']);
    // Ids never repeat: the restored state starts past the version of the alert delivered.
    expect(new Set(console.accepted.map((a) => a.id)).size).toBe(2);
    expect(await findRolledBack(store, await DeliveryLedger.open(path))).toEqual([]);
  });

  it('the id check alone is not enough: a rollback across a change that raised no alert re-sends the alert under a new id', async () => {
    // Prepare: closed, then filtered (recorded, not alerted), then open (alerted); back to "closed".
    const { store, status, console, tick, rollBack } = await setup();
    await tick();
    const before = (await store.getState('broker.example')) as TargetState;
    status.set('broker.example', 'filtered');
    await tick();
    status.set('broker.example', 'open');
    await tick();
    await rollBack(before);
    // Act: no restore, only the id check of LedgerNotifier.
    await tick();
    // Assess: the decision after the rollback gets another version, so another id: a second alert.
    expect(console.accepted.map((a) => `${a.event} ${a.previous}->${a.status}`)).toEqual(['opened filtered->open', 'opened closed->open']);
  });

  it('the same rollback, restored from the ledger first: no second alert', async () => {
    const { store, digests, status, path, console, tick, rollBack, now } = await setup();
    await tick();
    const before = (await store.getState('broker.example')) as TargetState;
    status.set('broker.example', 'filtered');
    await tick();
    status.set('broker.example', 'open');
    await tick();
    await rollBack(before);
    await restoreDelivered(store, digests, await findRolledBack(store, await DeliveryLedger.open(path)), now());
    await tick();
    expect(console.accepted.map((a) => a.event)).toEqual(['opened']);
    expect(await store.getState('broker.example')).toMatchObject({ status: 'open', open: true });
  });

  it('reads a ledger whose last line was cut short, and appends after it on a new line', async () => {
    // Prepare
    const { status, path, tick } = await setup();
    await tick();
    status.set('broker.example', 'open');
    await tick();
    appendFileSync(path, '{"id":"broker.example@9","tar');
    // Act
    const ledger = await DeliveryLedger.open(path);
    const first = JSON.parse(readFileSync(path, 'utf8').split('\n')[0] as string) as { alert: Alert };
    await ledger.record({ ...first.alert, id: 'other@1', target: 'other' }, new Date());
    const again = await DeliveryLedger.open(path);
    // Assess
    expect(ledger.unreadable).toBe(1);
    expect(again.unreadable).toBe(1);
    expect(again.delivered('other@1')).toMatchObject({ target: 'other', version: 1 });
  });
});
