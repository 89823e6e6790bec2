/** The fault campaign's verdict on one scenario: every transition recorded once, every alert delivered exactly once, nothing owed, nothing silent. */
import type { DynamoDbStateStore } from '../../lambda/adapters/aws/dynamodb-state-store';
import type { DynamoDbTargets } from '../../lambda/adapters/operator/dynamodb-targets';
import { digestOf, sameDigest } from '../../lambda/monitor/digest';
import { parseDigest } from '../../lambda/monitor/digest-field';
import type { Expect, TargetEvent } from '../../lambda/monitor/model';
import { eventItemId } from '../../lambda/monitor/state';
import { isViolation } from '../../lambda/monitor/transition';
import type { ProbeStatus } from '../../lambda/probe/types';
import type { FaultyNotifier } from './faults';
import { MAX_CLOCK_SKEW_MS } from './skewed-clock';

export interface Totals {
  scenarios: number;
  ticks: number;
  proberRuns: number;
  transitions: number;
  events: number;
  alertsExpected: number;
  alertsDelivered: number;
  duplicates: number;
  unavoidableDuplicates: number;
  lost: number;
  /** Looks settled by a digest (no state read), and connect-only looks at open brokers. */
  digestHits: number;
  connectOnly: number;
  reminders: number;
  windowEnds: number;
  /** Scenarios run in the fast lane (every: 10s): looks 10 s apart, counted by the lane's period. */
  fastLane: number;
  /** Scenarios run with three vantage points, and the partial/reachable alerts they delivered. */
  vantageScenarios: number;
  partialAlerts: number;
  faults: Map<string, number>;
}

export function emptyTotals(): Totals {
  return { scenarios: 0, ticks: 0, proberRuns: 0, transitions: 0, events: 0, alertsExpected: 0, alertsDelivered: 0, duplicates: 0, unavoidableDuplicates: 0, lost: 0, digestHits: 0, connectOnly: 0, reminders: 0, windowEnds: 0, fastLane: 0, vantageScenarios: 0, partialAlerts: 0, faults: new Map() };
}

/** What a scenario leaves for the checks. */
export interface ScenarioOutcome {
  readonly targets: readonly { readonly target: string; readonly expect: Expect | null; readonly remindEveryMs: number | null; readonly windowed: boolean }[];
  readonly world: ReadonlyMap<string, ProbeStatus>;
  /** With several vantage points: where the agreement rules put each target from the last looks (else the world says). */
  readonly combinedOpen?: ReadonlyMap<string, boolean>;
  /** With several vantage points: how many must see a target not open before an outage is believed. */
  readonly quorum?: number;
  readonly store: DynamoDbStateStore;
  /** The Targets table, when the scenario ran with digests. */
  readonly repo: DynamoDbTargets | null;
  readonly notifier: FaultyNotifier;
  /** The scenario time at which each probe result's `at` (a prober's skewed clock) was taken. */
  readonly baseTimeOf: ReadonlyMap<string, number>;
}

const isOpen = (status: ProbeStatus): boolean | null => (status === 'error' ? null : status === 'open');

/**
 * Whether the alerts sent leave the user believing what the state says. Outside a window, the last
 * alert must be about where the target is. Without any alert the target must never have been where
 * an alert was owed: not now in violation of `expect`, and (unless a window held its first looks, when
 * the first look after the window is its baseline) still where it was first seen.
 */
function silentChange(history: readonly TargetEvent[], open: boolean, expect: Expect | null, windowed: boolean): string | null {
  const alerted = [...history].reverse().find((e) => e.alerted);
  if (alerted) return isOpen(alerted.to) === open ? null : `last alert v${alerted.version} said ${alerted.to}`;
  if (isViolation({ expect }, open)) return `never alerted, yet open=${open} violates expect ${expect}`;
  const first = history.find((e) => e.to !== 'error');
  if (!windowed && first && isOpen(first.to) !== open) return `never alerted, yet first seen ${first.to}`;
  return null;
}

