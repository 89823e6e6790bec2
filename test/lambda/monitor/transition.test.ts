import type { Finding, ProbeStatus } from '../../../lambda/probe/types';
import type { TargetState } from '../../../lambda/monitor/model';
import { decide, isViolation, MAX_OUTBOX, needsConfirmation, reminderDue, reminderDueAt, sameOutcome, type Decision } from '../../../lambda/monitor/transition';
import { info, observation } from '../../helpers/observations';

const T0 = '2026-11-24T10:00:00.000Z';
const T1 = '2026-11-24T10:05:00.000Z';

/** The state after a decision was written and its outbox flushed. */
function settled(decision: Decision): TargetState {
  if (decision.kind !== 'write') throw new Error('expected a write');
  return { ...decision.next, outbox: [] };
}

function stateOf(status: ProbeStatus, expect: 'open' | 'closed' | null = null, findings: Finding[] = []): TargetState {
  return settled(decide(null, observation(status, findings, T0), info(expect)));
}

function summary(d: Decision): string {
  if (d.kind === 'none') return 'none';
  return `${d.event}${d.alert ? `:${d.alert.event}/${d.alert.severity}` : ''}`;
}

describe('decide: first sight (baseline)', () => {
  it.each<[string, ProbeStatus, 'open' | 'closed' | null, Finding[], string]>([
    ['open, no expectation', 'open', null, [], 'baseline'],
    ['closed, no expectation', 'closed', null, [], 'baseline'],
    ['open, expected closed', 'open', 'closed', [], 'baseline:baseline/critical'],
    ['closed, expected closed', 'closed', 'closed', [], 'baseline'],
    ['filtered, expected open', 'filtered', 'open', [], 'baseline:baseline/critical'],
    ['open, expected open', 'open', 'open', [], 'baseline'],
    ['open and anonymous, no expectation', 'open', null, ['anonymous-access'], 'baseline:baseline/critical'],
    ['open with a self-signed cert, expected open', 'open', 'open', ['self-signed-cert'], 'baseline'],
    ['cannot be probed', 'error', 'closed', [], 'baseline'],
  ])('%s', (_name, status, expectation, findings, expected) => {
    // Act
    const d = decide(null, observation(status, findings, T0), info(expectation));
    // Assess
    expect(summary(d)).toBe(expected);
    if (d.kind === 'write') {
      expect(d.next.version).toBe(1);
      expect(d.next.open).toBe(status === 'error' ? null : status === 'open');
      expect(d.next.outbox).toHaveLength(1);
      expect(d.next.outbox[0]?.event.kind).toBe('baseline');
    }
  });
});

