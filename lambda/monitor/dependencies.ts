/** What the monitor needs from the outside world (state table, digests, alerts, targets, queue), as interfaces the adapters implement. */
import type { ProbeMessage } from '../contracts/probe-message';
import type { Origin, RootCause } from './exposure-model';
import type { Alert, Heartbeat, ScannerState, StateDigest, TargetEvent, TargetInfo, TargetState, VantageView } from './model';

/**
 * The state table as the core sees it. Adapters throw on infrastructure failures (throttling,
 * 5xx, timeouts) so that SQS retries and the DLQ work; a lost race is a normal result, not an error.
 */
export interface StateStore {
  /** One batched read of many targets' current state; may be eventually consistent. */
  getStates(targets: readonly string[]): Promise<Map<string, TargetState>>;
  /** Strongly consistent: what a conditional write will be checked against. */
  getState(target: string): Promise<TargetState | null>;
  /**
   * Writes the whole item only if its stored version is `expectedVersion` (null: only if absent).
   * Resolves false when another writer got there first.
   */
  putState(state: TargetState, expectedVersion: number | null): Promise<boolean>;
  /** Idempotent: writing the same event twice leaves one item. */
  putEvent(event: TargetEvent): Promise<void>;
  listStates(): AsyncIterable<TargetState>;
  /** Newest first. */
  history(target: string, limit?: number): Promise<TargetEvent[]>;
  getScanner(): Promise<ScannerState | null>;
  /** Conditional like putState. */
  putScanner(state: ScannerState, expectedVersion: number | null): Promise<boolean>;
}

/**
 * Several vantage points (agreement.ts): each one's confirmed view of a target, kept beside the
 * target's state, and each one's heartbeat. Implemented by the same store as StateStore; views and
 * heartbeats are never listed as states nor returned as history.
 */
export interface VantageStore {
  /** The stored views of `targets` from `vantages`, by target then vantage; eventually consistent unless `consistent`. */
  getViews(targets: readonly string[], vantages: readonly string[], consistent?: boolean): Promise<Map<string, Map<string, VantageView>>>;
  /** Conditional like putState, on the view's own version (null: only if absent). */
  putView(view: VantageView, expectedVersion: number | null): Promise<boolean>;
  /** The last heartbeat of each of `vantages` that ever wrote one; may be eventually consistent. */
  getHeartbeats(vantages: readonly string[]): Promise<Map<string, Heartbeat>>;
  /** Stores the heartbeat unless the stored one is as new or newer (`at`); resolves whether it did. */
  putHeartbeat(vantage: string, heartbeat: Heartbeat): Promise<boolean>;
}

/** Whether a state store also keeps vantage views (a prober with several vantage points needs one that does). */
export function keepsViews(store: StateStore): store is StateStore & VantageStore {
  const s = store as Partial<VantageStore>;
  return typeof s.getViews === 'function' && typeof s.putView === 'function' && typeof s.getHeartbeats === 'function' && typeof s.putHeartbeat === 'function';
}

/**
 * Digests on the Targets items (digest.ts). Both writes are conditional on versions so that a digest
 * older than the state can never be stored over a newer one, and neither recreates a removed target.
 */
export interface DigestStore {
  /** Stores the digest unless the item already holds one of the same or a newer version; resolves whether it did. */
  record(target: string, digest: StateDigest): Promise<boolean>;
  /**
   * Called before state `version` is written: replaces the digest with a tombstone of that version,
   * so that no prober still holding an older state can store its digest afterwards. Throws only on
   * infrastructure failure (then the state must not be written).
   */
  invalidate(target: string, version: number): Promise<void>;
}

/** Delivers an alert; resolves only once the channel has accepted it, throws otherwise. */
export interface Notifier {
  publish(alert: Alert): Promise<void>;
}

/** The name of the alerts topic's delivery mark on an outbox entry (OutboxEntry.delivered): always the first channel. */
export const PRIMARY_CHANNEL = 'sns';

/**
 * A channel beside the alerts topic (Security Hub, EventBridge, the chat topic). It is sent an alert
 * only after SNS accepted it, and its refusal neither fails the run nor re-sends SNS: the alert stays
 * in the outbox for this channel alone and is retried by a later run (outbox.ts).
 */
export interface AlertSink {
  /** Stable: the delivery mark on an outbox entry and the `sink` dimension of its metrics. */
  readonly name: string;
  /** Resolves once the channel accepted the alert; throws otherwise. */
  deliver(alert: Alert): Promise<void>;
  /**
   * For channels whose records expire (Security Hub deletes a finding not updated for 90 days): sends
   * again what quiet targets still hold. Driven by the prober's refresh (prober/refresh.ts).
   */
  refresh?(targets: readonly RefreshTarget[]): Promise<void>;
}

/** A quiet target due for a refresh: its state, the settings a finding names, and when this tick saw it. */
export interface RefreshTarget {
  readonly state: TargetState;
  readonly info: TargetInfo;
  readonly at: string;
}

/** Pages of raw, unvalidated Targets-table items (plain JSON values). */
export interface TargetSource {
  scan(segment: number, totalSegments: number): AsyncIterable<readonly Record<string, unknown>[]>;
}

export interface ProbeQueue {
  send(messages: readonly ProbeMessage[]): Promise<void>;
}

/**
 * Explains why a discovered resource is reachable on a port (lambda/adapters/aws/aws-root-cause.ts):
 * its security-group rules, recent changes, the revoke commands. Best effort: what it cannot read is
 * in the answer's notes; it throws only when it can read nothing at all.
 */
export interface RootCauseLookup {
  /** `host`: the address or name probed; an IPv4 address is admitted only by IPv4 rules, and so on. */
  explain(origin: Origin, host: string, port: number, at: string): Promise<RootCause>;
}
