/** The prober's settings and wiring: what a ProberService is built from, and what one run is given. */
import type { PostureCadence } from '../cadence';
import type { AlertSink, DigestStore, Notifier, StateStore } from '../dependencies';
import type { ProbeOptions, ProbeResult, ProbeSpec } from '../../probe/types';
import type { VantageConfig } from '../vantage-config';

export type ProbeFn = (spec: ProbeSpec, options: ProbeOptions) => Promise<ProbeResult>;

export interface ProberConfig {
  readonly defaultPort: number;
  readonly probeOptions: ProbeOptions;
  /** Targets probed at once within one invocation. @default 64 */
  readonly concurrency: number;
  /** Observations that must agree before an alerting change is believed (1 = no re-probe). @default 2 */
  readonly confirmAttempts: number;
  /** Pause before each re-probe, so a transient loss has time to clear. @default 1000 */
  readonly confirmDelayMs: number;
  /** How long a prober owns an alert it is publishing; after that another may retry it. @default 60000 */
  readonly alertLeaseMs: number;
  readonly storm: StormConfig;
  /** Deep looks at open targets only every so often (cadence.ts); absent or null: every look is deep. */
  readonly cadence?: PostureCadence | null;
  /**
   * Several vantage points look at the same targets (regions, or namespaces locally): this prober's
   * own look is recorded as its view and the decision is made from every view (agreement rules).
   * Absent or null: one vantage point, decided from this prober's look alone, as always.
   */
  readonly vantage?: VantageConfig | null;
}

export interface StormConfig {
  /** Fewer known targets than this in a batch never count as a storm (0 turns detection off). @default 20 */
  readonly minTargets: number;
  /** Share of those targets flipping open/closed at once that makes a storm. @default 0.5 */
  readonly ratio: number;
  /** How long transitions are held before a storm is believed to be real. @default 600000 (two 5-min ticks) */
  readonly holdMs: number;
  /** A storm not seen for this long is over; the next one raises a new alert. @default 900000 */
  readonly quietMs: number;
}

export const DEFAULT_PROBER_CONFIG: Omit<ProberConfig, 'probeOptions' | 'defaultPort'> = {
  concurrency: 64,
  confirmAttempts: 2,
  confirmDelayMs: 1000,
  alertLeaseMs: 60_000,
  storm: { minTargets: 20, ratio: 0.5, holdMs: 600_000, quietMs: 900_000 },
};

export interface ProberDeps {
  readonly store: StateStore;
  readonly notifier: Notifier;
  readonly probe: ProbeFn;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  /** Where digests are kept (digest.ts); without it every target's state is read every tick. */
  readonly digests?: DigestStore;
  /** Channels beside SNS, each sent every alert after SNS accepted it (outbox.ts). @default - none */
  readonly sinks?: readonly AlertSink[];
}

/** A unit of retry: one SQS record in AWS, one packed message locally. */
export interface WorkGroup {
  readonly id: string;
  readonly items: readonly unknown[];
  /** The tick the group belongs to (its scheduled time, plus the fast lane's delay); the posture cadence counts ticks from it. */
  readonly tick?: string;
  /** Fast lane: milliseconds between two looks at the group's targets; absent: the schedule's tick. */
  readonly everyMs?: number;
}

export interface RunOptions {
  /** Milliseconds left before the caller's deadline (a Lambda's remaining time). */
  readonly remainingMs?: () => number;
}