describe('decide: after a baseline', () => {
  it.each<[string, ProbeStatus, 'open' | 'closed' | null, ProbeStatus, Finding[], string]>([
    ['nothing changed (closed)', 'closed', null, 'closed', [], 'none'],
    ['nothing changed (open)', 'open', null, 'open', [], 'none'],
    ['closed -> open, expected closed', 'closed', 'closed', 'open', [], 'transition:opened/critical'],
    ['closed -> open, no expectation', 'closed', null, 'open', [], 'transition:opened/warning'],
    ['closed -> open, expected open (recovery)', 'closed', 'open', 'open', [], 'transition:recovered/info'],
    ['open -> closed, expected open', 'open', 'open', 'closed', [], 'transition:closed/critical'],
    ['open -> filtered, expected open', 'open', 'open', 'filtered', [], 'transition:closed/critical'],
    ['open -> unreachable, expected closed (recovery)', 'open', 'closed', 'unreachable', [], 'transition:recovered/info'],
    ['closed -> filtered: recorded, not alerted', 'closed', null, 'filtered', [], 'status'],
    ['closed -> error: recorded, never treated as a change', 'closed', 'closed', 'error', [], 'status'],
    ['open -> error: not treated as closed', 'open', 'open', 'error', [], 'status'],
    ['closed -> open and anonymous, no expectation', 'closed', null, 'open', ['anonymous-access'], 'transition:opened/critical'],
  ])('%s', (_name, before, expectation, after, findings, expected) => {
    // Prepare
    const prev = stateOf(before, expectation);
    // Act
    const d = decide(prev, observation(after, findings, T1), info(expectation));
    // Assess
    expect(summary(d)).toBe(expected);
  });

  it('keeps open/closed through an error and does not alert when the target comes back unchanged', () => {
    // Prepare
    const closed = stateOf('closed', 'closed');
    const errored = settled(decide(closed, observation('error', [], T1), info('closed')));
    // Act
    const back = decide(errored, observation('closed', [], '2026-11-24T10:10:00.000Z'), info('closed'));
    const repeatError = decide(errored, observation('error', [], '2026-11-24T10:10:00.000Z'), info('closed'));
    // Assess
    expect(errored.open).toBe(false);
    expect(errored.status).toBe('error');
    expect(summary(back)).toBe('status');
    expect(summary(repeatError)).toBe('none');
  });

  it('a transition carries from, to, since, version and the alert id of its event', () => {
    // Prepare
    const prev = stateOf('closed', 'closed');
    // Act
    const d = decide(prev, observation('open', [], T1), info('closed'));
    // Assess
    if (d.kind !== 'write' || d.alert === null) throw new Error('expected an alert');
    expect(d.next).toMatchObject({ status: 'open', open: true, since: T1, statusSince: T1, version: 2 });
    expect(d.alert).toMatchObject({ id: 'broker.example.com@2', previous: 'closed', previousSince: T0, expected: 'closed', labels: { team: 'iot' } });
    expect(d.next.outbox[0]?.event).toMatchObject({ kind: 'transition', from: 'closed', to: 'open', version: 2, alerted: true });
  });

  it('closed -> filtered keeps `since` (the open/closed status did not change) but moves statusSince', () => {
    const prev = stateOf('closed');
    const d = decide(prev, observation('filtered', [], T1), info());
    if (d.kind !== 'write') throw new Error('expected a write');
    expect(d.next.since).toBe(T0);
    expect(d.next.statusSince).toBe(T1);
    expect(d.alert).toBeNull();
  });
});

describe('decide: posture changes of an open target', () => {
  it.each<[string, Finding[], Finding[], string, Finding[], Finding[]]>([
    ['starts accepting anonymous clients', ['self-signed-cert'], ['anonymous-access', 'self-signed-cert'], 'posture:posture/critical', ['anonymous-access'], []],
    ['certificate starts to expire', [], ['cert-expiring'], 'posture:posture/warning', ['cert-expiring'], []],
    ['anonymous access removed', ['anonymous-access'], [], 'posture:posture/info', [], ['anonymous-access']],
    ['same findings in another order', ['legacy-tls', 'self-signed-cert'], ['self-signed-cert', 'legacy-tls'], 'none', [], []],
  ])('%s', (_name, before, after, expected, added, removed) => {
    const prev = stateOf('open', 'open', before);
    const d = decide(prev, observation('open', after, T1), info('open'));
    expect(summary(d)).toBe(expected);
    if (d.kind === 'write') {
      expect(d.alert?.addedFindings).toEqual(added);
      expect(d.alert?.removedFindings).toEqual(removed);
    }
  });

  it('a closing port drops its findings without a separate posture alert', () => {
    const prev = stateOf('open', null, ['anonymous-access']);
    const d = decide(prev, observation('closed', [], T1), info());
    expect(summary(d)).toBe('transition:closed/warning');
    if (d.kind === 'write') expect(d.next.findings).toEqual([]);
  });
});

describe('confirmation', () => {
  it('only alerting decisions need a re-probe', () => {
    const prev = stateOf('closed');
    expect(needsConfirmation(decide(prev, observation('open', [], T1), info()))).toBe(true);
    expect(needsConfirmation(decide(prev, observation('filtered', [], T1), info()))).toBe(false);
    expect(needsConfirmation(decide(prev, observation('closed', [], T1), info()))).toBe(false);
  });

  it('two looks agree only on the same status and findings', () => {
    const prev = stateOf('closed');
    const open = decide(prev, observation('open', [], T1), info());
    const openAgain = decide(prev, observation('open', [], '2026-11-24T10:05:01.000Z'), info());
    const openAnonymous = decide(prev, observation('open', ['anonymous-access'], T1), info());
    const closed = decide(prev, observation('closed', [], T1), info());
    expect(sameOutcome(open, openAgain)).toBe(true);
    expect(sameOutcome(open, openAnonymous)).toBe(false);
    expect(sameOutcome(open, closed)).toBe(false);
  });
});

