/**
 * The storm gate. When a large share of the probed targets flips open/closed in one batch, the likely
 * cause is the scanner's own network: hold the per-target transitions (they are simply not written,
 * so the next tick looks again), raise one "scanner degraded" alert per storm, and let the held
 * changes through once the storm has lasted `holdMs` (then it is the fleet, not the scanner).
 */
import { degradedAlert } from '../alert';
import type { Alert, ScannerState } from '../model';
import type { Decision } from '../transition';
import type { StormConfig } from './config';
import type { Looked } from './look';
import type { RunScope } from './report';

/** What the gate counts in a batch. */
export interface StormCount {
  /** Looked-at targets whose open/closed status was known before. */
  readonly probed: number;
  /** Of the looks, those whose decision is an open/closed transition. */
  readonly flipping: number;
}

/** Where a storm stands after this batch, and the scanner item that records it. */
export interface StormStep {
  /** When the storm began: kept while batches keep storming within `quietMs` of each other. */
  readonly since: string;
  /** An earlier batch already saw this storm (and raised its alert). */
  readonly continuing: boolean;
  /** The storm has lasted `holdMs`: the held transitions go through. */
  readonly release: boolean;
  readonly next: ScannerState;
}

function isTransition(decision: Decision): boolean {
  return decision.kind === 'write' && decision.event === 'transition';
}

/**
 * Whether the gate holds this decision back: while it holds, transitions wait for a later tick. With
 * several vantage points every decision waits: each one rests on this vantage point's own look, which
 * is what the storm says not to believe (the other vantage points decide meanwhile).
 */
export function heldByStorm(hold: boolean, decision: Decision, severalVantages = false): boolean {
  return hold && (severalVantages ? decision.kind === 'write' : isTransition(decision));
}

export function stormCount(looked: readonly Looked[], byOwnView = false): StormCount {
  if (byOwnView) {
    // Several vantage points: the combined verdict barely moves when one vantage point's network
    // breaks (the others outvote it); its own views are what flip all at once.
    return {
      probed: looked.filter((l) => (l.view?.stored ?? null) !== null && l.view?.stored?.observation.status !== 'error').length,
      flipping: looked.filter((l) => l.view?.flip === true).length,
    };
  }
  return {
    probed: looked.filter((l) => l.work.kind === 'probe' && l.prev !== null && l.prev.open !== null).length,
    flipping: looked.filter((l) => isTransition(l.decision)).length,
  };
}

export function isStorm(storm: StormConfig, { probed, flipping }: StormCount): boolean {
  return storm.minTargets > 0 && probed >= storm.minTargets && flipping / probed >= storm.ratio;
}

/** The storm after a stormy batch at `now`, from what the scanner item said before it. */
export function stormStep(storm: StormConfig, meta: ScannerState | null, now: Date): StormStep {
  const continuing = meta !== null && meta.stormLastSeen !== null && now.getTime() - Date.parse(meta.stormLastSeen) <= storm.quietMs;
  const since = continuing && meta?.stormSince ? meta.stormSince : now.toISOString();
  const release = continuing && now.getTime() - Date.parse(since) >= storm.holdMs;
  const next: ScannerState = { ...meta, version: (meta?.version ?? 0) + 1, stormSince: since, stormLastSeen: now.toISOString() };
  return { since, continuing, release, next };
}

/**
 * Records a stormy batch on the scanner item and raises the storm's alert once; resolves whether to
 * hold transitions. The alert is owed from the batch that starts the storm until SNS accepts it: a
 * refused one stays owed (`stormAlertOwed`) and the next stormy batch raises it, while the storm keeps
 * its start, so that the hold is counted from the first stormy batch however long SNS refuses.
 */
export async function stormGate({ deps, config, run }: RunScope, looked: readonly Looked[], meta: ScannerState | null): Promise<boolean> {
  const vantage = config.vantage?.name ?? null;
  const count = stormCount(looked, vantage !== null);
  if (!isStorm(config.storm, count)) return false;
  const now = deps.now();
  const { since, continuing, release, next } = stormStep(config.storm, meta, now);
  const owed = !continuing || meta?.stormAlertOwed === true;
  const recorded: ScannerState = meta?.stormAlertOwed === true ? { ...next, stormAlertOwed: false } : next;
  const won = await deps.store.putScanner(recorded, meta?.version ?? null);
  deps.log?.('warn', release ? 'alert storm outlasted the hold; releasing transitions' : 'alert storm; holding transitions', { ...count, since });
  if (owed && won) {
    try {
      await deps.notifier.publish(degradedFrom(vantage, degradedAlert(now.toISOString(), count.flipping, count.probed)));
      run.alertsPublished++;
    } catch (err) {
      // Still owed: the next stormy batch raises it again. The held transitions stay held.
      await deps.store.putScanner({ ...recorded, version: recorded.version + 1, stormAlertOwed: true }, recorded.version);
      throw err;
    }
  }
  return !release;
}

/** The degraded alert of one vantage point among several names it: its views are held, the other vantage points decide meanwhile. */
function degradedFrom(vantage: string | null, alert: Alert): Alert {
  if (vantage === null) return alert;
  const reason = `vantage point ${vantage}: ${alert.reason}; the other vantage points decide meanwhile`;
  return { ...alert, id: `${alert.id}#${vantage}`, reason, labels: { ...alert.labels, vantage }, evidence: { ...alert.evidence, reason } };
}
