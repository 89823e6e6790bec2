/**
 * The monitor's plain records: targets, observations, state items, events and alerts, as types
 * only. It sits below every rule that reads or writes them and imports nothing but the probe's
 * result types, so the monitor's modules can share these shapes without importing each other.
 */
import type { AddressResult, CertFacts, Finding, MqttEvidence, PlaintextListenerEvidence, ProbeSpec, ProbeStatus, TlsEvidence } from '../probe/types';
import type { Origin, RootCause } from './exposure-model';

/** What the user wants to hear about: `closed` = alert when it opens, `open` = alert when it closes. */
export type Expect = 'open' | 'closed';

/**
 * Maintenance windows and mutes: during one, state is still recorded but alerts are held; when it
 * ends, one alert tells what differs from the state before the window (or nothing, if nothing does).
 */
export type MaintenanceWindow =
  | { readonly kind: 'until'; readonly until: string }
  | { readonly kind: 'cron'; readonly cron: string; readonly tz: string; readonly durationMs: number };

export interface StateDigest {
  /** State version the digest was taken from. */
  readonly v: number;
  readonly s: ProbeStatus;
  /** Findings, sorted, comma-separated. */
  readonly f: string;
  /** When a reminder falls due (epoch ms); absent when none can. */
  readonly r?: number;
  /** The target settings the state rules read (expect, reminders): a change of them is a miss. */
  readonly c: string;
  /**
   * The leaf certificates the state knows (TargetState.knownCerts), each as the first 16 hex digits
   * of its fingerprint, comma-separated; '' when none. A digest without it (written before
   * certificates were compared) is not read at all (digest-field.ts).
   */
  readonly k: string;
}

/** A validated Targets-table item. */
export interface Target extends ProbeSpec {
  /** `host:port`, with brackets for IPv6: how the target is shown in alerts. */
  readonly display: string;
  readonly expect: Expect | null;
  readonly enabled: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly description: string | null;
  /** Mutes and maintenance windows (`muteUntil`, `maintenance`): alerts held while one is active. */
  readonly windows: readonly MaintenanceWindow[];
  /** Re-alert this often while the target violates `expect`; null: no reminders. */
  readonly remindEveryMs: number | null;
  /** The prober's digest of the target's last quiet state; null or absent: none (read the state). */
  readonly digest?: StateDigest | null;
  /** Set on targets written by discovery (the AWS resource behind them); absent on the user's own. */
  readonly origin?: Origin;
  /** The fast lane (lane.ts): a look every so many ms, or `schedule`; absent: the stack's default. */
  readonly every?: number | 'schedule';
}

/** What the state rules need to know about a target beyond its key. */
export type TargetInfo = Pick<Target, 'target' | 'display' | 'expect' | 'labels' | 'description' | 'remindEveryMs' | 'origin'>;

/** What a probe saw, kept in the state item and in each event: enough to explain an alert. */
export interface Evidence {
  readonly reason: string;
  readonly latencyMs: number;
  readonly addresses: readonly AddressResult[];
  readonly tls: TlsEvidence | null;
  readonly mqtt: MqttEvidence | null;
  /** Absent in evidence recorded before the plaintext-listener check, and in evidence of depth tcp/tls. */
  readonly plaintextListener?: PlaintextListenerEvidence | null;
}

/** One probe of one target, reduced to what the state rules look at. */
export interface Observation {
  readonly status: ProbeStatus;
  readonly reason: string;
  readonly findings: readonly Finding[];
  readonly evidence: Evidence;
  readonly at: string;
}

/**
 * `opened`/`closed`: a transition; `baseline`: first sight violating `expect`; `posture`: findings
 * changed; `degraded`: the scanner itself saw too many targets change at once and holds their alerts.
 */
export type AlertEvent = 'opened' | 'closed' | 'recovered' | 'baseline' | 'posture' | 'cert-changed' | 'reminder' | 'window-end' | 'degraded' | 'partial' | 'reachable';

/**
 * What several vantage points (regions, or namespaces locally) see of one target, by name: where it
 * is open, where it is not, and where nothing current is known (no view yet, the look failed, or the
 * vantage point stopped reporting). Each list sorted. Partial reachability: `open` and `notOpen`
 * both non-empty.
 */
