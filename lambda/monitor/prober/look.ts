/** The look at one target: a probe (connect-only where the posture cadence allows), the re-probes that confirm a change, and the decision. */
import { postureDue, slowPostureDue } from '../cadence';
import { digestSettles } from '../digest';
import type { Observation, ScannerState, StateDigest, Target, TargetInfo, TargetState } from '../model';
import { carrySlowPosture, sameFirstLook } from '../posture-carry';
import { invalidTargetObservation, observationFromProbe } from '../state';
import { decide, needsConfirmation, sameOutcome, type DecideContext, type Decision } from '../transition';
import { activeWindowEnd } from '../windows';
import { remember, type RunScope } from './report';
import { decideCombined, ownFlips, type Combined, ownView, readViewsOf, sameOwnLook, type OwnView, type VantageRun } from './vantage-look';
import type { WorkItem } from './work';

const UNMUTED: DecideContext = { muted: false };
const NO_DECISION: Decision = { kind: 'none' };

/** One target after its look: what the write phase needs. */
export interface Looked {
  readonly work: WorkItem;
  readonly info: TargetInfo;
  readonly prev: TargetState | null;
  /** The observation the decision was made from; null when a re-probe did not confirm a change. */
  readonly obs: Observation | null;
  readonly ctx: DecideContext;
  readonly decision: Decision;
  /** Settled by the target's digest: no state was read, nothing is owed. */
  readonly digestHit: boolean;
  /** Several vantage points: this one's own view of the target after the look; absent with one, or when nothing was confirmed. */
  readonly view?: OwnView;
}

/** How one target is looked at this tick. */
interface LookPlan {
  /** The digest to settle against; null: the state was read up front. */
  readonly digest: StateDigest | null;
  /** A connect is enough unless the port turns out not to be open, or the state disagrees. */
  readonly connectOnly: boolean;
  /** A deep look asks only the core questions and carries the slow answers (posture-carry.ts), unless the state disagrees. */
  readonly core: boolean;
}

/** Whether a target's alerts are held by a mute or maintenance window right now. */
export type MuteCheck = (target: Target) => DecideContext;

/** Windows of the scanner item apply to every target, so they are evaluated once per run (cron parsing is not free). */
export function muteCheck(scanner: ScannerState | null, now: () => Date): MuteCheck {
  const globalWindows = scanner?.windows ?? [];
  const allMuted = globalWindows.length > 0 && activeWindowEnd(globalWindows, now()) !== null;
  return (target) => ({ muted: allMuted || (target.windows.length > 0 && activeWindowEnd(target.windows, now()) !== null) });
}

/**
 * Looks at one work item: an invalid one records its error without a probe; a target is probed
 * (settled by `digest` when the look agrees with it) and its decision made from the confirmed look.
 */
export async function lookAt(scope: RunScope, w: WorkItem, prev: TargetState | null, timeoutMs: number, muted: MuteCheck, digest: StateDigest | null, vantage: VantageRun | null = null): Promise<Looked> {
  if (w.kind === 'invalid') {
    const obs = invalidTargetObservation(w.reason, scope.deps.now().toISOString());
    return { work: w, info: w.info, prev, obs, ctx: UNMUTED, decision: decide(prev, obs, w.info), digestHit: false };
  }
  const ctx = muted(w.target);
  return { work: w, info: w.target, ctx, ...(await look(scope, w.target, timeoutMs, prev, ctx, planLook(scope, w, prev, digest), vantage)) };
}

function planLook({ config }: RunScope, w: WorkItem & { kind: 'probe' }, prev: TargetState | null, digest: StateDigest | null): LookPlan {
  // A fast lane's looks are the ticks its posture cadence counts: a deep look every postureEveryMs still.
  const cadence = config.cadence && w.periodMs !== undefined ? { ...config.cadence, tickMs: w.periodMs } : (config.cadence ?? null);
  const deepTarget = w.target.transport === 'tcp' && w.target.depth !== 'tcp';
  const knownOpen = digest !== null ? digest.s === 'open' : prev?.status === 'open';
  // Without a cadence every look is a full deep one, as before the slow questions had one.
  const slowDue = cadence === null || slowPostureDue(w.target.target, w.tickMs, cadence);
  const connectOnly = deepTarget && knownOpen && !slowDue && cadence !== null && !postureDue(w.target.target, w.tickMs, cadence);
  return { digest, connectOnly, core: deepTarget && knownOpen && !slowDue };
}

/**
 * Probes a target and, when the result would alert, re-probes until the looks agree or disagree.
 * A look that agrees with the target's digest settles it without reading the state.
 */
