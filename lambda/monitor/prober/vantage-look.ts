/** One prober among several vantage points: the views and heartbeats a run reads, the combined decision, the own view it writes, and its heartbeat. */
import { agree } from '../agreement';
import { DEFAULT_TICK_MS } from '../cadence';
import { keepsViews, type StateStore, type VantageStore } from '../dependencies';
import type { Heartbeat, Observation, TargetInfo, TargetState, VantageView } from '../model';
import { sameFindings } from '../state';
import { decide, type DecideContext, type Decision } from '../transition';
import type { VantageConfig } from '../vantage-config';
import type { ProberConfig } from './config';
import type { RunScope } from './report';

/** What one run knows of the other vantage points. */
export interface VantageRun {
  readonly config: VantageConfig;
  readonly store: StateStore & VantageStore;
  /** Stored views by target, then vantage name (this vantage's own included). */
  readonly views: Map<string, ReadonlyMap<string, VantageView>>;
  readonly heartbeats: ReadonlyMap<string, Heartbeat>;
  /** One tick period: heartbeats go stale after STALE_AFTER_TICKS of them, a partial is alerted after one. */
  readonly tickMs: number;
}

/** What a look leaves for the write phase about this vantage point's own view. */
export interface OwnView {
  /** The view stored before this look; null: none yet. */
  readonly stored: VantageView | null;
  /** The view to store (only when it changed); null: nothing to write. */
  readonly write: VantageView | null;
  /** The own view flipped open/not-open: what the storm gate counts with several vantage points. */
  readonly flip: boolean;
}

export class VantageStoreMissingError extends Error {
  override readonly name = 'VantageStoreMissingError';
  constructor() {
    super('ProberConfig.vantage is set, but the state store keeps no vantage views (getViews, putView, getHeartbeats, putHeartbeat)');
  }
}

/** The store's vantage side when the prober has several vantage points; null with one. Throws when a store cannot keep views. */
export function vantageStore(config: ProberConfig, store: StateStore): (StateStore & VantageStore) | null {
  if ((config.vantage ?? null) === null) return null;
  if (!keepsViews(store)) throw new VantageStoreMissingError();
  return store;
}

/**
 * Reads the views of `targets` from every vantage point (this one's included), and every heartbeat.
 * Bounded: one BatchGetItem key per target and vantage point, for the targets whose state is read
 * (a digest hit reads neither), plus one read of the heartbeats (one key per vantage point) per run.
 */
export async function readVantage(config: ProberConfig, store: StateStore & VantageStore, targets: readonly string[]): Promise<VantageRun> {
  const vantage = config.vantage as VantageConfig;
  const [views, heartbeats] = await Promise.all([targets.length > 0 ? store.getViews(targets, vantage.all) : new Map<string, Map<string, VantageView>>(), store.getHeartbeats(vantage.all)]);
  return { config: vantage, store, views, heartbeats, tickMs: config.cadence?.tickMs ?? DEFAULT_TICK_MS };
}

/** After a digest miss: the views of that one target (the state is read beside it); `consistent` after storing the own view. */
export async function readViewsOf(v: VantageRun, target: string, consistent = false): Promise<void> {
  const views = await v.store.getViews([target], v.config.all, consistent);
  v.views.set(target, views.get(target) ?? new Map());
}

/** A decision made from the combined observation, with what settle() needs to re-decide after a lost race. */
export interface Combined {
  readonly decision: Decision;
  /** The combined observation; the own look when nothing could be concluded (then the decision is none). */
  readonly obs: Observation;
  /** The caller's context with the reach and the partial's settle time. */
  readonly ctx: DecideContext;
}

/** The decision from the own look combined with the stored views; the own look is this vantage point's confirmed observation. */
export function decideCombined(v: VantageRun, prev: TargetState | null, own: Observation, info: TargetInfo, ctx: DecideContext, nowMs: number): Combined {
  const { observation, reach } = agree({
    vantage: v.config,
    expect: info.expect,
    own,
    views: v.views.get(info.target) ?? new Map(),
    heartbeats: v.heartbeats,
    nowMs,
    tickMs: v.tickMs,
    previous: prev,
  });
  const combinedCtx: DecideContext = { ...ctx, reach, partialSettleMs: v.tickMs };
  if (observation === null) return { decision: { kind: 'none' }, obs: own, ctx: combinedCtx };
  return { decision: decide(prev, observation, info, combinedCtx), obs: observation, ctx: combinedCtx };
}

