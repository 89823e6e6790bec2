/**
 * Alert sinks (Security Hub, EventBridge, chat) through the outbox, end to end against dynalite (a
 * real embedded DynamoDB): SNS first, a sink's refusal retried for that sink alone, never a second SNS
 * publish, a day's limit, and the weekly refresh of quiet targets. Sinks and SNS are recording
 * stand-ins here; the adapters meet the real SDK clients in test/lambda/adapters/aws/.
 */
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../../../lambda/adapters/aws/dynamodb-target-digests';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import { dueOnTick } from '../../../../lambda/monitor/cadence';
import type { AlertSink, RefreshTarget } from '../../../../lambda/monitor/dependencies';
import type { Alert } from '../../../../lambda/monitor/model';
import { SINK_GIVE_UP_MS } from '../../../../lambda/monitor/prober/outbox';
import { REFRESH_EVERY_MS } from '../../../../lambda/monitor/prober/refresh';
import { ProberService } from '../../../../lambda/monitor/prober/service';
import type { Finding, ProbeStatus } from '../../../../lambda/probe/types';
import { freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';
import { probeResult, testProberConfig } from '../../../helpers/observations';
import { RecordingNotifier } from '../../../helpers/recording-notifier';

let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

/** A sink that records what it accepted and refuses the next `failures` deliveries (EventBridge, chat). */
class RecordingSink implements AlertSink {
  readonly accepted: Alert[] = [];
  failures = 0;
  constructor(readonly name: string) {}
  async deliver(alert: Alert): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error(`${this.name} unavailable`);
    }
    this.accepted.push(alert);
  }
}

/** One that also refreshes what quiet targets hold (Security Hub). */
class RefreshingSink extends RecordingSink {
  readonly refreshes: RefreshTarget[][] = [];
  async refresh(targets: readonly RefreshTarget[]): Promise<void> {
    this.refreshes.push([...targets]);
  }
}

const TICK_MS = 5 * 60_000;
const CONFIG = testProberConfig({ cadence: { tickMs: TICK_MS, postureEveryMs: TICK_MS } });

