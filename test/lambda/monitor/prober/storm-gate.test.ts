import type { StateStore } from '../../../../lambda/monitor/dependencies';
import type { ScannerState, Target, TargetState } from '../../../../lambda/monitor/model';
import { DEFAULT_PROBER_CONFIG, type ProberConfig } from '../../../../lambda/monitor/prober/config';
import type { Looked } from '../../../../lambda/monitor/prober/look';
import { startRun, type RunScope } from '../../../../lambda/monitor/prober/report';
import { heldByStorm, isStorm, stormCount, stormGate, stormStep } from '../../../../lambda/monitor/prober/storm-gate';
import { parseTargetItem } from '../../../../lambda/monitor/target';
import { decide, type Decision } from '../../../../lambda/monitor/transition';
import { observation } from '../../../helpers/observations';
import { RecordingNotifier } from '../../../helpers/recording-notifier';

const STORM = { minTargets: 20, ratio: 0.5, holdMs: 600_000, quietMs: 900_000 };
const T0 = '2026-11-24T10:00:00.000Z';
const NOW = new Date('2026-11-24T10:05:00.000Z');
const minutesBefore = (minutes: number): string => new Date(NOW.getTime() - minutes * 60_000).toISOString();

describe('isStorm', () => {
  it.each<[string, Partial<typeof STORM>, number, number, boolean]>([
    ['half of the known targets flip', {}, 20, 10, true],
    ['all of them flip', {}, 40, 40, true],
    ['just under the ratio', {}, 20, 9, false],
    ['too few known targets to judge', {}, 19, 19, false],
    ['detection turned off', { minTargets: 0 }, 100, 100, false],
  ])('%s', (_name, overrides, probed, flipping, expected) => {
    // Act / Assess
    expect(isStorm({ ...STORM, ...overrides }, { probed, flipping })).toBe(expected);
  });
});

describe('stormStep', () => {
  it('a first storm begins now, is new, and holds', () => {
    // Act
    const step = stormStep(STORM, null, NOW);
    // Assess
    expect(step).toEqual({
      since: NOW.toISOString(),
      continuing: false,
      release: false,
      next: { version: 1, stormSince: NOW.toISOString(), stormLastSeen: NOW.toISOString() },
    });
  });

  it.each<[string, ScannerState, { since: string; continuing: boolean; release: boolean }]>([
    ['seen 5 min ago, began 5 min ago: continues, still held', { version: 3, stormSince: minutesBefore(5), stormLastSeen: minutesBefore(5) }, { since: minutesBefore(5), continuing: true, release: false }],
    ['began 10 min ago (the hold): released', { version: 3, stormSince: minutesBefore(10), stormLastSeen: minutesBefore(5) }, { since: minutesBefore(10), continuing: true, release: true }],
    ['last seen exactly quietMs ago: still the same storm', { version: 3, stormSince: minutesBefore(15), stormLastSeen: minutesBefore(15) }, { since: minutesBefore(15), continuing: true, release: true }],
    ['last seen longer than quietMs ago: a new storm', { version: 3, stormSince: minutesBefore(30), stormLastSeen: minutesBefore(16) }, { since: NOW.toISOString(), continuing: false, release: false }],
    ['an earlier storm was forgotten (its alert failed): a new storm', { version: 3, stormSince: minutesBefore(5), stormLastSeen: null }, { since: NOW.toISOString(), continuing: false, release: false }],
  ])('%s', (_name, meta, expected) => {
    // Act
    const step = stormStep(STORM, meta, NOW);
    // Assess
    expect({ since: step.since, continuing: step.continuing, release: step.release }).toEqual(expected);
    expect(step.next).toEqual({ ...meta, version: 4, stormSince: expected.since, stormLastSeen: NOW.toISOString() });
  });

  it('keeps the scanner windows it was given', () => {
    // Prepare
    const meta: ScannerState = { version: 1, windows: [{ kind: 'until', until: '2026-12-01T00:00:00.000Z' }], stormSince: null, stormLastSeen: null };
    // Act / Assess
    expect(stormStep(STORM, meta, NOW).next.windows).toEqual(meta.windows);
  });
});

function target(i: number): Target {
  const parsed = parseTargetItem({ target: `fleet-${i}.example`, expect: 'open' });
  if (!parsed.ok) throw new Error('a valid item');
  return parsed.value;
}

/** A target that was open and is now looked at: `flips` makes the look a transition to closed. */
function looked(i: number, flips: boolean): Looked {
  const t = target(i);
  const first = decide(null, observation('open', [], T0), t);
  if (first.kind !== 'write') throw new Error('a first look writes');
  const prev: TargetState = { ...first.next, outbox: [] };
  const obs = observation(flips ? 'filtered' : 'open', [], NOW.toISOString());
  return { work: { kind: 'probe', group: 'g', target: t, tickMs: NOW.getTime() }, info: t, prev, obs, ctx: { muted: false }, decision: decide(prev, obs, t), digestHit: false };
}

function batch(size: number, flipping: number): Looked[] {
  return Array.from({ length: size }, (_, i) => looked(i, i < flipping));
}

