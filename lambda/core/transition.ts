import type { Alert, AlertEvent, Severity } from './alert';
import type { Finding } from './probe/types';
import {
  CRITICAL_FINDINGS,
  eventItemId,
  sameFindings,
  type EventKind,
  type Observation,
  type OutboxEntry,
  type TargetEvent,
  type TargetState,
} from './state';
import type { Target } from './target';

/** What the state rules need to know about a target beyond its key. */
export type TargetInfo = Pick<Target, 'target' | 'display' | 'expect' | 'labels' | 'description'>;

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

function isViolation(info: TargetInfo, open: boolean): boolean {
  return (info.expect === 'closed' && open) || (info.expect === 'open' && !open);
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

/**
 * The state rules of DESIGN.md as one pure function: (previous state, confirmed observation) ->
 * nothing to write, or the next state item with the event and alert it owes.
 */
export function decide(prev: TargetState | null, obs: Observation, info: TargetInfo): Decision {
  const probed = obs.status !== 'error';
  const open = obs.status === 'open';
  // Findings describe an open port; a closed one has none, and an error tells us nothing new.
  const findings: readonly Finding[] = open ? obs.findings : probed ? [] : (prev?.findings ?? []);

  let event: EventKind;
  let alertEvent: AlertEvent | null = null;
  let severity: Severity = 'info';
  let nextOpen: boolean | null;

  if (prev === null || prev.open === null) {
    if (!probed) {
      if (prev !== null && prev.status === 'error' && prev.reason === obs.reason) return NONE;
      event = prev === null ? 'baseline' : 'status';
      nextOpen = null;
    } else {
      event = 'baseline';
      nextOpen = open;
      // A first sight alerts only when it already violates `expect`, or when the broker is open to
      // anyone: an anonymous broker is the incident we exist for, even on the day it is added.
      const criticalFinding = open && findings.some((f) => CRITICAL_FINDINGS.includes(f));
      if (isViolation(info, open) || criticalFinding) {
        alertEvent = 'baseline';
        severity = 'critical';
      }
    }
  } else if (!probed) {
    // `error` is never treated as closed: record that the target cannot be probed, keep open/closed.
    if (prev.status === 'error') return NONE;
    event = 'status';
    nextOpen = prev.open;
  } else if (prev.open !== open) {
    event = 'transition';
    nextOpen = open;
    alertEvent = open ? 'opened' : 'closed';
    severity = transitionSeverity(info, open, findings);
  } else if (open && !sameFindings(prev.findings, findings)) {
    event = 'posture';
    nextOpen = open;
    alertEvent = 'posture';
    severity = postureSeverity(diff(prev.findings, findings).added);
  } else if (prev.status !== obs.status) {
    event = 'status';
    nextOpen = open;
  } else {
    return NONE;
  }

  const version = (prev?.version ?? 0) + 1;
  const id = eventItemId(info.target, version);
  const findingsBefore = prev?.findings ?? [];
  const { added, removed } = diff(findingsBefore, findings);
  const openChanged = prev === null || prev.open !== nextOpen;
  const alert: Alert | null =
    alertEvent === null
      ? null
      : {
          id,
          event: alertEvent,
          target: info.target,
          display: info.display,
          status: obs.status,
          previous: prev?.status ?? null,
          open,
          expected: info.expect,
          severity,
          at: obs.at,
          previousSince: prev && prev.open !== null ? prev.since : null,
          findings,
          addedFindings: added,
          removedFindings: removed,
          reason: obs.reason,
          labels: info.labels,
          description: info.description,
          evidence: obs.evidence,
        };
  const historyEvent: TargetEvent = {
    target: info.target,
    version,
    kind: event,
    at: obs.at,
    from: prev?.status ?? null,
    to: obs.status,
    findingsBefore,
    findings,
    reason: obs.reason,
    evidence: obs.evidence,
    alerted: alert !== null,
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
    outbox: [...(prev?.outbox ?? []), entry],
  };
  return { kind: 'write', event, next, alert };
}

/**
 * Whether a decision must be confirmed by a re-probe before it is believed: anything that alerts.
 * Silent records (closed -> filtered) are cheap to get wrong and are not re-probed.
 */
export function needsConfirmation(decision: Decision): boolean {
  return decision.kind === 'write' && decision.alert !== null;
}

/** Two decisions agree when they move the target to the same open/closed status and findings. */
export function sameOutcome(a: Decision, b: Decision): boolean {
  if (a.kind === 'none' || b.kind === 'none') return a.kind === b.kind;
  return a.event === b.event && a.next.open === b.next.open && sameFindings(a.next.findings, b.next.findings);
}