async function setup(withDigests = false) {
  const tables = await freshTables(db);
  const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
  let ms = Date.parse('2026-11-24T10:00:00.000Z');
  const now = () => new Date(ms);
  const status = new Map<string, ProbeStatus>();
  const findings = new Map<string, Finding[]>();
  const notifier = new RecordingNotifier();
  const hub = new RefreshingSink('security-hub');
  const bus = new RecordingSink('eventbridge');
  const digests = withDigests ? new DynamoDbTargetDigests(db.client, tables.targets) : undefined;
  const service = new ProberService(
    {
      store, notifier, sinks: [hub, bus], now, sleep: async () => {}, ...(digests ? { digests } : {}),
      probe: async (spec) => {
        const s = status.get(spec.target) ?? 'closed';
        return probeResult(spec.target, s, s === 'open' ? (findings.get(spec.target) ?? []) : [], now().toISOString());
      },
    },
    CONFIG,
  );
  const item = { target: 'broker.example', expect: 'closed' };
  const tick = async () => {
    // With digests, the dispatcher hands the prober the Targets item with its digest on it.
    const items = digests ? [await targetItem(tables.targets)] : [item];
    return service.run([{ id: 'msg-1', items, tick: now().toISOString() }]);
  };
  const targetItem = async (table: string): Promise<unknown> => {
    const { GetItemCommand, PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const got = await db.client.send(new GetItemCommand({ TableName: table, Key: { target: { S: item.target } } }));
    if (!got.Item) await db.client.send(new PutItemCommand({ TableName: table, Item: { target: { S: item.target }, expect: { S: 'closed' } } }));
    const { unmarshall } = await import('@aws-sdk/util-dynamodb');
    return got.Item ? unmarshall(got.Item) : item;
  };
  return { store, status, findings, notifier, hub, bus, tick, at: (t: number) => (ms = t), now: () => ms };
}

describe('alert sinks through the outbox', () => {
  it('SNS first, then every sink once; the outbox empties', async () => {
    // Prepare
    const { store, status, notifier, hub, bus, tick } = await setup();
    status.set('broker.example', 'open');

    // Act
    const report = await tick();

    // Assess
    expect(notifier.accepted.map((a) => a.event)).toEqual(['baseline']);
    expect(hub.accepted.map((a) => a.id)).toEqual([notifier.accepted[0]?.id]);
    expect(bus.accepted.map((a) => a.id)).toEqual([notifier.accepted[0]?.id]);
    expect(report).toMatchObject({ alertsPublished: 1, sinkDeliveries: { 'security-hub': 1, eventbridge: 1 }, sinkFailures: {}, alertsPending: 0, sinkPending: 0 });
    expect((await store.getState('broker.example'))?.outbox).toEqual([]);
  });

  it('a refusing sink is counted and retried alone: SNS and the sink that accepted never get the alert twice', async () => {
    // Prepare
    const { store, status, notifier, hub, bus, tick, at, now } = await setup();
    status.set('broker.example', 'open');
    hub.failures = 1;

    // Act
    const first = await tick();
    const owed = await store.getState('broker.example');
    at(now() + 2 * 60_000); // past the 60-second lease
    const second = await tick();

    // Assess
    expect(first).toMatchObject({ alertsPublished: 1, sinkFailures: { 'security-hub': 1 }, sinkDeliveries: { eventbridge: 1 }, alertsPending: 0, sinkPending: 1, failedGroups: [] });
    expect(owed?.outbox.map((e) => e.delivered)).toEqual([['sns', 'eventbridge']]);
    expect(second).toMatchObject({ alertsPublished: 0, sinkDeliveries: { 'security-hub': 1 }, sinkPending: 0 });
    expect(notifier.accepted).toHaveLength(1);
    expect(bus.accepted).toHaveLength(1);
    expect(hub.accepted.map((a) => a.id)).toEqual([notifier.accepted[0]?.id]);
    expect((await store.getState('broker.example'))?.outbox).toEqual([]);
    // The history event was written once, before SNS: the retry wrote no second one.
    expect((await store.history('broker.example')).map((e) => e.kind)).toEqual(['baseline']);
  });

  it('SNS refusing holds every sink back: no sink hears of an alert before SNS accepted it', async () => {
    // Prepare
    const { status, notifier, hub, bus, tick, at, now } = await setup();
    status.set('broker.example', 'open');
    notifier.failures = 1;

    // Act
    const first = await tick();
    at(now() + 2 * 60_000);
    await tick();

    // Assess
    expect(first).toMatchObject({ alertsPublished: 0, alertsPending: 1, failedGroups: ['msg-1'] });
    expect([notifier.accepted.length, hub.accepted.length, bus.accepted.length]).toEqual([1, 1, 1]);
  });

  it('a sink that refuses for a day is given up for that alert, and the outbox empties', async () => {
    // Prepare
    const { store, status, hub, tick, at, now } = await setup();
    status.set('broker.example', 'open');
    hub.failures = 1000;
    await tick();

    // Act
    at(now() + SINK_GIVE_UP_MS + 60_000);
    const late = await tick();

    // Assess
    expect(late).toMatchObject({ sinkFailures: { 'security-hub': 1 }, sinksAbandoned: { 'security-hub': 1 }, sinkPending: 0 });
    expect((await store.getState('broker.example'))?.outbox).toEqual([]);
  });

  it("refreshes a quiet open target's findings on its weekly tick, state read despite its digest, and on no other tick", async () => {
    // Prepare: an anonymous broker, alerted once, then quiet with a digest on its Targets item.
    const { status, findings, hub, tick, at, now } = await setup(true);
    status.set('broker.example', 'open');
    findings.set('broker.example', ['anonymous-access']);
    await tick();
    at(now() + TICK_MS);
    await tick(); // stores the digest
    const start = now() + TICK_MS;
    const period = { tickMs: TICK_MS, everyMs: REFRESH_EVERY_MS };
    const ticks = Array.from({ length: REFRESH_EVERY_MS / TICK_MS }, (_, i) => start + i * TICK_MS);
    const due = ticks.find((t) => dueOnTick('broker.example#refresh', t, period)) as number;
    const notDue = ticks.find((t) => !dueOnTick('broker.example#refresh', t, period)) as number;

    // Act
    at(notDue);
    const quiet = await tick();
    at(due);
    const refresh = await tick();

    // Assess
    expect(quiet).toMatchObject({ digestHits: 1, refreshed: 0 });
    expect(refresh).toMatchObject({ digestHits: 0, refreshed: 1, writes: 0 });
    expect(hub.refreshes.map((batch) => batch.map((t) => [t.state.target, t.state.findings, t.at]))).toEqual([[['broker.example', ['anonymous-access'], new Date(due).toISOString()]]]);
  });
});
