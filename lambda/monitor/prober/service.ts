import { randomUUID } from 'node:crypto';
import { DEFAULT_TICK_MS, postureDue, type PostureCadence } from '../cadence';
import { configKey, digestCheckDue, digestOf, digestSettles, sameDigest } from '../digest';
import type { DigestStore, Notifier, StateStore } from '../dependencies';
import { maxProbeDurationMs } from '../../probe';
import { mapBounded } from '../../probe/limiter';
import type { ProbeOptions, ProbeResult, ProbeSpec, ProbeStatus } from '../../probe/types';
import { degradedAlert } from '../alert';
import type { Observation, OutboxEntry, ScannerState, StateDigest, Target, TargetInfo, TargetState } from '../model';
import { invalidTargetObservation, observationFromProbe } from '../state';
import { formatFieldError, itemKey, parseTargetItem } from '../target';
import { decide, needsConfirmation, sameOutcome, type DecideContext, type Decision } from '../transition';
import { activeWindowEnd } from '../windows';

const UNMUTED: DecideContext = { muted: false };

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
}

/** A unit of retry: one SQS record in AWS, one packed message locally. */
export interface WorkGroup {
  readonly id: string;
  readonly items: readonly unknown[];
  /** The tick the group belongs to (its scheduled time); the posture cadence counts ticks from it. */
  readonly tick?: string;
}

export interface RunOptions {
  /** Milliseconds left before the caller's deadline (a Lambda's remaining time). */
  readonly remainingMs?: () => number;
}

export interface RunReport {
  /** Groups to retry: an infrastructure failure, or not reached before the deadline. */
  readonly failedGroups: readonly string[];
  readonly probed: number;
  readonly skippedDisabled: number;
  readonly invalid: number;
  readonly writes: number;
  readonly alertsPublished: number;
  readonly unfinished: number;
  readonly flapsSuppressed: number;
  /** Transitions not written because of an alert storm; the next tick looks at them again. */
  readonly held: number;
  /**
   * Alerts still owed when the run ended (in an outbox: refused by SNS, leased by another prober,
   * or not reached); each is retried by a later run.
   */
  readonly alertsPending: number;
  /** open <-> not open changes this run recorded (it won the conditional write). */
  readonly transitions: number;
  /** Findings changes this run recorded. */
  readonly postureChanges: number;
  readonly probesByStatus: Readonly<Partial<Record<ProbeStatus, number>>>;
  /** One entry per probe, confirmation re-probes included. */
  readonly probeLatenciesMs: readonly number[];
  /** Targets settled by their digest: no state read. */
  readonly digestHits: number;
  /** Digests stored for the next tick. */
  readonly digestsRecorded: number;
  /** Targets whose digest was set aside for its hourly check against the state (digest.ts). */
  readonly digestChecks: number;
  /** Looks at open targets that were connect-only (the posture cadence said not this tick). */
  readonly connectOnly: number;
}

interface Counters {
  probed: number;
  skippedDisabled: number;
  invalid: number;
  writes: number;
  alertsPublished: number;
  unfinished: number;
  flapsSuppressed: number;
  held: number;
  transitions: number;
  postureChanges: number;
  probesByStatus: Partial<Record<ProbeStatus, number>>;
  probeLatenciesMs: number[];
  digestHits: number;
  digestsRecorded: number;
  digestChecks: number;
  connectOnly: number;
}

/** Per-run bookkeeping: the counters, and the newest state of each target this run has seen. */
interface Run extends Counters {
  readonly known: Map<string, TargetState>;
}

/** Re-reads and re-decides after a lost race at most this often; more means a hot loop, not a race. */
const MAX_WRITE_ATTEMPTS = 4;
/** Attempts at recording a published alert (on top of the SDK's own retries), backing off 0.2-1.6 s. */
const POST_PUBLISH_ATTEMPTS = 5;

interface Looked {
  readonly work: WorkItem;
  readonly info: TargetInfo;
  readonly prev: TargetState | null;
  /** The observation the decision was made from; null when a re-probe did not confirm a change. */
  readonly obs: Observation | null;
  readonly ctx: DecideContext;
  readonly decision: Decision;
  /** Settled by the target's digest: no state was read, nothing is owed. */
  readonly digestHit: boolean;
}