async function look(
  scope: RunScope,
  target: Target,
  timeoutMs: number,
  known: TargetState | null,
  ctx: DecideContext,
  plan: LookPlan,
  vantage: VantageRun | null,
): Promise<{ prev: TargetState | null; obs: Observation | null; decision: Decision; digestHit: boolean; view?: OwnView; ctx?: DecideContext }> {
  const { deps, config, run } = scope;
  let connectOnly = plan.connectOnly;
  let core = plan.core;
  let prev = known;
  const probe = (): Promise<Observation> => {
    if (!connectOnly) return observe(scope, core ? { ...target, posture: 'core' } : target, timeoutMs);
    run.connectOnly++;
    return observe(scope, { ...target, depth: 'tcp' }, timeoutMs);
  };
  // A connect-only look that found the port open: while the state says it was open, the last deep
  // look's findings and evidence stand; where it says not, only a deep look can tell what opened.
  // A core look likewise carries the slow answers while the state was open with the same first-look
  // facts (certificate, TLS version, MQTT transport); otherwise the full look asks them again now.
  const complete = async (seen: Observation): Promise<Observation> => {
    if (seen.status !== 'open' || (!connectOnly && !core)) return seen;
    if (connectOnly) {
      if (prev?.status === 'open') return carryPosture(seen, prev);
      connectOnly = false;
      core = false;
      return probe();
    }
    if (prev?.status === 'open' && sameFirstLook(prev.evidence, seen.evidence)) return carrySlowPosture(seen, prev.evidence, config.probeOptions.certExpiringDays);
    core = false;
    return probe();
  };
  let obs = await probe();
  if (plan.digest !== null) {
    // Compared before completing: the digest alone stands in for the state.
    if (digestSettles(plan.digest, obs, target, deps.now().getTime(), !connectOnly, core)) {
      run.digestHits++;
      return { prev: null, obs, decision: NO_DECISION, digestHit: true };
    }
    // Strongly consistent: the digest was a cache, this read is what the write will be checked against.
    const [state] = await Promise.all([deps.store.getState(target.target), vantage ? readViewsOf(vantage, target.target) : null]);
    prev = remember(run, state, target.target);
  }
  obs = await complete(obs);
  // With several vantage points the own look is confirmed as before, then combined with the others' views.
  const decideFrom = (seen: Observation): Combined => (vantage ? decideCombined(vantage, prev, seen, target, ctx, deps.now().getTime()) : { decision: decide(prev, seen, target, ctx), obs: seen, ctx });
  const storedView = vantage?.views.get(target.target)?.get(vantage.config.name) ?? null;
  let combined = decideFrom(obs);
  let decision = combined.decision;
  // A single lost SYN must never alert, nor flip this vantage point's view: re-probe, and believe the change only if every look agrees.
  for (let attempt = 1; attempt < config.confirmAttempts && (needsConfirmation(decision) || (vantage !== null && ownFlips(storedView, obs))); attempt++) {
    await deps.sleep(config.confirmDelayMs);
    const again = await complete(await probe());
    const next = decideFrom(again);
    const second = next.decision;
    if (!sameOutcome(decision, second) || (vantage !== null && !sameOwnLook(obs, again))) {
      run.flapsSuppressed++;
      deps.log?.('info', 'change not confirmed by re-probe', { target: target.target, first: obs.status, second: again.status });
      return { prev, obs: null, decision: NO_DECISION, digestHit: false };
    }
    obs = again;
    combined = next;
    decision = second;
  }
  if (vantage === null) return { prev, obs, decision, digestHit: false };
  // What settle() re-decides from after a lost race: the combined observation and the reach, not the own look.
  return { prev, obs: combined.obs, decision, digestHit: false, view: ownView(vantage, target.target, obs), ctx: combined.ctx };
}

async function observe({ deps, config, run }: RunScope, target: Target, timeoutMs: number): Promise<Observation> {
  const options = timeoutMs === config.probeOptions.timeoutMs ? config.probeOptions : { ...config.probeOptions, timeoutMs };
  run.probed++;
  const result = await deps.probe(target, options);
  run.probesByStatus[result.status] = (run.probesByStatus[result.status] ?? 0) + 1;
  run.probeLatenciesMs.push(result.latencyMs);
  return observationFromProbe(result);
}

/** A connect-only look at a target still open: the findings and evidence of the last deep look stand. */
function carryPosture(obs: Observation, prev: TargetState): Observation {
  return { ...obs, findings: prev.findings, evidence: { ...obs.evidence, tls: prev.evidence.tls, mqtt: prev.evidence.mqtt, plaintextListener: prev.evidence.plaintextListener ?? null } };
}
