/** The prober's orchestration: one run plans the work, looks at every target, passes the storm gate, writes what changed and stores digests. */
import type { ScannerState, StateDigest, TargetState } from '../model';
import { mapBounded } from '../../probe/limiter';
import { runBudget } from './budget';
import type { ProberConfig, ProberDeps, RunOptions, WorkGroup } from './config';
import { recordDigests, usableDigest } from './digests';
import { lookAt, muteCheck, type Looked } from './look';
import { flush, settle } from './outbox';
import { refreshDueTargets } from './refresh';
import { reportOf, startRun, type RunReport, type RunScope } from './report';
import { heldByStorm, stormGate } from './storm-gate';
import { beat, readVantage, vantageStore, redecideAfterOwnView, writeOwnView, type VantageRun } from './vantage-look';
import { keyOf, planWork, type WorkItem } from './work';

// The prober's public face: handlers, the CLI, the stack and the bench import from here only.
export { DEFAULT_PROBER_CONFIG, type ProbeFn, type ProberConfig, type ProberDeps, type RunOptions, type StormConfig, type WorkGroup } from './config';
export { emptyReport, mergeReports, owedAlerts, type RunReport } from './report';
export { targetBudgetMs, timeoutThatFits } from './budget';
export { ConcurrentUpdateError } from './outbox';

export class ProberService {
  /** The store's vantage side with several vantage points; null with one. */
  private readonly views: ReturnType<typeof vantageStore>;

  constructor(
    private readonly deps: ProberDeps,
    private readonly config: ProberConfig,
  ) {
    this.views = vantageStore(config, deps.store);
  }

  /** Probes every target of the groups, records what changed and flushes owed alerts. */
  async run(groups: readonly WorkGroup[], options: RunOptions = {}): Promise<RunReport> {
    const scope: RunScope = { deps: this.deps, config: this.config, run: startRun() };
    const { run } = scope;
    const everyGroup = (): RunReport => reportOf(run, groups.map((g) => g.id));
    const failed = new Set<string>();
    const work = planWork(scope, groups);
    // Targets settled by their digest are not read up front; a look that disagrees reads its own.
    const digests = new Map<WorkItem, StateDigest>();
    for (const w of work) {
      const digest = usableDigest(scope, w);
      if (digest !== null) digests.set(w, digest);
    }
    const keys = work.filter((w) => !digests.has(w)).map(keyOf);
    let states: Map<string, TargetState>;
    let scanner: ScannerState | null;
    let vantage: VantageRun | null;
    try {
      // One batched read for the targets, one read of the scanner item (global mutes, storm) per run;
      // with several vantage points, beside them the same targets' views and every heartbeat.
      [states, scanner, vantage] = await Promise.all([
        keys.length > 0 ? this.deps.store.getStates(keys) : new Map<string, TargetState>(),
        this.deps.store.getScanner(),
        this.views ? readVantage(this.config, this.views, keys) : null,
      ]);
    } catch (err) {
      this.log('error', 'state read failed; every group will be retried', { error: String(err) });
      return everyGroup();
    }

    for (const [target, state] of states) run.known.set(target, state);
    const budget = runBudget(this.config, options.remainingMs?.());
    const fail = (w: WorkItem, err: unknown): void => {
      failed.add(w.group);
      this.log('error', 'target failed; its group will be retried', { target: keyOf(w), error: String(err) });
    };
    const muted = muteCheck(scanner, this.deps.now);

    // Phase 1: look at every target (with confirmation) before writing anything, so that a tick
    // where most targets change at once can be recognised as the scanner's trouble, not the fleet's.
    const looked: Looked[] = [];
    await mapBounded(work, this.config.concurrency, async (w) => {
      const requestedMs = w.kind === 'probe' ? w.target.timeoutMs : undefined;
      if (options.remainingMs && options.remainingMs() < budget.budgetMs(requestedMs)) {
        run.unfinished++;
        failed.add(w.group);
        return;
      }
      try {
        looked.push(await lookAt(scope, w, states.get(keyOf(w)) ?? null, budget.timeoutMs(requestedMs), muted, digests.get(w) ?? null, vantage));
      } catch (err) {
        fail(w, err);
      }
    });

    let hold = false;
    try {
      hold = await stormGate(scope, looked, scanner);
    } catch (err) {
      // Without knowing whether a storm is on, writing 100 transitions could page 100 times: retry later.
      this.log('error', 'storm check failed; every group will be retried', { error: String(err) });
      return everyGroup();
    }

    // Phase 2: write what changed and flush owed side effects.
    await mapBounded(looked, this.config.concurrency, async (l) => {
      try {
        let { decision, obs, ctx, prev } = l;
        const held = heldByStorm(hold, decision, vantage !== null);
        if (held) run.held++;
        // A storm holds this vantage point's views as well: a prober whose own network broke is outvoted, not believed.
        if (vantage !== null && l.view !== undefined && !hold && (await writeOwnView(scope, vantage, l.view)) && l.view.write !== null) {
          ({ decision, obs, ctx, prev } = await redecideAfterOwnView(scope, vantage, l.view.write.observation, l.info, ctx));
        }
        if (decision.kind === 'none' || held || obs === null) {
          if (prev && prev.outbox.length > 0) await flush(scope, prev);
          return;
        }
        await settle(scope, l.info, prev, obs, ctx, decision, hold);
      } catch (err) {
        fail(l.work, err);
      }
    });
    if (vantage !== null) await beat(scope, vantage);
    await recordDigests(scope, looked);
    await refreshDueTargets(scope, looked);
    return reportOf(run, [...failed]);
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void {
    this.deps.log?.(level, message, fields);
  }
}
