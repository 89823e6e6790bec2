/** decide with several vantage points: partial reachability recorded silently, alerted after one tick period where it is news, and its end. */
import type { ReachNow } from '../../../lambda/monitor/agreement';
import { digestOf } from '../../../lambda/monitor/digest';
import type { Expect, TargetState } from '../../../lambda/monitor/model';
import { decide, type DecideContext, type Decision } from '../../../lambda/monitor/transition';
import { info, observation } from '../../helpers/observations';

const T0 = '2026-11-24T10:00:00.000Z';
const T1 = '2026-11-24T10:01:00.000Z';
const T2 = '2026-11-24T10:02:00.000Z';
const TICK_MS = 60_000;

const ALL_OPEN: ReachNow = { open: ['a', 'b', 'c'], notOpen: [], unknown: [] };
const BLOCKED_FROM_C: ReachNow = { open: ['a', 'b'], notOpen: ['c'], unknown: [] };
const ALL_CLOSED: ReachNow = { open: [], notOpen: ['a', 'b', 'c'], unknown: [] };

function ctx(reach: ReachNow, muted = false): DecideContext {
  return { muted, reach, partialSettleMs: TICK_MS };
}

function settled(d: Decision): TargetState {
  if (d.kind !== 'write') throw new Error('expected a write');
  return { ...d.next, outbox: [] };
}

function summary(d: Decision): string {
  if (d.kind === 'none') return 'none';
  return `${d.event}${d.alert ? `:${d.alert.event}/${d.alert.severity}` : ''}`;
}

/** A target first seen open from every vantage point. */
function openEverywhere(expect: Expect | null): TargetState {
  return settled(decide(null, observation('open', [], T0), info(expect), ctx(ALL_OPEN)));
}

