import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../../../lambda/adapters/aws/dynamodb-target-digests';
import { DynamoDbTargets } from '../../../../lambda/adapters/operator/dynamodb-targets';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import type { ProbeResult, ProbeStatus, ProbeSpec, Finding } from '../../../../lambda/probe/types';
import { DIGEST_CHECK_EVERY_MS } from '../../../../lambda/monitor/digest';
import { parseDigest } from '../../../../lambda/monitor/digest-field';
import { ProberService, type ProbeFn } from '../../../../lambda/monitor/prober/service';
import { countRequests, freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';
import { probeResult, testProberConfig } from '../../../helpers/observations';
import { RecordingNotifier } from '../../../helpers/recording-notifier';

/*
 * The state rules end to end against dynalite (a real embedded DynamoDB). The probe is scripted:
 * these tests are about state and alerts; real sockets are exercised in the probe and handler suites.
 */

let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

class Clock {
  constructor(public ms = Date.parse('2026-11-24T10:00:00.000Z')) {}
  now = (): Date => new Date(this.ms);
  advance(minutes: number): void {
    this.ms += minutes * 60_000;
  }
}

/** A probe that answers from a script: the current status of each target, or a queue of answers. */
class ScriptedProbe {
  readonly status = new Map<string, ProbeStatus>();
  readonly findings = new Map<string, Finding[]>();
  readonly queued = new Map<string, ProbeStatus[]>();
  calls = 0;
  constructor(private readonly clock: Clock) {}
  /** The depth of every probe, in order: `tcp` for a connect-only look. */
  readonly depths: string[] = [];
  fn: ProbeFn = async (spec: ProbeSpec): Promise<ProbeResult> => {
    this.calls++;
    this.depths.push(spec.depth);
    const status = this.queued.get(spec.target)?.shift() ?? this.status.get(spec.target) ?? 'closed';
    // A connect-only look learns nothing of the broker's posture.
    const findings = status === 'open' && spec.depth !== 'tcp' ? (this.findings.get(spec.target) ?? []) : [];
    return probeResult(spec.target, status, findings, this.clock.now().toISOString());
  };
}

const CONFIG = testProberConfig();

async function setup() {
  const tables = await freshTables(db);
  const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
  const clock = new Clock();
  const probe = new ScriptedProbe(clock);
  const notifier = new RecordingNotifier();
  const service = new ProberService({ store, notifier, probe: probe.fn, now: clock.now, sleep: async () => {} }, CONFIG);
  const tick = (items: unknown[]) => service.run([{ id: 'msg-1', items }]);
  return { store, clock, probe, notifier, service, tick };
}

describe('ProberService on dynalite', () => {
  it('baseline: first sight records state and one event, alerting only a violated expectation', async () => {
    // Prepare
    const { store, probe, notifier, tick } = await setup();
    probe.status.set('quiet.example', 'closed');
    probe.status.set('leaky.example', 'open');
    // Act
    const report = await tick([{ target: 'quiet.example', expect: 'closed' }, { target: 'leaky.example', expect: 'closed' }]);
    // Assess
    expect(report.failedGroups).toEqual([]);
    expect(notifier.accepted.map((a) => `${a.target} ${a.event} ${a.severity}`)).toEqual(['leaky.example baseline critical']);
    expect(await store.getState('quiet.example')).toMatchObject({ status: 'closed', open: false, version: expect.any(Number), outbox: [] });
    expect((await store.history('quiet.example')).map((e) => e.kind)).toEqual(['baseline']);
    expect((await store.history('leaky.example')).map((e) => `${e.kind} ${e.alerted}`)).toEqual(['baseline true']);
  });

  it('open -> closed and closed -> open: one event and one alert each; quiet ticks write nothing', async () => {
    // Prepare
    const { store, clock, probe, notifier, tick } = await setup();
    const counter = countRequests(db.client);
    const items = [{ target: 'broker.example', expect: 'open' }];
    probe.status.set('broker.example', 'open');
    await tick(items);
    // Act
    counter.reset();
    clock.advance(5);
    await tick(items);
    const quietWrites = counter.writes();
    const quietReads = counter.counts.get('BatchGetItemCommand');
    probe.status.set('broker.example', 'closed');
    clock.advance(5);
    await tick(items);
    clock.advance(5);
    await tick(items);
    probe.status.set('broker.example', 'open');
    clock.advance(5);
    await tick(items);
    // Assess
    expect(quietWrites).toBe(0);
    expect(quietReads).toBe(1);
    expect(notifier.accepted.map((a) => `${a.event} ${a.previous}->${a.status} ${a.severity}`)).toEqual([
      'closed open->closed critical',
      'recovered closed->open info',
    ]);
    expect((await store.history('broker.example')).map((e) => `${e.kind} ${e.from}->${e.to}`)).toEqual([
      'transition closed->open',
      'transition open->closed',
      'baseline null->open',
    ]);
  });

  it('flap suppression: a change the re-probe does not confirm writes nothing and alerts nothing', async () => {
    // Prepare
    const { store, clock, probe, notifier, tick } = await setup();
    const items = [{ target: 'flappy.example', expect: 'open' }];
    probe.status.set('flappy.example', 'open');
    await tick(items);
    const before = await store.getState('flappy.example');
    const counter = countRequests(db.client);
    // Act: one lost SYN (filtered), then the re-probe connects.
    probe.queued.set('flappy.example', ['filtered', 'open']);
    clock.advance(5);
    const report = await tick(items);
    // Assess
    expect(report.flapsSuppressed).toBe(1);
    expect(counter.writes()).toBe(0);
    expect(notifier.accepted).toEqual([]);
    expect(await store.getState('flappy.example')).toEqual(before);
  });

  it('two probers racing on the same transition produce exactly one event and one alert', async () => {
    // Prepare: two services share the table, and both probes return only once both have read the state.
    const { store, clock, probe, notifier } = await setup();
    const items = [{ target: 'race.example', expect: 'closed' }];
    probe.status.set('race.example', 'closed');
    const mk = (fn: ProbeFn) => new ProberService({ store, notifier, probe: fn, now: clock.now, sleep: async () => {} }, CONFIG);
    await mk(probe.fn).run([{ id: 'baseline', items }]);
    probe.status.set('race.example', 'open');
    let waiting: (() => void)[] = [];
    const barrier: ProbeFn = async (spec, options) => {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 2) {
          waiting.forEach((r) => r());
          waiting = [];
        }
      });
      return probe.fn(spec, options);
    };
    clock.advance(5);
    // Act
    const [a, b] = await Promise.all([mk(barrier).run([{ id: 'a', items }]), mk(barrier).run([{ id: 'b', items }])]);
    // Assess
    expect([...a.failedGroups, ...b.failedGroups]).toEqual([]);
    expect(notifier.accepted.map((x) => `${x.event} ${x.id}`)).toEqual(['opened race.example@3']);
    expect((await store.history('race.example')).map((e) => e.kind)).toEqual(['transition', 'baseline']);
    expect(await store.getState('race.example')).toMatchObject({ status: 'open', outbox: [] });
  });

  it('a failing SNS publish leaves the alert pending, its lease given back; the next run delivers it exactly once', async () => {
    // Prepare
    const { store, clock, probe, notifier, tick } = await setup();
    const items = [{ target: 'pending.example', expect: 'closed' }, { target: 'bystander.example' }];
    probe.status.set('pending.example', 'closed');
    await tick(items);
    probe.status.set('pending.example', 'open');
    notifier.failures = 1;
    // Act
    clock.advance(5);
    const failedRun = await tick(items);
    const pending = await store.getState('pending.example');
    clock.advance(0.5); // well within the 60 s lease: a refused publish holds no lease, so this run retries
    const retry = await tick(items);
    clock.advance(5);
    await tick(items);
    // Assess
    expect(failedRun.failedGroups).toEqual(['msg-1']);
    expect(failedRun.alertsPending).toBe(1);
    expect(pending?.status).toBe('open');
    expect(pending?.outbox).toHaveLength(1);
    expect(pending?.outbox[0]).toMatchObject({ alert: { event: 'opened' }, claimedUntil: null });
    expect(retry.failedGroups).toEqual([]);
    expect(notifier.accepted.map((a) => a.id)).toEqual(['pending.example@3']);
    expect(await store.getState('pending.example')).toMatchObject({ outbox: [] });
    expect((await store.history('pending.example')).map((e) => e.kind)).toEqual(['transition', 'baseline']);
  });

  it('an invalid item records its error in state and the good targets beside it are still probed', async () => {
    // Prepare
    const { store, probe, tick } = await setup();
    probe.status.set('good.example', 'open');
    // Act
    const report = await tick([{ target: 'bad.example:99999' }, { target: 'good.example' }, { nope: true }, { target: 'x.example', depth: 'deep' }]);
    // Assess
    expect(report.invalid).toBe(3);
    expect(report.failedGroups).toEqual([]);
    expect(await store.getState('good.example')).toMatchObject({ status: 'open' });
    expect(await store.getState('bad.example:99999')).toMatchObject({ status: 'error', reason: expect.stringMatching(/^invalid target: target: "bad.example:99999" has a port/) });
    expect(await store.getState('x.example')).toMatchObject({ status: 'error', reason: 'invalid target: depth: "deep" must be one of tcp, tls, mqtt' });
  });

  it('stops starting probes near the deadline and reports exactly the unreached groups for retry', async () => {
    // Prepare: each probe uses up 20 s of a 60 s invocation; one target's worst case is 5 s here.
    const { store, probe, notifier, clock } = await setup();
    let remaining = 60_000;
    const probed: string[] = [];
    const slow: ProbeFn = async (spec, o) => {
      remaining -= 20_000;
      probed.push(spec.target);
      return probe.fn(spec, o);
    };
    const svc = new ProberService({ store, notifier, probe: slow, now: clock.now, sleep: async () => {} }, { ...CONFIG, concurrency: 1 });
    // Act
    const report = await svc.run(
      [
        { id: 'first', items: [{ target: 'a.example' }, { target: 'b.example' }] },
        { id: 'second', items: [{ target: 'c.example' }, { target: 'd.example' }] },
      ],
      { remainingMs: () => remaining },
    );
    // Assess
    expect(probed).toEqual(['a.example', 'b.example', 'c.example']);
    expect(report.unfinished).toBe(1);
    expect(report.failedGroups).toEqual(['second']);
    expect(await store.getState('a.example')).toMatchObject({ status: 'closed' });
    expect(await store.getState('d.example')).toBeNull();
  });

  it("cuts a target's own timeoutMs to what the invocation can afford", async () => {
    // Prepare
    const { store, probe, notifier, clock } = await setup();
    const seen: number[] = [];
    const spy: ProbeFn = async (spec, o) => {
      seen.push(o.timeoutMs);
      return probe.fn(spec, o);
    };
    const svc = new ProberService({ store, notifier, probe: spy, now: clock.now, sleep: async () => {} }, CONFIG);
    // Act: 60 s left; 2 looks of up to 3 deadlines each, plus 2 s for writes: 9,666 ms fits.
    const report = await svc.run([{ id: 'm', items: [{ target: 'slow.example', timeoutMs: 30_000 }, { target: 'quick.example', timeoutMs: 200 }] }], { remainingMs: () => 60_000 });
    // Assess
    expect(report.failedGroups).toEqual([]);
    expect(seen.sort((a, b) => a - b)).toEqual([200, 9666]);
  });
  describe('alert storms', () => {
    const fleet = Array.from({ length: 30 }, (_, i) => ({ target: `fleet-${i}.example`, expect: 'open' }));

    async function stormSetup() {
      const ctx = await setup();
      for (const t of fleet) ctx.probe.status.set(t.target, 'open');
      await ctx.tick(fleet);
      for (const t of fleet.slice(0, 25)) ctx.probe.status.set(t.target, 'filtered');
      return ctx;
    }

    it('holds per-target alerts, raises one degraded alert, and drops changes that revert', async () => {
      // Prepare
      const { store, clock, probe, notifier, service, tick } = await stormSetup();
      // Act: the storm tick, seen by two batches at once; then everything is back.
      clock.advance(5);
      const [first, second] = await Promise.all([service.run([{ id: 'a', items: fleet }]), service.run([{ id: 'b', items: fleet }])]);
      for (const t of fleet) probe.status.set(t.target, 'open');
      clock.advance(5);
      await tick(fleet);
      // Assess
      expect((first?.held ?? 0) + (second?.held ?? 0)).toBe(50);
      expect(notifier.accepted.map((a) => `${a.event} ${a.severity} ${a.reason}`)).toEqual([
        'degraded warning 25 of 30 targets changed open/closed at once; their alerts are held and re-checked next tick',
      ]);
      expect(await store.getState('fleet-0.example')).toMatchObject({ status: 'open', version: 2 });
    });

    it('releases held transitions once the storm outlasts the hold', async () => {
      // Prepare
      const { clock, notifier, tick } = await stormSetup();
      // Act
      clock.advance(5);
      const held = await tick(fleet);
      clock.advance(5);
      const stillHeld = await tick(fleet);
      clock.advance(5);
      const released = await tick(fleet);
      // Assess
      expect([held.held, stillHeld.held, released.held]).toEqual([25, 25, 0]);
      expect(notifier.accepted.filter((a) => a.event === 'degraded')).toHaveLength(1);
      expect(notifier.accepted.filter((a) => a.event === 'closed')).toHaveLength(25);
    });

    it('a few targets changing is not a storm', async () => {
      const { clock, probe, notifier, tick } = await setup();
      for (const t of fleet) probe.status.set(t.target, 'open');
      await tick(fleet);
      for (const t of fleet.slice(0, 5)) probe.status.set(t.target, 'closed');
      clock.advance(5);
      const report = await tick(fleet);
      expect(report.held).toBe(0);
      expect(notifier.accepted.map((a) => a.event)).toEqual(Array(5).fill('closed'));
    });
  });

  it('maintenance window, reminder and recovery: the alerts a scripted day produces', async () => {
    // Prepare: a broker that must stay closed, reminded every hour while it is open.
    const { clock, probe, notifier, tick } = await setup();
    const item = { target: 'maint.example', expect: 'closed', remindEvery: '1h', muteUntil: '2026-11-24T10:30:00.000Z' };
    probe.status.set('maint.example', 'closed');
    await tick([item]);
    // Act: opened during the window (10:05), still open when it ends (10:35), an hour later, then closed.
    probe.status.set('maint.example', 'open');
    clock.advance(5);
    const during = await tick([item]);
    const alertsDuringWindow = notifier.accepted.length;
    clock.advance(30);
    await tick([item]);
    clock.advance(30);
    await tick([item]);
    clock.advance(35);
    await tick([item]);
    probe.status.set('maint.example', 'closed');
    clock.advance(5);
    await tick([item]);
    // Assess
    expect(during.writes).toBeGreaterThan(0);
    expect(alertsDuringWindow).toBe(0);
    expect(notifier.accepted.map((a) => `${a.at.slice(11, 16)} ${a.event} ${a.severity} ${a.previous}->${a.status}`)).toEqual([
      '10:35 window-end critical closed->open',
      '11:40 reminder critical open->open',
      '11:45 recovered info open->closed',
    ]);
  });

  it('a window for every target (scanner item) holds every alert but still records the change', async () => {
    // Prepare
    const { store, clock, probe, notifier, tick } = await setup();
    const items = [{ target: 'g1.example', expect: 'closed' }, { target: 'g2.example', expect: 'closed' }];
    await tick(items);
    await store.putScanner({ version: 1, stormSince: null, stormLastSeen: null, windows: [{ kind: 'until', until: '2026-11-24T11:00:00.000Z' }] }, null);
    for (const { target } of items) probe.status.set(target, 'open');
    // Act
    clock.advance(5);
    const report = await tick(items);
    // Assess
    expect(report.transitions).toBe(2);
    expect(notifier.accepted).toEqual([]);
    expect(await store.getState('g1.example')).toMatchObject({ status: 'open', held: { open: false } });
  });
});

