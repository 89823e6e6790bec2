/** The state rules: (previous state, confirmed observation) -> what to write and alert, and the violation and reminder rules that digests reuse. */
import type { Finding } from '../probe/types';
import { certChange, nextKnownCerts } from './cert-change';
import { PRIMARY_CHANNEL } from './dependencies';
import type { ReachNow } from './agreement';
import type { Alert, AlertEvent, CertChange, EventKind, HeldState, Observation, OutboxEntry, Reach, Severity, TargetEvent, TargetInfo, TargetState } from './model';
import { reachStep } from './reach';
import { eventItemId, sameFindings } from './state';

export type Decision =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'write';
      readonly event: EventKind;
      /** The next state item, version already bumped, the new outbox entry appended. */
      readonly next: TargetState;
      readonly alert: Alert | null;
    };

const NONE: Decision = { kind: 'none' };

/** Findings whose appearance is a security incident on its own, whatever `expect` says. */
const CRITICAL_FINDINGS: readonly Finding[] = ['anonymous-access', 'plaintext-mqtt'];

/** Whether a target being open (or not) goes against what its `expect` asks for. */
export function isViolation(info: Pick<TargetInfo, 'expect'>, open: boolean): boolean {
  return (info.expect === 'closed' && open) || (info.expect === 'open' && !open);
}

/**
 * When a reminder about this state falls due (epoch ms), counted from its last alert or else from
 * when it became open or closed; null when none can: no violation, or no reminders asked for.
 */
export function reminderDueAt(state: Pick<TargetState, 'open' | 'since' | 'lastAlertAt'>, info: Pick<TargetInfo, 'expect' | 'remindEveryMs'>): number | null {
  if (state.open === null || info.remindEveryMs === null || !isViolation(info, state.open)) return null;
  return Date.parse(state.lastAlertAt ?? state.since) + info.remindEveryMs;
}

/** Whether a reminder due at `dueAtMs` is owed at `atMs`; "not before" so that an unreadable time errs towards reminding, not silence. */
export function reminderDue(dueAtMs: number, atMs: number): boolean {
  return !(atMs < dueAtMs);
}

function diff(before: readonly Finding[], after: readonly Finding[]): { added: Finding[]; removed: Finding[] } {
  return { added: after.filter((f) => !before.includes(f)), removed: before.filter((f) => !after.includes(f)) };
}

function transitionSeverity(info: TargetInfo, open: boolean, findings: readonly Finding[]): Severity {
  if (isViolation(info, open)) return 'critical';
  if (open && findings.some((f) => CRITICAL_FINDINGS.includes(f))) return 'critical';
  return info.expect === null ? 'warning' : 'info';
}

function postureSeverity(added: readonly Finding[]): Severity {
  if (added.some((f) => CRITICAL_FINDINGS.includes(f))) return 'critical';
  return added.length > 0 ? 'warning' : 'info';
}

/** What decide needs to know beyond the state and the observation. */
export interface DecideContext {
  /** A mute or maintenance window covers this target now: record, but hold alerts. */
  readonly muted: boolean;
  /** Several vantage points: where the target is open and where not now (agreement.ts). Absent: one vantage point. */
  readonly reach?: ReachNow | null;
  /** How long a partial reach stands before it is alerted (one tick period). @default 0 */
  readonly partialSettleMs?: number;
}

const UNMUTED: DecideContext = { muted: false };

/** The change an observation makes, before windows and reminders are applied. */
interface Change {
  readonly event: EventKind;
  readonly nextOpen: boolean | null;
  readonly findings: readonly Finding[];
  readonly alertEvent: AlertEvent | null;
  readonly severity: Severity;
  /** On a certificate event: the certificate before, and why it is not a renewal. */
  readonly certChange?: CertChange;
}

