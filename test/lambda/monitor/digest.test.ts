import fc from 'fast-check';
import { configKey, digestCheckDue, digestOf, digestSettles, sameDigest } from '../../../lambda/monitor/digest';
import { parseDigest } from '../../../lambda/monitor/digest-field';
import type { Finding, ProbeStatus } from '../../../lambda/probe/types';
import type { TargetInfo, TargetState } from '../../../lambda/monitor/model';
import { decide } from '../../../lambda/monitor/transition';
import { info, observation } from '../../helpers/observations';

const STATUSES: readonly ProbeStatus[] = ['open', 'closed', 'filtered', 'unreachable', 'error'];
const FINDINGS: readonly Finding[] = ['anonymous-access', 'self-signed-cert', 'legacy-tls', 'cert-expiring'];
const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

const findingsArb = fc.subarray([...FINDINGS]).map((f) => [...f].sort());
const infoArb = fc.record({
  expect: fc.constantFrom<'open' | 'closed' | null>('open', 'closed', null),
  remindEveryMs: fc.constantFrom<number | null>(null, 60_000, 3_600_000),
});

/** A quiet state as the prober leaves it: built by decide itself, then its outbox flushed. */
const quietStateArb = fc
  .record({ status: fc.constantFrom(...STATUSES), findings: findingsArb, then: fc.option(fc.constantFrom(...STATUSES), { nil: null }), at: fc.integer({ min: 0, max: 7_200_000 }), info: infoArb })
  .map(({ status, findings, then, at, info: settings }): { state: TargetState | null; settings: typeof settings } => {
    const target: TargetInfo = { ...info(settings.expect), remindEveryMs: settings.remindEveryMs };
    const first = decide(null, observation(status, status === 'open' ? findings : [], iso(T0)), target);
    if (first.kind !== 'write') return { state: null, settings };
    let state: TargetState = { ...first.next, outbox: [] };
    if (then !== null) {
      const second = decide(state, observation(then, then === 'open' ? findings : [], iso(T0 + at)), target);
      if (second.kind === 'write') state = { ...second.next, outbox: [] };
    }
    return { state, settings };
  });

describe('digestSettles agrees with decide', () => {
  it('a look the digest settles is one decide answers "nothing to do" for, muted or not (2,000 cases)', () => {
    let settled = 0;
    fc.assert(
      fc.property(
        quietStateArb,
        fc.constantFrom(...STATUSES),
        findingsArb,
        fc.integer({ min: 0, max: 10_800_000 }),
        fc.boolean(),
        fc.boolean(),
        ({ state, settings }, status, findings, later, postureChecked, muted) => {
          if (state === null) return;
          const target: TargetInfo = { ...info(settings.expect), remindEveryMs: settings.remindEveryMs };
          const at = T0 + 7_200_000 + later;
          const digest = digestOf(state, target);
          if (digest === null) return;
          // A connect-only look carries the state's findings, as the prober does before deciding.
          const obs = observation(status, status === 'open' ? (postureChecked ? findings : [...state.findings]) : [], iso(at));
          const raw = postureChecked ? obs : { ...obs, findings: [] };
          if (!digestSettles(digest, raw, target, at, postureChecked)) return;
          settled++;
          expect(decide(state, obs, target, { muted }).kind).toBe('none');
        },
      ),
      { numRuns: 2000, seed: 42 },
    );
    // Not vacuous: a good share of the cases were settled by the digest.
    expect(settled).toBeGreaterThan(200);
  });

  it('a look that changes anything decide would record or alert is never settled', () => {
    // Prepare: an open broker expected closed, reminders every hour.
    const target: TargetInfo = { ...info('closed'), remindEveryMs: 3_600_000 };
    const state: TargetState = { ...(decide(null, observation('open', ['self-signed-cert'], iso(T0)), target) as { next: TargetState }).next, outbox: [] };
    const digest = digestOf(state, target);
    if (digest === null) throw new Error('a quiet state has a digest');

    // Act / Assess
    expect(digestSettles(digest, observation('open', ['self-signed-cert']), target, T0 + 60_000, true)).toBe(true);
    expect(digestSettles(digest, observation('closed'), target, T0 + 60_000, true)).toBe(false);
    expect(digestSettles(digest, observation('open', ['anonymous-access', 'self-signed-cert']), target, T0 + 60_000, true)).toBe(false);
    // A connect-only look says nothing of findings; the status alone settles it.
    expect(digestSettles(digest, observation('open', []), target, T0 + 60_000, false)).toBe(true);
    // The reminder falls due: decide has an alert to raise.
    expect(digestSettles(digest, observation('open', ['self-signed-cert']), target, T0 + 3_600_000, true)).toBe(false);
    // The user changed what they expect.
    expect(digestSettles(digest, observation('open', ['self-signed-cert']), { ...target, expect: 'open' }, T0 + 60_000, true)).toBe(false);
  });
});