export interface Reach {
  readonly open: readonly string[];
  readonly notOpen: readonly string[];
  readonly unknown: readonly string[];
  /** When the target became partially reachable; null while it is not. */
  readonly partialSince: string | null;
}

/** One vantage point's own confirmed look at a target, kept beside the state so every vantage point's decision can read it. */
export interface VantageView {
  readonly target: string;
  readonly vantage: string;
  /** This vantage point's confirmed observation. */
  readonly observation: Observation;
  /** When this view's open/not-open began. */
  readonly since: string;
  /** Conditional writes: one prober of a region never stores an older view over a newer one. */
  readonly version: number;
}

/** A vantage point's heartbeat: the start of the last tick it ran, and of the one before (null: none). */
export interface Heartbeat {
  readonly at: string;
  readonly previous: string | null;
}

/** Why a new leaf certificate is not a renewal (cert-change.ts); none for a renewal. */
export type CertChangeReason = 'new-key' | 'new-issuer' | 'earlier-expiry' | 'same-expiry';

/** A new leaf certificate on an open port: the one it replaced, and why it is not a renewal. */
export interface CertChange {
  readonly before: CertFacts;
  /** Empty for a renewal (same key and issuer, later expiry). */
  readonly reasons: readonly CertChangeReason[];
}

/** `critical`: violates `expect` or a critical finding appeared; `info`: back to the expected state. */
export type Severity = 'critical' | 'warning' | 'info';

export interface Alert {
  /** Unique per decision (`target@version`): subscribers can de-duplicate on it. */
  readonly id: string;
  readonly event: AlertEvent;
  readonly target: string;
  readonly display: string;
  readonly status: ProbeStatus;
  readonly previous: ProbeStatus | null;
  readonly open: boolean;
  readonly expected: Expect | null;
  readonly severity: Severity;
  readonly at: string;
  /** When the previous open/closed status began; null on a baseline. */
  readonly previousSince: string | null;
  readonly findings: readonly Finding[];
  readonly addedFindings: readonly Finding[];
  readonly removedFindings: readonly Finding[];
  readonly reason: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly description: string | null;
  readonly evidence: Evidence;
  /** On a `cert-changed` alert: the certificate before (the new one is in `evidence.tls.cert`). */
  readonly certChange?: CertChange;
  /** On a discovered target's alert: the AWS resource behind it. */
  readonly origin?: Origin;
  /** On a discovered target opening against `expect: closed`: the rules and changes that opened it (root-cause-notifier.ts). */
  readonly rootCause?: RootCause;
  /** With several vantage points: where the target is open and where not. Absent with one vantage point. */
  readonly reach?: Reach;
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
  /** A new leaf certificate that is not a renewal (new key or issuer, or no later expiry): alerted. */
  | 'cert-changed'
  /** A renewal (same key and issuer, later expiry): recorded, not alerted. */
  | 'cert-renewed'
  /** Still violating `expect` after `remindEvery`: alerted again. */
  | 'reminder'
  /** First look after a maintenance window, when nothing else changed in that look. */
  | 'window-end'
  /** Several vantage points: the target became, or stopped being, partially reachable (open from some, not from others). */
  | 'reach';

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
  /** On `cert-changed` and `cert-renewed`: the certificate before, and why it is not a renewal. */
  readonly certChange?: CertChange;
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
  /**
   * Channels that accepted the alert: `sns` (the alerts topic, always first), then the extra sinks by
   * name (Security Hub, EventBridge, chat). A channel named here is never sent the alert again.
   * Absent: none yet.
   */
  readonly delivered?: readonly string[];
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
  /**
   * SHA-256 fingerprints of the leaf certificates recently recorded, newest first (at most
   * MAX_KNOWN_CERTS): a certificate among them is not news (cert-change.ts). Absent: none yet.
   */
  readonly knownCerts?: readonly string[];
  /** With several vantage points: what each of them sees. Absent with one vantage point. */
  readonly reach?: Reach | null;
  /** The current partial reach was alerted (`partial`): leaving it alerts `reachable`. Absent: not alerted. */
  readonly partialAlerted?: boolean;
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
  /** SNS refused the storm's `degraded` alert: the next stormy batch raises it again. Absent: not owed. */
  readonly stormAlertOwed?: boolean;
}