/** How one target is looked at this tick. */
interface LookPlan {
  /** The digest to settle against; null: the state was read up front. */
  readonly digest: StateDigest | null;
  /** A connect is enough unless the port turns out not to be open, or the state disagrees. */
  readonly connectOnly: boolean;
}

const NO_DECISION: Decision = { kind: 'none' };

type WorkItem =
  | { readonly kind: 'probe'; readonly group: string; readonly target: Target; readonly tickMs: number }
  | { readonly kind: 'invalid'; readonly group: string; readonly info: TargetInfo; readonly reason: string };

export class ProberService {
  constructor(
    private readonly deps: ProberDeps,
    private readonly config: ProberConfig,
  ) {}

  /** Probes every target of the groups, records what changed and flushes owed alerts. */
  async run(groups: readonly WorkGroup[], options: RunOptions = {}): Promise<RunReport> {
    const counters: Run = {
      probed: 0, skippedDisabled: 0, invalid: 0, writes: 0, alertsPublished: 0, unfinished: 0, flapsSuppressed: 0, held: 0,
      transitions: 0, postureChanges: 0, probesByStatus: {}, probeLatenciesMs: [], digestHits: 0, digestsRecorded: 0, digestChecks: 0, connectOnly: 0, known: new Map(),
    };
    const report = (failedGroups: readonly string[]): RunReport => {
      const { known, ...rest } = counters;
      let alertsPending = 0;
      for (const state of known.values()) alertsPending += state.outbox.filter((e) => e.alert !== null).length;
      return { ...rest, failedGroups, alertsPending };
    };
    const failed = new Set<string>();
    // A duplicate key in one batch would race against itself; the first occurrence wins.
    const seen = new Set<string>();
    const unique = this.plan(groups, counters).filter((w) => {
      const key = keyOf(w);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // Targets settled by their digest are not read up front; a look that disagrees reads its own.
    const digests = new Map<WorkItem, StateDigest>();
    for (const w of unique) {
      const digest = this.usableDigest(w, counters);
      if (digest !== null) digests.set(w, digest);
    }
    const keys = unique.filter((w) => !digests.has(w)).map(keyOf);
    let states: Map<string, TargetState>;
    let scanner: ScannerState | null;
    try {
      // One batched read for the targets, one read of the scanner item (global mutes, storm) per run.
      [states, scanner] = await Promise.all([keys.length > 0 ? this.deps.store.getStates(keys) : new Map<string, TargetState>(), this.deps.store.getScanner()]);
    } catch (err) {
      this.log('error', 'state read failed; every group will be retried', { error: String(err) });
      return report(groups.map((g) => g.id));
    }

    for (const [target, state] of states) counters.known.set(target, state);
    // A target's own `timeoutMs` may ask for more than one invocation can give; it is cut to what
    // fits (never below the default), so that no target is started that cannot finish.
    const { timeoutMs: defaultTimeoutMs } = this.config.probeOptions;
    const startMs = options.remainingMs?.();
    const fitsMs = startMs === undefined ? Number.POSITIVE_INFINITY : timeoutThatFits(startMs, this.config.confirmAttempts, this.config.confirmDelayMs);
    const timeoutOf = (w: WorkItem): number => (w.kind === 'probe' ? Math.min(w.target.timeoutMs ?? defaultTimeoutMs, Math.max(fitsMs, defaultTimeoutMs)) : defaultTimeoutMs);
    const budgetOf = (w: WorkItem): number => targetBudgetMs(timeoutOf(w), this.config.confirmAttempts, this.config.confirmDelayMs);
    const fail = (w: WorkItem, err: unknown): void => {
      failed.add(w.group);
      this.log('error', 'target failed; its group will be retried', { target: keyOf(w), error: String(err) });
    };

    // Windows for every target are evaluated once per run, not once per target (cron parsing is not free).
    const globalWindows = scanner?.windows ?? [];
    const allMuted = globalWindows.length > 0 && activeWindowEnd(globalWindows, this.deps.now()) !== null;

    // Phase 1: look at every target (with confirmation) before writing anything, so that a tick
    // where most targets change at once can be recognised as the scanner's trouble, not the fleet's.
    const looked: Looked[] = [];
    await mapBounded(unique, this.config.concurrency, async (w) => {
      if (options.remainingMs && options.remainingMs() < budgetOf(w)) {
        counters.unfinished++;
        failed.add(w.group);
        return;
      }
      try {
        if (w.kind === 'invalid') {
          const prev = states.get(w.info.target) ?? null;
          const obs = invalidTargetObservation(w.reason, this.deps.now().toISOString());
          looked.push({ work: w, info: w.info, prev, obs, ctx: UNMUTED, decision: decide(prev, obs, w.info), digestHit: false });
        } else {
          const prev = states.get(w.target.target) ?? null;
          const ctx: DecideContext = { muted: allMuted || (w.target.windows.length > 0 && activeWindowEnd(w.target.windows, this.deps.now()) !== null) };
          looked.push({ work: w, info: w.target, ctx, ...(await this.look(w.target, timeoutOf(w), prev, ctx, counters, this.planLook(w, prev, digests))) });
        }
      } catch (err) {
        fail(w, err);
      }
    });

    let hold = false;
    try {
      hold = await this.stormGate(looked, scanner, counters);
    } catch (err) {
      // Without knowing whether a storm is on, writing 100 transitions could page 100 times: retry later.
      this.log('error', 'storm check failed; every group will be retried', { error: String(err) });
      return report(groups.map((g) => g.id));
    }

    // Phase 2: write what changed and flush owed side effects.
    await mapBounded(looked, this.config.concurrency, async (l) => {
      try {
        const held = hold && l.decision.kind === 'write' && l.decision.event === 'transition';
        if (held) counters.held++;
        if (l.decision.kind === 'none' || held || l.obs === null) {
          if (l.prev && l.prev.outbox.length > 0) await this.flush(l.prev, counters);
          return;
        }
        await this.settle(l.info, l.prev, l.obs, l.ctx, counters, l.decision, hold);
      } catch (err) {
        fail(l.work, err);
      }
    });
    await this.recordDigests(looked, counters);
    return report([...failed]);
  }

  /** The target's digest, when there is a store for digests and the digest was taken under the target's current settings. */
  private usableDigest(w: WorkItem, counters: Run): StateDigest | null {
    if (this.deps.digests === undefined || w.kind !== 'probe') return null;
    const digest = w.target.digest ?? null;
    if (digest === null || digest.c !== configKey(w.target)) return null;
    if (!digestCheckDue(w.target.target, w.tickMs, this.config.cadence?.tickMs ?? DEFAULT_TICK_MS)) return digest;
    counters.digestChecks++;
    return null;
  }

  private planLook(w: WorkItem & { kind: 'probe' }, prev: TargetState | null, digests: ReadonlyMap<WorkItem, StateDigest>): LookPlan {
    const digest = digests.get(w) ?? null;
    const cadence = this.config.cadence ?? null;
    const deepTarget = w.target.transport === 'tcp' && w.target.depth !== 'tcp';
    const knownOpen = digest !== null ? digest.s === 'open' : prev?.status === 'open';
    const connectOnly = deepTarget && knownOpen && cadence !== null && !postureDue(w.target.target, w.tickMs, cadence);
    return { digest, connectOnly };
  }

  /**
   * Stores the digest of every target left quiet by this run whose item does not already carry it.
   * A digest is a cache: failing to store one costs a state read next tick, so it never fails a group.
   */
  private async recordDigests(looked: readonly Looked[], counters: Run): Promise<void> {
    const digests = this.deps.digests;
    if (digests === undefined) return;
    await mapBounded(looked, this.config.concurrency, async (l) => {
      if (l.work.kind !== 'probe' || l.digestHit) return;
      const state = counters.known.get(l.info.target);
      const want = state ? digestOf(state, l.info) : null;
      if (want === null || sameDigest(want, l.work.target.digest ?? null)) return;
      try {
        if (await digests.record(l.info.target, want)) counters.digestsRecorded++;
      } catch (err) {
        this.log('warn', 'digest not stored; the next tick reads the state instead', { target: l.info.target, error: String(err) });
      }
    });
  }

  private plan(groups: readonly WorkGroup[], counters: Counters): WorkItem[] {
    const work: WorkItem[] = [];
    for (const group of groups) {
      const tickMs = group.tick !== undefined && Number.isFinite(Date.parse(group.tick)) ? Date.parse(group.tick) : this.deps.now().getTime();
      for (const item of group.items) {
        const parsed = parseTargetItem(item, this.config.defaultPort);
        if (parsed.ok) {
          if (parsed.value.enabled) work.push({ kind: 'probe', group: group.id, target: parsed.value, tickMs });
          else counters.skippedDisabled++;
          continue;
        }
        counters.invalid++;
        const reason = `invalid target: ${formatFieldError(parsed.error)}`;
        const key = itemKey(item);
        this.log('warn', 'invalid target', { target: key, ...parsed.error });
        // An item without a usable key has nowhere to record its error; the log line is all it gets.
        if (key !== null) {
          work.push({ kind: 'invalid', group: group.id, reason, info: { target: key, display: key, expect: null, labels: {}, description: null, remindEveryMs: null } });
        }
      }
    }
    return work;
  }

  private async observe(target: Target, timeoutMs: number, counters: Run): Promise<Observation> {
    const options = timeoutMs === this.config.probeOptions.timeoutMs ? this.config.probeOptions : { ...this.config.probeOptions, timeoutMs };
    counters.probed++;
    const result = await this.deps.probe(target, options);
    counters.probesByStatus[result.status] = (counters.probesByStatus[result.status] ?? 0) + 1;
    counters.probeLatenciesMs.push(result.latencyMs);
    return observationFromProbe(result);
  }

  /**
   * Probes a target and, when the result would alert, re-probes until the looks agree or disagree.
   * A look that agrees with the target's digest settles it without reading the state.
   */
  private async look(
    target: Target,
    timeoutMs: number,
    known: TargetState | null,
    ctx: DecideContext,
    counters: Run,
    plan: LookPlan,
  ): Promise<{ prev: TargetState | null; obs: Observation | null; decision: Decision; digestHit: boolean }> {
    let connectOnly = plan.connectOnly;
    let prev = known;
    const probe = (): Promise<Observation> => {
      if (!connectOnly) return this.observe(target, timeoutMs, counters);
      counters.connectOnly++;
      return this.observe({ ...target, depth: 'tcp' }, timeoutMs, counters);
    };
    // A connect-only look that found the port open: while the state says it was open, the last deep
    // look's findings and evidence stand; where it says not, only a deep look can tell what opened.
    const complete = async (seen: Observation): Promise<Observation> => {
      if (!connectOnly || seen.status !== 'open') return seen;
      if (prev?.status === 'open') return carryPosture(seen, prev);
      connectOnly = false;
      return probe();
    };
    let obs = await probe();
    if (plan.digest !== null) {
      // Compared before completing: the digest alone stands in for the state.
      if (digestSettles(plan.digest, obs, target, this.deps.now().getTime(), !connectOnly)) {
        counters.digestHits++;
        return { prev: null, obs, decision: NO_DECISION, digestHit: true };
      }
      // Strongly consistent: the digest was a cache, this read is what the write will be checked against.
      prev = remember(counters, await this.deps.store.getState(target.target), target.target);
    }
    obs = await complete(obs);
    let decision = decide(prev, obs, target, ctx);
    // A single lost SYN must never alert: re-probe, and believe the change only if every look agrees.
    for (let attempt = 1; attempt < this.config.confirmAttempts && needsConfirmation(decision); attempt++) {
      await this.deps.sleep(this.config.confirmDelayMs);
      const again = await complete(await probe());
      const second = decide(prev, again, target, ctx);
      if (!sameOutcome(decision, second)) {
        counters.flapsSuppressed++;
        this.log('info', 'change not confirmed by re-probe', { target: target.target, first: obs.status, second: again.status });
        return { prev, obs: null, decision: NO_DECISION, digestHit: false };
      }
      obs = again;
      decision = second;
    }
    return { prev, obs, decision, digestHit: false };
  }

  /**
   * Alert storms: when a large share of the probed targets flips open/closed in one batch, the likely
   * cause is the scanner's own network. Hold the per-target transitions (they are simply not written,
   * so the next tick looks again), raise one "scanner degraded" alert per storm, and let the held
   * changes through once the storm has lasted `holdMs` (then it is the fleet, not the scanner).
   */
  private async stormGate(looked: readonly Looked[], meta: ScannerState | null, counters: Run): Promise<boolean> {
    const storm = this.config.storm;
    const probed = looked.filter((l) => l.work.kind === 'probe' && l.prev !== null && l.prev.open !== null).length;
    const flipping = looked.filter((l) => l.decision.kind === 'write' && l.decision.event === 'transition').length;
    if (storm.minTargets <= 0 || probed < storm.minTargets || flipping / probed < storm.ratio) return false;
    const now = this.deps.now();
    const continuing = meta !== null && meta.stormLastSeen !== null && now.getTime() - Date.parse(meta.stormLastSeen) <= storm.quietMs;
    const since = continuing && meta?.stormSince ? meta.stormSince : now.toISOString();
    const release = continuing && now.getTime() - Date.parse(since) >= storm.holdMs;
    const next: ScannerState = { ...meta, version: (meta?.version ?? 0) + 1, stormSince: since, stormLastSeen: now.toISOString() };
    const won = await this.deps.store.putScanner(next, meta?.version ?? null);
    this.log('warn', release ? 'alert storm outlasted the hold; releasing transitions' : 'alert storm; holding transitions', { probed, flipping, since });
    if (!continuing && won) {
      try {
        await this.deps.notifier.publish(degradedAlert(now.toISOString(), flipping, probed));
        counters.alertsPublished++;
      } catch (err) {
        // Forget the storm so the next batch raises the alert again; the held transitions stay held.
        await this.deps.store.putScanner({ ...next, version: next.version + 1, stormLastSeen: null }, next.version);
        throw err;
      }
    }
    return !release;
  }

  /**
   * Writes the decision conditionally on the version it was made from. Losing the race means
   * another prober wrote first: re-read, decide again from what it wrote (usually: nothing left
   * to do), and help finish its outbox.
   */
  private async settle(info: TargetInfo, prev: TargetState | null, obs: Observation, ctx: DecideContext, counters: Run, first: Decision, hold: boolean): Promise<void> {
    let current = prev;
    let decision = first;
    for (let attempt = 0; decision.kind === 'write'; attempt++) {
      if (attempt === MAX_WRITE_ATTEMPTS) throw new ConcurrentUpdateError(info.target);
      // A first state has no digest to retire: no prober can hold an older version of it.
      if (current !== null && this.deps.digests !== undefined) await this.deps.digests.invalidate(info.target, decision.next.version);
      counters.writes++;
      if (await this.deps.store.putState(decision.next, current?.version ?? null)) {
        current = remember(counters, decision.next);
        if (decision.event === 'transition') counters.transitions++;
        if (decision.event === 'posture') counters.postureChanges++;
        break;
      }
      current = remember(counters, await this.deps.store.getState(info.target), info.target);
      decision = decide(current, obs, info, ctx);
      // What the winner wrote may make this look a different change: one that was never confirmed
      // by a re-probe, or a transition the storm gate holds. Leave it to the next tick.
      if (decision.kind === 'write' && ((hold && decision.event === 'transition') || (needsConfirmation(decision) && !sameOutcome(first, decision)))) break;
    }
    if (current && current.outbox.length > 0) await this.flush(current, counters);
  }

  /** Finishes every entry of the outbox: history event, alert (under a lease), then removal. */
  private async flush(state: TargetState, counters: Run): Promise<void> {
    let current: TargetState | null = state;
    for (const entry of state.outbox) {
      if (current === null) return;
      await this.deps.store.putEvent(entry.event);
      counters.writes++;
      if (entry.alert !== null) {
        const now = this.deps.now();
        const live = current.outbox.find((e) => e.id === entry.id);
        if (!live) continue;
        if (live.claimedUntil !== null && Date.parse(live.claimedUntil) > now.getTime()) continue;
        const claimedBy = randomUUID();
        const lease = { ...live, claimedUntil: new Date(now.getTime() + this.config.alertLeaseMs).toISOString(), claimedBy };
        const claimed = replaceEntry(current, entry.id, lease, now);
        counters.writes++;
        if (await this.deps.store.putState(claimed, current.version)) {
          current = remember(counters, claimed);
        } else {
          // Either another prober took the lease, or our own write landed and only its answer was lost.
          const reread = remember(counters, await this.deps.store.getState(state.target), state.target);
          if (reread === null || reread.outbox.find((e) => e.id === entry.id)?.claimedBy !== claimedBy) return;
          current = reread;
        }
        // Throws when SNS refuses: the claimed entry stays in the outbox and is retried once the lease ends.
        await this.deps.notifier.publish(entry.alert);
        counters.alertsPublished++;
        // SNS has the alert; until its removal from the outbox is recorded, a retry after the lease
        // would publish it again. Try hard to close that window rather than fail the group.
        const published: TargetState = current;
        current = await this.retryInfra(() => this.removeEntry(published, entry.id, counters));
        continue;
      }
      current = await this.removeEntry(current, entry.id, counters);
    }
  }

  private async removeEntry(state: TargetState, id: string, counters: Run): Promise<TargetState | null> {
    let current: TargetState | null = state;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS && current !== null; attempt++) {
      if (!current.outbox.some((e) => e.id === id)) return current;
      const next = replaceEntry(current, id, null, this.deps.now());
      counters.writes++;
      if (await this.deps.store.putState(next, current.version)) return remember(counters, next);
      current = remember(counters, await this.deps.store.getState(state.target), state.target);
    }
    if (current !== null) throw new ConcurrentUpdateError(state.target);
    return current;
  }

  private async retryInfra<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= POST_PUBLISH_ATTEMPTS || err instanceof ConcurrentUpdateError) throw err;
        await this.deps.sleep(100 * 2 ** attempt);
      }
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void {
    this.deps.log?.(level, message, fields);
  }
}