describe('digestOf', () => {
  it('is null for a state that still owes work or is inside a window', () => {
    // Prepare
    const target = info('closed');
    const written = decide(null, observation('open', [], iso(T0)), target);
    if (written.kind !== 'write') throw new Error('expected a write');

    // Act / Assess
    expect(digestOf(written.next, target)).toBeNull(); // outbox holds the baseline alert
    expect(digestOf({ ...written.next, outbox: [], held: { open: false, status: 'closed', findings: [], since: null } }, target)).toBeNull();
    expect(digestOf({ ...written.next, outbox: [] }, target)).toEqual({ v: 1, s: 'open', f: '', c: configKey(target), k: '' });
  });

});

describe('digestCheckDue', () => {
  it('at 1-minute ticks, each target is checked against its state on exactly one tick an hour, spread over the hour', () => {
    // Act
    const targets = Array.from({ length: 600 }, (_, i) => `broker-${i}.example.com:8883`);
    const dueTicks = targets.map((t) => Array.from({ length: 60 }, (_, m) => m).filter((m) => digestCheckDue(t, T0 + m * 60_000, 60_000)));
    const perTick = Array.from({ length: 60 }, (_, m) => dueTicks.filter((d) => d.includes(m)).length);

    // Assess
    expect(dueTicks.every((d) => d.length === 1)).toBe(true);
    expect(Math.max(...perTick)).toBeLessThan(30); // 10 on average
  });
});

describe('parseDigest', () => {
  it.each([
    ['a digest', { v: 3, s: 'open', f: 'self-signed-cert', c: 'closed/-', k: 'A1B2C3D4E5F60718' }, { v: 3, s: 'open', f: 'self-signed-cert', c: 'closed/-', k: 'A1B2C3D4E5F60718' }],
    ['with a reminder time', { v: 3, s: 'open', f: '', c: 'closed/60000', r: T0, k: '' }, { v: 3, s: 'open', f: '', c: 'closed/60000', r: T0, k: '' }],
    ['one written before certificates were compared (no k): not used', { v: 3, s: 'open', f: '', c: 'closed/-' }, null],
    ['a tombstone', { v: 4 }, null],
    ['a string', 'open', null],
    ['a version that is not a positive integer', { v: 0, s: 'open', f: '', c: '-/-', k: '' }, null],
    ['an unknown status', { v: 2, s: 'ajar', f: '', c: '-/-', k: '' }, null],
    ['a reminder that is not a number', { v: 2, s: 'open', f: '', c: '-/-', k: '', r: 'soon' }, null],
  ])('%s', (_name, value, expected) => {
    expect(parseDigest(value)).toEqual(expected);
  });

  it('sameDigest compares every field', () => {
    const d = { v: 3, s: 'open' as const, f: '', c: '-/-', k: '' };
    expect(sameDigest(d, { ...d })).toBe(true);
    expect(sameDigest(d, { ...d, k: 'A1B2C3D4E5F60718' })).toBe(false);
    expect(sameDigest(d, { ...d, v: 4 })).toBe(false);
    expect(sameDigest(d, { ...d, r: 5 })).toBe(false);
    expect(sameDigest(d, null)).toBe(false);
    expect(sameDigest(null, null)).toBe(true);
  });
});