function classify(prev: TargetState | null, obs: Observation, info: TargetInfo): Change | null {
  const probed = obs.status !== 'error';
  const open = obs.status === 'open';
  // Findings describe an open port; a closed one has none, and an error tells us nothing new.
  const findings: readonly Finding[] = open ? obs.findings : probed ? [] : (prev?.findings ?? []);
  const change = (event: EventKind, nextOpen: boolean | null, alertEvent: AlertEvent | null = null, severity: Severity = 'info'): Change => ({
    event,
    nextOpen,
    findings,
    alertEvent,
    severity,
  });

  if (prev === null || prev.open === null) {
    if (!probed) {
      if (prev !== null && prev.status === 'error' && prev.reason === obs.reason) return null;
      return change(prev === null ? 'baseline' : 'status', null);
    }
    // A first sight alerts only when it already violates `expect`, or when the broker is open to
    // anyone: an anonymous broker is the incident we exist for, even on the day it is added.
    const criticalFinding = open && findings.some((f) => CRITICAL_FINDINGS.includes(f));
    return isViolation(info, open) || criticalFinding ? change('baseline', open, 'baseline', 'critical') : change('baseline', open);
  }
  if (!probed) {
    // `error` is never treated as closed: record that the target cannot be probed, keep open/closed.
    return prev.status === 'error' ? null : change('status', prev.open);
  }
  if (prev.open !== open) {
    const recovered = info.expect !== null && isViolation(info, prev.open) && !isViolation(info, open);
    return change('transition', open, recovered ? 'recovered' : open ? 'opened' : 'closed', transitionSeverity(info, open, findings));
  }
  if (open && !sameFindings(prev.findings, findings)) {
    return change('posture', open, 'posture', postureSeverity(diff(prev.findings, findings).added));
  }
  // Below open/closed and findings: a new certificate that also changes the findings (now
  // self-signed, say) is alerted as the posture change it is, its certificate in the evidence.
  const cert = open ? certChange(prev, obs.evidence.tls) : null;
  if (cert !== null) {
    // A warning, not critical: a planned re-key is the usual cause; the alert says what to check if it was not.
    const base = cert.reasons.length > 0 ? change('cert-changed', open, 'cert-changed', 'warning') : change('cert-renewed', open);
    return { ...base, certChange: cert };
  }
  return prev.status !== obs.status ? change('status', open) : null;
}

/**
 * The state rules (README, "How state and alerts work") as one pure function: (previous state, confirmed observation) ->
 * nothing to write, or the next state item with the event and alert it owes. Mutes hold alerts
 * (the state before the window is kept in `held`); the first look after a window alerts only if
 * the target differs from that state; a target that keeps violating `expect` is re-alerted every
 * `remindEveryMs`.
 */
export function decide(prev: TargetState | null, obs: Observation, info: TargetInfo, ctx: DecideContext = UNMUTED): Decision {
  const decision = decideOne(prev, obs, info, ctx);
  return ctx.reach ? withReach(prev, obs, info, ctx, ctx.reach, decision) : decision;
}

/**
 * Several vantage points: the decision made from the combined observation, with the reach recorded
 * on the state and every alert. A partial reach that begins, ends or changes sides is a silent
 * `reach` event of its own; its `partial` and `reachable` alerts ride on such an event, never on
 * another change's write (that change's alert carries the reach; the reach alert waits a look).
 */
function withReach(prev: TargetState | null, obs: Observation, info: TargetInfo, ctx: DecideContext, now: ReachNow, decision: Decision): Decision {
  const open = decision.kind === 'write' ? decision.next.open : (prev?.open ?? null);
  const step = reachStep(prev, { now, open, expect: info.expect, at: obs.at, settleMs: ctx.partialSettleMs ?? 0, muted: ctx.muted });
  const stillAlerted = step.alertedBefore && step.reach.partialSince !== null;
  if (decision.kind === 'write') return withReachFields(decision, step.reach, stillAlerted);
  if (prev === null || (!step.changed && step.owed === null)) return decision;
  const change: Change = { event: 'reach', nextOpen: prev.open, findings: prev.findings, alertEvent: step.owed, severity: step.owed === 'partial' ? 'warning' : 'info' };
  const written = build(prev, { ...obs, status: prev.status, findings: prev.findings }, info, change, prev.held ?? null);
  return written.kind === 'write' ? withReachFields(written, step.reach, stillAlerted || step.owed === 'partial') : written;
}

