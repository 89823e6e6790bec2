import type { Alert } from './alert';
import type { AddressResult, Finding, MqttEvidence, ProbeResult, ProbeStatus, TlsEvidence } from '../probe/types';
import type { Expect } from './target';
import type { MaintenanceWindow } from './windows';

/** What a probe saw, kept in the state item and in each event: enough to explain an alert. */
export interface Evidence {
  readonly reason: string;
  readonly latencyMs: number;
  readonly addresses: readonly AddressResult[];
  readonly tls: TlsEvidence | null;
  readonly mqtt: MqttEvidence | null;
}

/** One probe of one target, reduced to what the state rules look at. */
export interface Observation {
  readonly status: ProbeStatus;
  readonly reason: string;
  readonly findings: readonly Finding[];
  readonly evidence: Evidence;
  readonly at: string;
}

export type EventKind =
  /** First sight of a target (or first sight after only errors). */
  | 'baseline'
  /** open <-> not open: always alerted. */
  | 'transition'
  /** A change within "not open" (closed -> filtered) or to/from `error`: recorded, not alerted. */
  | 'status'
  /** The set of findings of an open target changed: alerted. */
  | 'posture'
  /** Still violating `expect` after `remindEvery`: alerted again. */
  | 'reminder'
  /** First look after a maintenance window, when nothing else changed in that look. */
  | 'window-end';

/** One item of a target's history. */
export interface TargetEvent {
  readonly target: string;
  /** State version this event produced; orders the history and makes the event write idempotent. */
  readonly version: number;
  readonly kind: EventKind;
  readonly at: string;
  readonly from: ProbeStatus | null;
  readonly to: ProbeStatus;
  readonly findingsBefore: readonly Finding[];
  readonly findings: readonly Finding[];
  readonly reason: string;
  readonly evidence: Evidence;
  readonly alerted: boolean;
}

/**
 * Work a decision leaves behind: the history event to write and the alert to publish. It lives in the
 * state item (an outbox) from the moment the decision is written, so a crash or an SNS outage between
 * the decision and its side effects loses nothing: whoever next sees the item finishes the work.
 */
export interface OutboxEntry {
  readonly id: string;
  readonly event: TargetEvent;
  readonly alert: Alert | null;
  /** Lease taken by the prober publishing the alert, so two probers never publish it both. */
  readonly claimedUntil: string | null;
  /** Random token of the lease holder: tells a prober whose write landed but whose answer was lost that it holds the lease. */
  readonly claimedBy?: string;
}

/** The current-state item of one target. Every change to it is conditional on `version`. */
export interface TargetState {
  readonly target: string;
  readonly display: string;
  readonly status: ProbeStatus;
  /** Open/closed status; null while the target has only ever failed to be probed (`error`). */
  readonly open: boolean | null;
  /** When `open` last changed (or was first known). */
  readonly since: string;
  /** When `status` last changed. */
  readonly statusSince: string;
  readonly reason: string;
  readonly findings: readonly Finding[];
  readonly evidence: Evidence;
  readonly expect: Expect | null;
  readonly version: number;
  readonly updatedAt: string;
  readonly outbox: readonly OutboxEntry[];
  /** The state before the current mute or maintenance window; null outside windows. */
  readonly held?: HeldState | null;
  /** Last time an alert for this target was raised (reminders count from here). */
  readonly lastAlertAt?: string | null;
}

/** What the target looked like when a window began holding its alerts. */
export interface HeldState {
  readonly open: boolean | null;
  readonly status: ProbeStatus | null;
  readonly findings: readonly Finding[];
  readonly since: string | null;
}

/** Scanner-wide state (one item): the alert storm currently being held, if any. */
export interface ScannerState {
  readonly version: number;
  /** Mutes and maintenance windows for every target (`portwatch mute --all`). */
  readonly windows?: readonly MaintenanceWindow[];
  readonly stormSince: string | null;
  readonly stormLastSeen: string | null;
}

/** Findings whose appearance is a security incident on its own, whatever `expect` says. */
export const CRITICAL_FINDINGS: readonly Finding[] = ['anonymous-access', 'plaintext-mqtt'];

/** Caps what one item stores so a host with hundreds of addresses cannot push it past 400 KB. */
const MAX_STORED_ADDRESSES = 16;

export function observationFromProbe(result: ProbeResult): Observation {
  return {
    status: result.status,
    reason: result.reason,
    findings: [...result.findings].sort(),
    at: result.at,
    evidence: {
      reason: result.reason,
      latencyMs: result.latencyMs,
      addresses: result.addresses.slice(0, MAX_STORED_ADDRESSES),
      tls: result.tls,
      mqtt: result.mqtt,
    },
  };
}

/** The observation recorded for an item that cannot be probed because it failed validation. */
export function invalidTargetObservation(reason: string, at: string): Observation {
  return {
    status: 'error',
    reason,
    findings: [],
    at,
    evidence: { reason, latencyMs: 0, addresses: [], tls: null, mqtt: null },
  };
}

export function sameFindings(a: readonly Finding[], b: readonly Finding[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((f) => set.has(f));
}

export function eventItemId(target: string, version: number): string {
  return `${target}@${version}`;
}