describe('ProberService with digests and a posture cadence (1-minute ticks, deep every 5)', () => {
  async function setupDigests() {
    const tables = await freshTables(db);
    const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
    const repo = new DynamoDbTargets(db.client, tables.targets);
    const digests = new DynamoDbTargetDigests(db.client, tables.targets);
    const clock = new Clock();
    const probe = new ScriptedProbe(clock);
    const notifier = new RecordingNotifier();
    const service = new ProberService(
      { store, digests, notifier, probe: probe.fn, now: clock.now, sleep: async () => {} },
      { ...CONFIG, cadence: { tickMs: 60_000, postureEveryMs: 300_000 } },
    );
    // As the dispatcher does: the Targets items as they are at the tick, digests included.
    const tick = async () => service.run([{ id: 'msg-1', items: await repo.listAll(), tick: clock.now().toISOString() }]);
    return { store, repo, targetsTable: tables.targets, clock, probe, notifier, tick };
  }

  it('once digests are stored, an unchanged tick reads no state and writes nothing', async () => {
    // Prepare
    const { repo, clock, probe, tick } = await setupDigests();
    await repo.batchPut([
      { target: 'open.example', expect: 'open' },
      { target: 'closed.example', expect: 'closed' },
      { target: 'filtered.example' },
    ]);
    probe.status.set('open.example', 'open');
    probe.status.set('filtered.example', 'filtered');
    const first = await tick();
    clock.advance(1);
    const counter = countRequests(db.client);

    // Act
    const second = await tick();

    // Assess
    expect(first.digestsRecorded).toBe(3);
    expect(second.digestHits).toBe(3);
    expect(counter.writes()).toBe(0);
    expect(counter.counts.get('BatchGetItemCommand')).toBeUndefined();
    expect(counter.counts.get('GetItemCommand')).toBe(1); // the scanner item, once per run
  });

  it('a change behind a digest reads the state, alerts once, and leaves a digest of the new state', async () => {
    // Prepare
    const { store, repo, clock, probe, notifier, tick } = await setupDigests();
    await repo.put({ target: 'broker.example', expect: 'open', depth: 'tcp' });
    probe.status.set('broker.example', 'open');
    await tick();
    clock.advance(1);

    // Act
    probe.status.set('broker.example', 'closed');
    const changed = await tick();
    clock.advance(1);
    const after = await tick();

    // Assess
    expect(changed.digestHits).toBe(0);
    expect(notifier.accepted.map((a) => `${a.event} ${a.previous}->${a.status}`)).toEqual(['closed open->closed']);
    const state = await store.getState('broker.example');
    expect(parseDigest((await repo.get('broker.example'))?.digest)).toEqual({ v: state?.version, s: 'closed', f: '', c: 'open/-', k: '' });
    expect(after).toMatchObject({ digestHits: 1, writes: 0 });
  });

  it('connect-only looks keep the last findings; the due deep look catches the broker turning anonymous, once', async () => {
    // Prepare: an open broker with a self-signed certificate, watched for 10 minutes.
    const { store, repo, clock, probe, notifier, tick } = await setupDigests();
    await repo.put({ target: 'broker.example', expect: 'open' });
    probe.status.set('broker.example', 'open');
    probe.findings.set('broker.example', ['self-signed-cert']);
    await tick();
    probe.depths.length = 0;

    // Act: a minute later the broker starts accepting anonymous clients.
    probe.findings.set('broker.example', ['anonymous-access', 'self-signed-cert']);
    const reports = [];
    for (let minute = 1; minute <= 10; minute++) {
      clock.advance(1);
      reports.push(await tick());
    }

    // Assess
    const deepTicks = probe.depths.filter((d) => d !== 'tcp').length;
    expect(reports.reduce((n, r) => n + r.connectOnly, 0)).toBe(8);
    expect(deepTicks).toBe(2 + 1); // one deep look every 5 ticks, plus the confirmation of the change
    expect(notifier.accepted.map((a) => `${a.event} +${a.addedFindings.join(',')}`)).toEqual(['posture +anonymous-access']);
    expect((await store.history('broker.example')).map((e) => e.kind)).toEqual(['posture', 'baseline']);
    expect((await store.getState('broker.example'))?.findings).toEqual(['anonymous-access', 'self-signed-cert']);
  });

  it("checks an unchanged target's digest against its state once an hour, with a read and no write", async () => {
    // Prepare
    const { repo, clock, probe, tick } = await setupDigests();
    await repo.put({ target: 'broker.example', depth: 'tcp' });
    probe.status.set('broker.example', 'closed');
    await tick();

    // Act: a tick a minute, for two hours.
    const reads: number[] = [];
    let writes = 0;
    for (let minute = 1; minute <= 120; minute++) {
      clock.advance(1);
      const report = await tick();
      if (report.digestHits === 0) reads.push(minute);
      writes += report.writes + report.digestsRecorded;
    }

    // Assess: one check an hour, an hour apart; every other tick settled by the digest.
    expect(reads).toHaveLength(2);
    expect((reads[1] as number) - (reads[0] as number)).toBe(60);
    expect(writes).toBe(0);
  });

  it('a stale digest written back by a whole-item edit can delay an alert, never past the hourly check', async () => {
    // Prepare: closed (digest D1), then open and alerted (digest D2).
    const { store, repo, targetsTable, clock, probe, notifier, tick } = await setupDigests();
    await repo.put({ target: 'broker.example', expect: 'closed', depth: 'tcp' });
    await tick();
    const stale = (await repo.get('broker.example')) as Record<string, unknown>;
    clock.advance(1);
    probe.status.set('broker.example', 'open');
    await tick();

    // Act: someone writes the old copy back with DynamoDB's own PutItem (a console edit), and the
    // port closes again before the next tick: the look agrees with the stale digest.
    await db.client.send(new PutItemCommand({ TableName: targetsTable, Item: marshall(stale) }));
    probe.status.set('broker.example', 'closed');
    const putBackAt = clock.ms;
    let closedAt: number | null = null;
    for (let minute = 2; minute <= 70 && closedAt === null; minute++) {
      clock.advance(1);
      await tick();
      if (notifier.accepted.length > 1) closedAt = clock.ms;
    }

    // Assess: seen at the target's hourly check at the latest (plus the confirming re-probe's tick).
    expect(notifier.accepted.map((a) => a.event)).toEqual(['opened', 'recovered']);
    expect(closedAt).not.toBeNull();
    expect((closedAt as number) - putBackAt).toBeLessThanOrEqual(DIGEST_CHECK_EVERY_MS + 60_000);
    expect((await store.getState('broker.example'))?.status).toBe('closed');
  });

  it('a broker that closes is seen on the next tick, deep look due or not', async () => {
    // Prepare
    const { repo, clock, probe, notifier, tick } = await setupDigests();
    await repo.put({ target: 'broker.example', expect: 'open' });
    probe.status.set('broker.example', 'open');
    probe.findings.set('broker.example', ['self-signed-cert']);
    await tick();

    // Act
    const alertsByMinute: number[] = [];
    for (let minute = 1; minute <= 3; minute++) {
      clock.advance(1);
      if (minute === 2) probe.status.set('broker.example', 'closed');
      await tick();
      alertsByMinute.push(notifier.accepted.length);
    }

    // Assess
    expect(alertsByMinute).toEqual([0, 1, 1]);
    expect(notifier.accepted[0]).toMatchObject({ event: 'closed', previous: 'open', status: 'closed' });
  });
});
