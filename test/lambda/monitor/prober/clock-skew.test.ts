/** Regression tests for bugs the fault campaign's clock-skew scenarios found: probers whose clocks disagree by up to a minute. */
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import type { Alert } from '../../../../lambda/monitor/model';
import type { Notifier } from '../../../../lambda/monitor/dependencies';
import { ProberService, type ProbeFn } from '../../../../lambda/monitor/prober/service';
import type { ProbeStatus } from '../../../../lambda/probe/types';
import { freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';
import { probeResult, testProberConfig } from '../../../helpers/observations';
import { MAX_CLOCK_SKEW_MS } from '../../../helpers/skewed-clock';

/*
 * State on dynalite, a scripted probe, SNS as a stand-in that can hold a publish open. Each prober
 * reads the same scenario time through its own offset, as two Lambdas (or a laptop beside a Lambda)
 * whose clocks are 30 s off in opposite directions.
 */

let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

/** SNS that accepts every alert, but answers the first publish only when told to. */
class SlowFirstPublish implements Notifier {
  readonly accepted: Alert[] = [];
  private release: () => void = () => {};
  readonly started: Promise<void>;
  private markStarted: () => void = () => {};
  private first = true;
  constructor() {
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }
  async publish(alert: Alert): Promise<void> {
    this.accepted.push(alert);
    if (!this.first) return;
    this.first = false;
    this.markStarted();
    await new Promise<void>((resolve) => {
      this.release = resolve;
    });
  }
  answer(): void {
    this.release();
  }
}

describe('clock skew between probers', () => {
  it('bug: a prober whose clock is a minute ahead took over an alert lease still held, and published the alert twice', async () => {
    // Prepare: a target seen closed, then open; prober "behind" publishes its alert, SNS is slow to answer.
    const tables = await freshTables(db);
    const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
    let baseMs = Date.parse('2026-11-24T10:00:00.000Z');
    let world: ProbeStatus = 'closed';
    const notifier = new SlowFirstPublish();
    const prober = (skewMs: number): ProberService => {
      const now = (): Date => new Date(baseMs + skewMs);
      const probe: ProbeFn = async (spec) => probeResult(spec.target, world, [], now().toISOString());
      return new ProberService({ store, notifier, probe, now, sleep: async () => {} }, testProberConfig());
    };
    const items = [{ target: 'skew.example', expect: 'closed' }];
    await prober(0).run([{ id: 'm', items }]);
    baseMs += 5 * 60_000;
    world = 'open';
    // Act: "behind" claims the lease and publishes; while SNS holds its answer, "ahead" (a minute
    // later by its clock, the same moment in fact) reads the claimed outbox entry.
    const behind = prober(-MAX_CLOCK_SKEW_MS).run([{ id: 'm', items }]);
    await notifier.started;
    const ahead = await prober(MAX_CLOCK_SKEW_MS).run([{ id: 'm', items }]);
    notifier.answer();
    const first = await behind;
    // Assess
    expect(notifier.accepted.map((a) => a.id)).toEqual(['skew.example@3']);
    expect(ahead.alertsPublished).toBe(0);
    expect(first.alertsPublished).toBe(1);
    expect(await store.getState('skew.example')).toMatchObject({ status: 'open', outbox: [] });
  });
});
