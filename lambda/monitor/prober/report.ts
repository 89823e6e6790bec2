/** A run's bookkeeping: its counters, the newest state of each target it has seen, and the RunReport made from them. */
import type { ProbeStatus } from '../../probe/types';
import { PRIMARY_CHANNEL } from '../dependencies';
import type { TargetState } from '../model';
import type { ProberConfig, ProberDeps } from './config';

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
   * Alerts still owed to SNS when the run ended (in an outbox: refused by SNS, leased by another
   * prober, or not reached); each is retried by a later run. Alerts owed to sinks only: sinkPending.
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
  /** Alerts each sink accepted (Security Hub, EventBridge, chat), by sink name. */
  readonly sinkDeliveries: Readonly<Record<string, number>>;
  /** Alerts each sink refused; each stays owed to that sink alone and is retried by a later run. */
  readonly sinkFailures: Readonly<Record<string, number>>;
  /** Alerts a sink kept refusing for SINK_GIVE_UP_MS, given up for that sink. */
  readonly sinksAbandoned: Readonly<Record<string, number>>;
  /** Alerts SNS accepted that some sink is still owed when the run ended. */
  readonly sinkPending: number;
  /** Quiet targets whose sink records (Security Hub findings) were refreshed, and refreshes refused. */
  readonly refreshed: number;
  readonly refreshFailures: number;
  /** Several vantage points: this vantage point's views of targets stored because its look changed them (always 0 with one). */
  readonly viewsWritten?: number;
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
  sinkDeliveries: Record<string, number>;
  sinkFailures: Record<string, number>;
  sinksAbandoned: Record<string, number>;
  refreshed: number;
  refreshFailures: number;
  viewsWritten: number;
}

/** Per-run bookkeeping: the counters, and the newest state of each target this run has seen. */
export interface Run extends Counters {
  readonly known: Map<string, TargetState>;
}

/** What every step of one run works with: the service's wiring and settings, and the run's bookkeeping. */
export interface RunScope {
  readonly deps: ProberDeps;
  readonly config: ProberConfig;
  readonly run: Run;
}

export function startRun(): Run {
  return {
    probed: 0, skippedDisabled: 0, invalid: 0, writes: 0, alertsPublished: 0, unfinished: 0, flapsSuppressed: 0, held: 0,
    transitions: 0, postureChanges: 0, probesByStatus: {}, probeLatenciesMs: [], digestHits: 0, digestsRecorded: 0, digestChecks: 0, connectOnly: 0,
    sinkDeliveries: {}, sinkFailures: {}, sinksAbandoned: {}, refreshed: 0, refreshFailures: 0, viewsWritten: 0, known: new Map(),
  };
}

/** The report of a run; alerts still pending are counted from the newest state the run saw of each target. */
export function reportOf(run: Run, failedGroups: readonly string[]): RunReport {
  const { known, ...rest } = run;
  return { ...rest, failedGroups, ...owedAlerts(known.values()) };
}

/** Alerts the states still owe: to the alerts topic (`alertsPending`), or only to a sink (`sinkPending`). */
export function owedAlerts(states: Iterable<TargetState>): Pick<RunReport, 'alertsPending' | 'sinkPending'> {
  let alertsPending = 0;
  let sinkPending = 0;
  for (const state of states) {
    for (const e of state.outbox) {
      if (e.alert === null) continue;
      if ((e.delivered ?? []).includes(PRIMARY_CHANNEL)) sinkPending++;
      else alertsPending++;
    }
  }
  return { alertsPending, sinkPending };
}

/** Records the newest state of a target seen by the run (null: the item is gone) and returns it. */
export function remember(run: Run, state: TargetState): TargetState;
export function remember(run: Run, state: TargetState | null, target?: string): TargetState | null;
export function remember(run: Run, state: TargetState | null, target?: string): TargetState | null {
  if (state) run.known.set(state.target, state);
  else if (target !== undefined) run.known.delete(target);
  return state;
}

/** Two runs of one tick as one report (`portwatch local` runs a fast lane's looks as they fall due): counts add up, owed alerts are the later run's. */
export function mergeReports(a: RunReport, b: RunReport): RunReport {
  const probesByStatus: Partial<Record<ProbeStatus, number>> = { ...a.probesByStatus };
  for (const [status, n] of Object.entries(b.probesByStatus) as [ProbeStatus, number][]) probesByStatus[status] = (probesByStatus[status] ?? 0) + n;
  const sum = (k: 'probed' | 'skippedDisabled' | 'invalid' | 'writes' | 'alertsPublished' | 'unfinished' | 'flapsSuppressed' | 'held' | 'transitions' | 'postureChanges' | 'digestHits' | 'digestsRecorded' | 'digestChecks' | 'connectOnly'): number => a[k] + b[k];
  return {
    failedGroups: [...a.failedGroups, ...b.failedGroups],
    probed: sum('probed'),
    skippedDisabled: sum('skippedDisabled'),
    invalid: sum('invalid'),
    writes: sum('writes'),
    alertsPublished: sum('alertsPublished'),
    unfinished: sum('unfinished'),
    flapsSuppressed: sum('flapsSuppressed'),
    held: sum('held'),
    alertsPending: b.alertsPending,
    transitions: sum('transitions'),
    postureChanges: sum('postureChanges'),
    probesByStatus,
    probeLatenciesMs: [...a.probeLatenciesMs, ...b.probeLatenciesMs],
    digestHits: sum('digestHits'),
    digestsRecorded: sum('digestsRecorded'),
    digestChecks: sum('digestChecks'),
    connectOnly: sum('connectOnly'),
    sinkDeliveries: addCounts(a.sinkDeliveries, b.sinkDeliveries),
    sinkFailures: addCounts(a.sinkFailures, b.sinkFailures),
    sinksAbandoned: addCounts(a.sinksAbandoned, b.sinksAbandoned),
    sinkPending: b.sinkPending,
    refreshed: a.refreshed + b.refreshed,
    refreshFailures: a.refreshFailures + b.refreshFailures,
    viewsWritten: (a.viewsWritten ?? 0) + (b.viewsWritten ?? 0),
  };
}

function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** The report of a run over no groups (a tick with nothing to probe). */
export function emptyReport(): RunReport {
  return reportOf(startRun(), []);
}