export async function checkScenario(s: ScenarioOutcome, totals: Totals): Promise<string[]> {
  const problems: string[] = [];
  const acceptedIds = s.notifier.accepted.map((a) => a.id);
  const eventIds = new Set<string>();
  for (const { target, expect, remindEveryMs, windowed } of s.targets) {
    const history = (await s.store.history(target, 1000)).reverse();
    const state = await s.store.getState(target);
    totals.events += history.length;
    totals.transitions += history.filter((e) => e.kind === 'transition').length;
    // Collected before the state checks below, which may skip the rest of this target.
    for (const e of history) if (e.alerted) eventIds.add(eventItemId(target, e.version));
    history.forEach((e, i) => {
      const before = history[i - 1];
      if (before && e.from !== before.to) problems.push(`${target}: event v${e.version} from ${e.from} does not follow ${before.to}`);
      if (before && e.version <= before.version) problems.push(`${target}: versions out of order`);
    });
    if (history[0]?.kind !== 'baseline') problems.push(`${target}: history does not start with a baseline`);
    if (!state) {
      problems.push(`${target}: no state`);
      continue;
    }
    if (state.outbox.length > 0) problems.push(`${target}: ${state.outbox.length} outbox entries left`);
    const posture = history.filter((e) => e.kind === 'posture').length;
    if (posture > 0) problems.push(`${target}: ${posture} posture events, but the broker's findings never changed`);
    if (s.repo) {
      // A digest on the item, if any, must describe exactly the state: a stale one could hide a change.
      const digest = parseDigest((await s.repo.get(target))?.digest);
      if (digest !== null && !sameDigest(digest, digestOf(state, { expect, remindEveryMs }))) {
        problems.push(`${target}: digest v${digest.v} ${digest.s} does not describe state v${state.version} ${state.status}`);
      }
    }
    const last = history[history.length - 1];
    if (!last || last.to !== state.status) problems.push(`${target}: state ${state.status} but last event ${last?.to}`);
    const open = s.combinedOpen?.get(target) ?? s.world.get(target) === 'open';
    if (state.open !== open) problems.push(`${target}: state open=${state.open} but world ${s.world.get(target)}${s.combinedOpen ? ` (combined open=${open})` : ''}`);
    // Outside a window, what the user was last told must be where the target is: a change that was
    // recorded but never alerted (a window's end missed, a mute judged by a wrong clock) is lost too.
    const silent = (state.held ?? null) === null && state.open !== null ? silentChange(history, state.open, expect, windowed) : null;
    if (silent !== null) {
      totals.lost++;
      problems.push(`${target}: state open=${state.open}, no window holds it, but ${silent}`);
    }
    problems.push(...checkReminders(target, history, remindEveryMs, s.baseTimeOf));
    totals.reminders += history.filter((e) => e.kind === 'reminder').length;
    for (const e of history.filter((x) => x.alerted)) {
      totals.alertsExpected++;
      const id = eventItemId(target, e.version);
      const n = acceptedIds.filter((x) => x === id).length;
      if (n === 0) {
        totals.lost++;
        problems.push(`${target}: alert ${id} never delivered`);
      }
      if (n > 1) {
        if (s.notifier.acceptedButLost.has(id)) totals.unavoidableDuplicates += n - 1;
        else {
          totals.duplicates += n - 1;
          problems.push(`${target}: alert ${id} delivered ${n} times`);
        }
      }
    }
  }
  problems.push(...checkReach(s));
  for (const id of acceptedIds) if (!eventIds.has(id)) problems.push(`alert ${id} delivered without a recorded event`);
  totals.alertsDelivered += acceptedIds.length;
  totals.partialAlerts += new Set(s.notifier.accepted.filter((a) => a.event === 'partial' || a.event === 'reachable').map((a) => a.id)).size;
  totals.windowEnds += new Set(s.notifier.accepted.filter((a) => a.event === 'window-end').map((a) => a.id)).size;
  return problems;
}

/**
 * With several vantage points, each alert as its reach shows the looks it was decided from: an
 * outage (`closed` with `expect: open`) only with the quorum not open, an opening only with a view open.
 */
function checkReach(s: ScenarioOutcome): string[] {
  if (s.quorum === undefined) return [];
  const problems: string[] = [];
  for (const a of s.notifier.accepted) {
    if (a.event === 'degraded') continue;
    if (a.reach === undefined) problems.push(`alert ${a.id} (${a.event}) carries no reach`);
    else if (a.event === 'closed' && a.expected === 'open' && a.reach.notOpen.length < s.quorum) problems.push(`alert ${a.id}: outage believed from ${a.reach.notOpen.length} vantage points, quorum ${s.quorum}`);
    else if (a.event === 'opened' && a.reach.open.length === 0) problems.push(`alert ${a.id}: opened with no vantage point seeing it open`);
  }
  return problems;
}

/**
 * Reminders repeat at `remindEvery`, judged by each prober's own clock; in real time two may come
 * closer by at most the two clocks' difference, never twice for one look. A reminder is a new event
 * with its own id, so a double one would pass the id checks: it is a duplicate all the same.
 */
function checkReminders(target: string, history: readonly TargetEvent[], remindEveryMs: number | null, baseTimeOf: ReadonlyMap<string, number>): string[] {
  if (remindEveryMs === null) return [];
  const problems: string[] = [];
  const alerts = history.filter((e) => e.alerted);
  alerts.forEach((e, i) => {
    const before = alerts[i - 1];
    if (e.kind !== 'reminder' || !before) return;
    const gapMs = (baseTimeOf.get(e.at) ?? Date.parse(e.at)) - (baseTimeOf.get(before.at) ?? Date.parse(before.at));
    if (gapMs < remindEveryMs - 2 * MAX_CLOCK_SKEW_MS || gapMs <= 0) problems.push(`${target}: reminder v${e.version} ${gapMs / 1000} s after the alert before it (remindEvery ${remindEveryMs / 1000} s)`);
  });
  return problems;
}