describe('maintenance windows (clock controlled by the test)', () => {
  const muted = { muted: true };
  const T2 = '2026-11-24T10:10:00.000Z';
  const T3 = '2026-11-24T10:15:00.000Z';

  it('a change during a window is recorded, not alerted, and the state before the window is kept', () => {
    // Prepare
    const prev = stateOf('closed', 'closed');
    // Act
    const d = decide(prev, observation('open', [], T1), info('closed'), muted);
    // Assess
    expect(summary(d)).toBe('transition');
    if (d.kind !== 'write') throw new Error('expected a write');
    expect(d.next).toMatchObject({ status: 'open', open: true, held: { open: false, status: 'closed', since: T0 } });
    expect(d.next.outbox[0]?.event.alerted).toBe(false);
  });

  it('after the window: one alert when the state differs from before the window', () => {
    const before = stateOf('closed', 'closed');
    const during = settled(decide(before, observation('open', [], T1), info('closed'), muted));
    // Act: the first look after the window sees no change from the last look, but one from before the window.
    const after = decide(during, observation('open', [], T2), info('closed'));
    // Assess
    expect(summary(after)).toBe('window-end:window-end/critical');
    if (after.kind !== 'write' || !after.alert) throw new Error('expected an alert');
    expect(after.alert).toMatchObject({ previous: 'closed', previousSince: T0, status: 'open' });
    expect(after.next.held).toBeNull();
  });

  it('after the window: no alert when the target is back where it was, but the hold is cleared', () => {
    const before = stateOf('closed', 'closed');
    const opened = settled(decide(before, observation('open', [], T1), info('closed'), muted));
    const closedAgain = settled(decide(opened, observation('closed', [], T2), info('closed'), muted));
    const after = decide(closedAgain, observation('closed', [], T3), info('closed'));
    expect(summary(after)).toBe('window-end');
    if (after.kind === 'write') expect(after.next.held).toBeNull();
    expect(decide(settled(after), observation('closed', [], T3), info('closed'))).toEqual({ kind: 'none' });
  });

  it('after the window: a status change in that look still alerts as window-end against the state before the window', () => {
    const before = stateOf('open', 'open');
    const during = settled(decide(before, observation('filtered', [], T1), info('open'), muted));
    const after = decide(during, observation('closed', [], T2), info('open'));
    expect(summary(after)).toBe('status:window-end/critical');
  });
});