/** The reach on the next state and on the decision's alert (in the outbox entry too). */
function withReachFields(d: Decision & { kind: 'write' }, reach: Reach, partialAlerted: boolean): Decision {
  const alert = d.alert === null ? null : { ...d.alert, reach };
  const outbox = alert === null ? d.next.outbox : d.next.outbox.map((e) => (e.id === alert.id ? { ...e, alert } : e));
  return { ...d, alert, next: { ...d.next, outbox, reach, partialAlerted } };
}

function decideOne(prev: TargetState | null, obs: Observation, info: TargetInfo, ctx: DecideContext): Decision {
  const base = classify(prev, obs, info);
  const held = prev?.held ?? null;

  if (ctx.muted) {
    if (base === null) return NONE;
    const snapshot = base.alertEvent === null ? held : (held ?? snapshotOf(prev));
    return build(prev, obs, info, { ...base, alertEvent: null }, snapshot);
  }

  if (held !== null && prev !== null) {
    const nextOpen = base ? base.nextOpen : prev.open;
    const findings = base ? base.findings : prev.findings;
    const status = base ? obs.status : prev.status;
    const differs = held.open !== nextOpen || !sameFindings(held.findings, findings);
    let alertEvent: AlertEvent | null = null;
    let severity: Severity = 'info';
    if (nextOpen !== null && differs) {
      const criticalFinding = nextOpen && findings.some((f) => CRITICAL_FINDINGS.includes(f));
      // A target first seen during the window has no "before": alert as a baseline would.
      if (held.open !== null || isViolation(info, nextOpen) || criticalFinding) {
        alertEvent = 'window-end';
        severity = isViolation(info, nextOpen) || criticalFinding ? 'critical' : held.open !== null && isViolation(info, held.open) ? 'info' : 'warning';
      }
    }
    const change: Change = base ? { ...base, alertEvent, severity } : { event: 'window-end', nextOpen, findings, alertEvent, severity };
    return build(prev, base ? obs : { ...obs, status, reason: prev.reason, findings, evidence: prev.evidence }, info, change, null, held);
  }

  if (base === null) {
    const dueAt = prev === null || obs.status === 'error' ? null : reminderDueAt(prev, info);
    if (prev === null || dueAt === null) return NONE;
    // While an earlier alert is still owed (SNS refusing), a reminder would only pile up behind it;
    // one SNS accepted and only a sink still owes does not hold reminders back.
    if (prev.outbox.some((e) => e.alert !== null && !(e.delivered ?? []).includes(PRIMARY_CHANNEL))) return NONE;
    if (!reminderDue(dueAt, Date.parse(obs.at))) return NONE;
    const reminder: Change = { event: 'reminder', nextOpen: prev.open, findings: prev.findings, alertEvent: 'reminder', severity: 'critical' };
    return build(prev, { ...obs, status: prev.status, findings: prev.findings }, info, reminder, null);
  }
  return build(prev, obs, info, base, null);
}

function snapshotOf(prev: TargetState | null): HeldState {
  return prev === null ? { open: null, status: null, findings: [], since: null } : { open: prev.open, status: prev.status, findings: prev.findings, since: prev.since };
}

