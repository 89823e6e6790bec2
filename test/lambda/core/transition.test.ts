import type { Finding, ProbeStatus } from '../../../lambda/core/probe/types';
import type { TargetState } from '../../../lambda/core/state';
import { decide, needsConfirmation, sameOutcome, type Decision } from '../../../lambda/core/transition';
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