describe('decide with several vantage points', () => {
  it('one vantage point (no reach in the context): no reach recorded, exactly as before', () => {
    // Act
    const d = decide(null, observation('open', [], T0), info('open'));
    // Assess
    expect(d.kind === 'write' && 'reach' in d.next).toBe(false);
  });

  it.each<[string, Expect | null, string, string]>([
    ['expect open: blocked from one region', 'open', 'reach', 'reach:partial/warning'],
    ['no expect: blocked from one region', null, 'reach', 'reach:partial/warning'],
    ['expect closed: the exposure alert already said it', 'closed', 'reach', 'none'],
  ])('%s: recorded silently at once, alerted PARTIAL once it stood one tick period', (_name, expectation, first, later) => {
    // Prepare
    const prev = openEverywhere(expectation);
    const i = info(expectation);
    // Act
    const d1 = decide(prev, observation('open', [], T1), i, ctx(BLOCKED_FROM_C));
    const after = settled(d1);
    const early = decide(after, observation('open', [], '2026-11-24T10:01:30.000Z'), i, ctx(BLOCKED_FROM_C));
    const d2 = decide(after, observation('open', [], T2), i, ctx(BLOCKED_FROM_C));
    // Assess
    expect(summary(d1)).toBe(first);
    expect(after.reach).toEqual({ ...BLOCKED_FROM_C, partialSince: T1 });
    expect(summary(early)).toBe('none');
    expect(summary(d2)).toBe(later);
    if (d2.kind === 'write' && d2.alert) {
      expect(d2.alert.reach).toEqual({ ...BLOCKED_FROM_C, partialSince: T1 });
      expect(d2.next.outbox.at(-1)?.alert?.reach).toEqual(d2.alert.reach);
      expect(d2.next.partialAlerted).toBe(true);
      // Already alerted: the next look is quiet.
      expect(summary(decide(settled(d2), observation('open', [], '2026-11-24T10:03:00.000Z'), i, ctx(BLOCKED_FROM_C)))).toBe('none');
    }
  });

  it('a change sweeping across regions within one tick never pages twice: partial, then reachable from all, before the period', () => {
    // Prepare
    const i = info('open');
    const partial = settled(decide(openEverywhere('open'), observation('open', [], T1), i, ctx(BLOCKED_FROM_C)));
    // Act
    const healed = decide(partial, observation('open', [], '2026-11-24T10:01:40.000Z'), i, ctx(ALL_OPEN));
    // Assess: the end of an unalerted partial is recorded, not alerted
    expect(summary(healed)).toBe('reach');
    expect(settled(healed).reach).toEqual({ ...ALL_OPEN, partialSince: null });
  });

  it('leaving an alerted partial alerts REACHABLE (info), with the reach', () => {
    // Prepare
    const i = info('open');
    const partial = settled(decide(openEverywhere('open'), observation('open', [], T1), i, ctx(BLOCKED_FROM_C)));
    const alerted = settled(decide(partial, observation('open', [], T2), i, ctx(BLOCKED_FROM_C)));
    // Act
    const healed = decide(alerted, observation('open', [], '2026-11-24T10:03:00.000Z'), i, ctx(ALL_OPEN));
    // Assess
    expect(summary(healed)).toBe('reach:reachable/info');
    expect(healed.kind === 'write' && healed.alert?.reach).toEqual({ ...ALL_OPEN, partialSince: null });
    expect(settled(healed).partialAlerted).toBe(false);
  });

  it('an alerted partial that ends closed from everywhere alerts the outage, not REACHABLE', () => {
    // Prepare
    const i = info('open');
    const partial = settled(decide(openEverywhere('open'), observation('open', [], T1), i, ctx(BLOCKED_FROM_C)));
    const alerted = settled(decide(partial, observation('open', [], T2), i, ctx(BLOCKED_FROM_C)));
    // Act
    const closed = decide(alerted, observation('closed', [], '2026-11-24T10:03:00.000Z'), i, ctx(ALL_CLOSED));
    // Assess
    expect(summary(closed)).toBe('transition:closed/critical');
    expect(closed.kind === 'write' && closed.alert?.reach).toEqual({ ...ALL_CLOSED, partialSince: null });
  });

  it('a transition while partial carries the reach on its alert; the partial alert waits for a later look', () => {
    // Prepare: open from a, not from b and c (expect closed is exposure: open at once)
    const i = info(null);
    const prev = settled(decide(null, observation('closed', [], T0), i, ctx(ALL_CLOSED)));
    const reach: ReachNow = { open: ['a'], notOpen: ['b', 'c'], unknown: [] };
    // Act
    const opened = decide(prev, observation('open', [], T1), i, ctx(reach));
    const later = decide(settled(opened), observation('open', [], T2), i, ctx(reach));
    // Assess
    expect(summary(opened)).toBe('transition:opened/warning');
    expect(opened.kind === 'write' && opened.alert?.reach).toEqual({ ...reach, partialSince: T1 });
    expect(summary(later)).toBe('reach:partial/warning');
  });

  it('muted: a partial is recorded but not alerted', () => {
    // Prepare
    const i = info('open');
    const partial = settled(decide(openEverywhere('open'), observation('open', [], T1), i, ctx(BLOCKED_FROM_C, true)));
    // Act
    const d = decide(partial, observation('open', [], T2), i, ctx(BLOCKED_FROM_C, true));
    // Assess
    expect(partial.reach?.partialSince).toBe(T1);
    expect(summary(d)).toBe('none');
  });

  it('a partial state has no digest (each look re-decides it); a state open from everywhere has one', () => {
    // Prepare
    const i = info('open');
    const whole = openEverywhere('open');
    const partial = settled(decide(whole, observation('open', [], T1), i, ctx(BLOCKED_FROM_C)));
    // Act + Assess
    expect(digestOf(partial, i)).toBeNull();
    expect(digestOf(whole, i)).not.toBeNull();
  });

  it('unknown vantage points alone write nothing', () => {
    // Act
    const d = decide(openEverywhere('open'), observation('open', [], T1), info('open'), ctx({ open: ['a', 'b'], notOpen: [], unknown: ['c'] }));
    // Assess
    expect(summary(d)).toBe('none');
  });
});