const isOpen = (o: Observation): boolean => o.status === 'open';

/** The own view flips when a known (not error) view and a probed look disagree on open/not-open, or on findings while open. */
export function ownFlips(stored: VantageView | null, own: Observation): boolean {
  if (stored === null || stored.observation.status === 'error' || own.status === 'error') return false;
  return isOpen(stored.observation) !== isOpen(own) || (isOpen(own) && !sameFindings(stored.observation.findings, own.findings));
}

/** Two looks of one confirmation agree on the own view: the same open/not-open and, when open, the same findings. */
export function sameOwnLook(a: Observation, b: Observation): boolean {
  return isOpen(a) === isOpen(b) && (!isOpen(a) || sameFindings(a.findings, b.findings));
}

/** The own view after a confirmed look: written only when its status, open/not-open or findings changed. */
export function ownView(v: VantageRun, target: string, own: Observation): OwnView {
  const stored = v.views.get(target)?.get(v.config.name) ?? null;
  const flip = ownFlips(stored, own);
  const unchanged = stored !== null && stored.observation.status === own.status && sameFindings(stored.observation.findings, own.findings);
  if (unchanged) return { stored, write: null, flip };
  const since = stored !== null && isOpen(stored.observation) === isOpen(own) ? stored.since : own.at;
  return { stored, write: { target, vantage: v.config.name, observation: own, since, version: (stored?.version ?? 0) + 1 }, flip };
}

/**
 * Stores the own view, conditional on the version it was read at; resolves whether it stored one. A lost
 * race means another prober of this vantage point stored a view first (an overlapping tick): its look
 * is as current as ours.
 */
export async function writeOwnView({ run }: RunScope, v: VantageRun, view: OwnView): Promise<boolean> {
  if (view.write === null) return false;
  run.writes++;
  const stored = await v.store.putView(view.write, view.stored?.version ?? null);
  if (stored) run.viewsWritten++;
  return stored;
}

/**
 * After storing a changed own view: the decision again, from the other views and the state read
 * strongly now. Vantage points that see a change in the same tick look at once, each reading the
 * others' views before any has stored its own; each stores, then reads. Of any two, the one that reads
 * last sees both views, so an outage two of them see is believed in that tick, not the next (store,
 * then load). The state is read again too: short of a quorum the agreement keeps what the state says,
 * and the state read with the run's batch may be stale. Two strong reads, only when this vantage
 * point's own view changed.
 */
export async function redecideAfterOwnView(
  scope: RunScope,
  v: VantageRun,
  own: Observation,
  info: TargetInfo,
  ctx: DecideContext,
): Promise<Combined & { readonly prev: TargetState | null }> {
  const [prev] = await Promise.all([scope.deps.store.getState(info.target), readViewsOf(v, info.target, true)]);
  return { ...decideCombined(v, prev, own, info, ctx, scope.deps.now().getTime()), prev };
}

/**
 * The heartbeat, once per tick period: the tick's start (aligned, so every prober of a vantage point
 * writes the same value and the condition lets one write through). A failed one is logged, not
 * retried: other vantage points then count this one's views unknown, while its own looks still count
 * in its own decisions, so a missed heartbeat can only outvote it, never silence an exposure it sees.
 */
export async function beat({ deps, run }: RunScope, v: VantageRun): Promise<void> {
  const nowMs = deps.now().getTime();
  const at = new Date(Math.floor(nowMs / v.tickMs) * v.tickMs).toISOString();
  const last = v.heartbeats.get(v.config.name);
  if (last !== undefined && last.at >= at) return;
  try {
    run.writes++;
    await v.store.putHeartbeat(v.config.name, { at, previous: last?.at ?? null });
  } catch (err) {
    deps.log?.('warn', 'heartbeat not stored; the next run tries again', { vantage: v.config.name, error: String(err) });
  }
}