describe('stormCount and heldByStorm', () => {
  it('counts targets known before, and those whose look is a transition', () => {
    // Prepare: a first sight counts for neither.
    const first = { ...looked(99, false), prev: null, decision: { kind: 'none' } as Decision };
    // Act / Assess
    expect(stormCount([...batch(5, 2), first])).toEqual({ probed: 5, flipping: 2 });
  });

  it('holds transitions only, and only while the gate holds', () => {
    // Prepare
    const transition = looked(0, true).decision;
    const none: Decision = { kind: 'none' };
    // Act / Assess
    expect([heldByStorm(true, transition), heldByStorm(false, transition), heldByStorm(true, none)]).toEqual([true, false, false]);
  });
});

/** The scanner item in memory; the rest of the state store is not the gate's business. */
class ScannerStore {
  item: ScannerState | null = null;
  writes: ScannerState[] = [];
  /** Another prober recorded the storm first: the next conditional write loses. */
  loseNext = false;

  asStateStore(): StateStore {
    const unused = (): never => {
      throw new Error('the storm gate reads and writes only the scanner item');
    };
    return {
      getStates: unused,
      getState: unused,
      putState: unused,
      putEvent: unused,
      listStates: unused,
      history: unused,
      getScanner: async () => this.item,
      putScanner: async (state, expectedVersion) => {
        if (this.loseNext || (this.item?.version ?? null) !== expectedVersion) {
          this.loseNext = false;
          return false;
        }
        this.item = state;
        this.writes.push(state);
        return true;
      },
    };
  }
}

function gateScope(store: ScannerStore, notifier: RecordingNotifier): RunScope {
  const config: ProberConfig = { ...DEFAULT_PROBER_CONFIG, storm: STORM, defaultPort: 8883, probeOptions: { timeoutMs: 500, certExpiringDays: 14 } };
  const deps = {
    store: store.asStateStore(),
    notifier,
    probe: async () => {
      throw new Error('the storm gate probes nothing');
    },
    now: () => NOW,
    sleep: async () => {},
  };
  return { deps, config, run: startRun() };
}

describe('stormGate', () => {
  it('a calm batch passes without touching the scanner item', async () => {
    // Prepare
    const store = new ScannerStore();
    const notifier = new RecordingNotifier();
    // Act
    const hold = await stormGate(gateScope(store, notifier), batch(30, 5), null);
    // Assess
    expect(hold).toBe(false);
    expect(store.writes).toEqual([]);
    expect(notifier.accepted).toEqual([]);
  });

  it('a new storm is recorded, alerted once, and holds', async () => {
    // Prepare
    const store = new ScannerStore();
    const notifier = new RecordingNotifier();
    const scope = gateScope(store, notifier);
    // Act
    const hold = await stormGate(scope, batch(30, 25), null);
    // Assess
    expect(hold).toBe(true);
    expect(store.item).toEqual({ version: 1, stormSince: NOW.toISOString(), stormLastSeen: NOW.toISOString() });
    expect(notifier.accepted.map((a) => `${a.event} ${a.reason}`)).toEqual(['degraded 25 of 30 targets changed open/closed at once; their alerts are held and re-checked next tick']);
    expect(scope.run.alertsPublished).toBe(1);
  });

  it('a storm another prober recorded first holds without a second alert', async () => {
    // Prepare
    const store = new ScannerStore();
    store.loseNext = true;
    const notifier = new RecordingNotifier();
    // Act
    const hold = await stormGate(gateScope(store, notifier), batch(30, 25), null);
    // Assess
    expect(hold).toBe(true);
    expect(notifier.accepted).toEqual([]);
  });

  it('when SNS refuses the alert, it stays owed and the next batch raises it; the storm keeps its start', async () => {
    // Prepare
    const store = new ScannerStore();
    const notifier = new RecordingNotifier();
    notifier.failures = 1;
    const scope = gateScope(store, notifier);
    // Act
    const gate = stormGate(scope, batch(30, 25), null);
    // Assess
    await expect(gate).rejects.toThrow('Rate exceeded');
    expect(store.item).toEqual({ version: 2, stormSince: NOW.toISOString(), stormLastSeen: NOW.toISOString(), stormAlertOwed: true });
    expect(scope.run.alertsPublished).toBe(0);
    expect(await stormGate(scope, batch(30, 25), store.item)).toBe(true);
    expect(notifier.accepted.map((a) => a.event)).toEqual(['degraded']);
  });

  it('a storm that outlasts the hold lets transitions through, without a new alert', async () => {
    // Prepare
    const store = new ScannerStore();
    store.item = { version: 5, stormSince: minutesBefore(10), stormLastSeen: minutesBefore(5) };
    const notifier = new RecordingNotifier();
    // Act
    const hold = await stormGate(gateScope(store, notifier), batch(30, 25), store.item);
    // Assess
    expect(hold).toBe(false);
    expect(store.item).toMatchObject({ version: 6, stormSince: minutesBefore(10), stormLastSeen: NOW.toISOString() });
    expect(notifier.accepted).toEqual([]);
  });
});