describe('reminders and recoveries', () => {
  const reminding = (expect: 'open' | 'closed') => ({ ...info(expect), remindEveryMs: 60 * 60_000 });

  it('re-alerts a violation every remindEvery, counting from the last alert', () => {
    // Prepare: opened against expectation at T1 (alerted then).
    const prev = settled(decide(stateOf('closed', 'closed'), observation('open', [], T1), reminding('closed')));
    // Act
    const early = decide(prev, observation('open', [], '2026-11-24T10:50:00.000Z'), reminding('closed'));
    const due = decide(prev, observation('open', [], '2026-11-24T11:05:00.000Z'), reminding('closed'));
    // Assess
    expect(summary(early)).toBe('none');
    expect(summary(due)).toBe('reminder:reminder/critical');
    if (due.kind !== 'write') throw new Error('expected a write');
    expect(due.next).toMatchObject({ since: T1, lastAlertAt: '2026-11-24T11:05:00.000Z', status: 'open' });
    expect(summary(decide(settled(due), observation('open', [], '2026-11-24T11:10:00.000Z'), reminding('closed')))).toBe('none');
  });

  it('no reminder while an earlier alert is still owed (SNS refusing): reminders would only pile up', () => {
    const pending = decide(stateOf('closed', 'closed'), observation('open', [], T1), reminding('closed'));
    if (pending.kind !== 'write') throw new Error('expected a write');
    expect(summary(decide(pending.next, observation('open', [], '2026-11-25T10:00:00.000Z'), reminding('closed')))).toBe('none');
  });

  it('an outbox that cannot be flushed stays bounded, keeping alerts over history-only entries', () => {
    // Prepare: a target flapping while nothing is ever flushed.
    let state: TargetState | null = null;
    const statuses: ProbeStatus[] = ['open', 'closed', 'filtered'];
    // Act
    for (let i = 0; i < 60; i++) {
      const d = decide(state, observation(statuses[i % 3] as ProbeStatus, [], new Date(Date.parse(T0) + i * 60_000).toISOString()), info());
      if (d.kind === 'write') state = d.next;
    }
    // Assess
    expect(state?.outbox.length).toBe(MAX_OUTBOX);
    expect(state?.outbox.every((e) => e.alert !== null)).toBe(true);
    const versions = state?.outbox.map((e) => e.event.version) ?? [];
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.at(-1)).toBeGreaterThan((state?.version ?? 0) - 3);
  });

  it('no reminders while muted, without remindEvery, or when the target is as expected', () => {
    const violating = settled(decide(stateOf('closed', 'closed'), observation('open', [], T1), reminding('closed')));
    const late = '2026-11-25T10:00:00.000Z';
    expect(summary(decide(violating, observation('open', [], late), reminding('closed'), { muted: true }))).toBe('none');
    expect(summary(decide(violating, observation('open', [], late), info('closed')))).toBe('none');
    expect(summary(decide(stateOf('closed', 'closed'), observation('closed', [], late), reminding('closed')))).toBe('none');
  });

  it('returning to the expected state is a recovery that says how long the violation lasted', () => {
    const violating = settled(decide(stateOf('closed', 'closed'), observation('open', [], T1), info('closed')));
    const d = decide(violating, observation('closed', [], '2026-11-24T13:05:00.000Z'), info('closed'));
    expect(summary(d)).toBe('transition:recovered/info');
    if (d.kind === 'write') expect(d.alert).toMatchObject({ previous: 'open', previousSince: T1 });
  });
});

describe('the violation and reminder rules (shared with digests)', () => {
  it.each<[string, 'open' | 'closed' | null, boolean, boolean]>([
    ['open, expected closed', 'closed', true, true],
    ['closed, expected closed', 'closed', false, false],
    ['closed, expected open', 'open', false, true],
    ['open, expected open', 'open', true, false],
    ['open, no expectation', null, true, false],
    ['closed, no expectation', null, false, false],
  ])('isViolation: %s', (_name, expectation, open, expected) => {
    // Act / Assess
    expect(isViolation({ expect: expectation }, open)).toBe(expected);
  });

  it('a reminder falls due remindEvery after the last alert, or after the change when none was raised', () => {
    // Prepare
    const hour = 3_600_000;
    const base = { open: true, since: T0 };
    // Act / Assess
    expect(reminderDueAt({ ...base, lastAlertAt: null }, { expect: 'closed', remindEveryMs: hour })).toBe(Date.parse(T0) + hour);
    expect(reminderDueAt({ ...base, lastAlertAt: T1 }, { expect: 'closed', remindEveryMs: hour })).toBe(Date.parse(T1) + hour);
  });

  it.each<[string, { open: boolean | null }, 'open' | 'closed' | null, number | null]>([
    ['as expected', { open: false }, 'closed', 3_600_000],
    ['no expectation', { open: true }, null, 3_600_000],
    ['no reminders asked for', { open: true }, 'closed', null],
    ['open/closed not known yet', { open: null }, 'closed', 3_600_000],
  ])('no reminder can fall due: %s', (_name, state, expectation, remindEveryMs) => {
    // Act / Assess
    expect(reminderDueAt({ ...state, since: T0, lastAlertAt: null }, { expect: expectation, remindEveryMs })).toBeNull();
  });

  it('a reminder is owed from the moment it falls due, and when a time cannot be read', () => {
    // Act / Assess
    expect([reminderDue(1000, 999), reminderDue(1000, 1000), reminderDue(1000, 1001)]).toEqual([false, true, true]);
    expect([reminderDue(Number.NaN, 1000), reminderDue(1000, Number.NaN)]).toEqual([true, true]);
  });
});