/** The longest probe deadline whose target budget fits in `budgetMs` (the inverse of targetBudgetMs). */
export function timeoutThatFits(budgetMs: number, confirmAttempts: number, confirmDelayMs: number): number {
  const attempts = Math.max(1, confirmAttempts);
  return Math.floor((budgetMs - 2000 - (attempts - 1) * confirmDelayMs) / (attempts * maxProbeDurationMs(1)));
}

function keyOf(w: WorkItem): string {
  return w.kind === 'probe' ? w.target.target : w.info.target;
}

/** A connect-only look at a target still open: the findings and evidence of the last deep look stand. */
function carryPosture(obs: Observation, prev: TargetState): Observation {
  return { ...obs, findings: prev.findings, evidence: { ...obs.evidence, tls: prev.evidence.tls, mqtt: prev.evidence.mqtt } };
}

/** Records the newest state of a target seen by the run (null: the item is gone) and returns it. */
function remember(run: Run, state: TargetState): TargetState;
function remember(run: Run, state: TargetState | null, target?: string): TargetState | null;
function remember(run: Run, state: TargetState | null, target?: string): TargetState | null {
  if (state) run.known.set(state.target, state);
  else if (target !== undefined) run.known.delete(target);
  return state;
}

function replaceEntry(state: TargetState, id: string, entry: OutboxEntry | null, now: Date): TargetState {
  const outbox = entry === null ? state.outbox.filter((e) => e.id !== id) : state.outbox.map((e) => (e.id === id ? entry : e));
  return { ...state, outbox, version: state.version + 1, updatedAt: now.toISOString() };
}

export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
  constructor(target: string) {
    super(`state of ${target} kept changing under concurrent writers; giving up for this run`);
  }
}

/**
 * Worst-case time of one target: every confirmation look at the probe's full worst case, the pauses
 * between them, and two seconds for the writes. The stack sizes the Lambda timeout from this too.
 */
export function targetBudgetMs(timeoutMs: number, confirmAttempts: number, confirmDelayMs: number): number {
  const attempts = Math.max(1, confirmAttempts);
  return attempts * maxProbeDurationMs(timeoutMs) + (attempts - 1) * confirmDelayMs + 2000;
}