function build(prev: TargetState | null, obs: Observation, info: TargetInfo, change: Change, held: HeldState | null, windowBefore?: HeldState): Decision {
  const { event, nextOpen, findings, alertEvent, severity } = change;
  const version = (prev?.version ?? 0) + 1;
  const id = eventItemId(info.target, version);
  // After a window, the alert compares against the state before the window, not the last look.
  const before: { status: TargetState['status'] | null; findings: readonly Finding[]; since: string | null; open: boolean | null } = windowBefore
    ? { status: windowBefore.status, findings: windowBefore.findings, since: windowBefore.since, open: windowBefore.open }
    : { status: prev?.status ?? null, findings: prev?.findings ?? [], since: prev && prev.open !== null ? prev.since : null, open: prev?.open ?? null };
  const { added, removed } = diff(before.findings, findings);
  const openChanged = prev === null || prev.open !== nextOpen;
  const certFacts = change.certChange === undefined ? {} : { certChange: change.certChange };
  const alert: Alert | null =
    alertEvent === null
      ? null
      : {
          id,
          event: alertEvent,
          target: info.target,
          display: info.display,
          status: obs.status,
          previous: before.status,
          open: nextOpen === true,
          expected: info.expect,
          severity,
          at: obs.at,
          previousSince: before.since,
          findings,
          addedFindings: added,
          removedFindings: removed,
          reason: obs.reason,
          labels: info.labels,
          description: info.description,
          evidence: obs.evidence,
          ...(alertEvent === 'cert-changed' ? certFacts : {}),
          ...(info.origin ? { origin: info.origin } : {}),
        };
  const historyEvent: TargetEvent = {
    target: info.target,
    version,
    kind: event,
    at: obs.at,
    from: prev?.status ?? null,
    to: obs.status,
    findingsBefore: prev?.findings ?? [],
    findings,
    reason: obs.reason,
    evidence: obs.evidence,
    alerted: alert !== null,
    ...certFacts,
  };
  const entry: OutboxEntry = { id, event: historyEvent, alert, claimedUntil: null };
  const next: TargetState = {
    target: info.target,
    display: info.display,
    status: obs.status,
    open: nextOpen,
    since: openChanged ? obs.at : (prev?.since ?? obs.at),
    statusSince: prev?.status === obs.status ? prev.statusSince : obs.at,
    reason: obs.reason,
    findings,
    evidence: obs.evidence,
    expect: info.expect,
    version,
    updatedAt: obs.at,
    outbox: appendBounded(prev?.outbox ?? [], entry),
    held,
    lastAlertAt: alert !== null ? obs.at : (prev?.lastAlertAt ?? null),
    ...knownCertsField(prev, obs),
  };
  return { kind: 'write', event, next, alert };
}

function knownCertsField(prev: TargetState | null, obs: Observation): Pick<TargetState, 'knownCerts'> {
  const known = nextKnownCerts(prev, obs.evidence.tls);
  return known === undefined ? {} : { knownCerts: known };
}

/**
 * Most entries an outbox keeps. Entries pile up only while their flush keeps failing (SNS down and a
 * target that keeps changing); a state item must stay far below DynamoDB's 400 KB item limit, or
 * no write to it could succeed again.
 */
export const MAX_OUTBOX = 20;

/** Appends; beyond MAX_OUTBOX drops the oldest history-only entries, then the oldest alerts. */
function appendBounded(outbox: readonly OutboxEntry[], entry: OutboxEntry): OutboxEntry[] {
  const next = [...outbox, entry];
  while (next.length > MAX_OUTBOX) {
    const silent = next.findIndex((e) => e.alert === null);
    next.splice(silent === -1 ? 0 : silent, 1);
  }
  return next;
}

/**
 * Whether a decision must be confirmed by a re-probe before it is believed: anything that alerts.
 * Silent records (closed -> filtered) are cheap to get wrong and are not re-probed.
 */
export function needsConfirmation(decision: Decision): boolean {
  return decision.kind === 'write' && decision.alert !== null;
}

/**
 * Two decisions agree when they move the target to the same open/closed status and findings, and a
 * certificate change to the same certificate (two backends presenting two new certificates is not
 * one change confirmed).
 */
export function sameOutcome(a: Decision, b: Decision): boolean {
  if (a.kind === 'none' || b.kind === 'none') return a.kind === b.kind;
  const sameCert = a.event !== 'cert-changed' || a.next.evidence.tls?.cert?.fingerprint256 === b.next.evidence.tls?.cert?.fingerprint256;
  return a.event === b.event && a.next.open === b.next.open && sameFindings(a.next.findings, b.next.findings) && sameCert;
}
