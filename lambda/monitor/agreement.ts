/**
 * The agreement rules of several vantage points (pure): this prober's own confirmed look, the views
 * the other vantage points stored and their heartbeats, combined into the one observation the state
 * rules (transition.ts) decide from, and the reach (where the target is open, where not).
 */
import type { Finding } from '../probe/types';
import type { Expect, Heartbeat, Observation, Reach, TargetState, VantageView } from './model';
import type { VantageConfig } from './vantage-config';

/**
 * A vantage point whose heartbeat is older than this many ticks has stopped reporting: its views
 * count as unknown, so a region that went dark can neither hold a target open nor closed forever.
 * Three, not one: a heartbeat is written once per tick and a tick's work may arrive late in a region.
 */
export const STALE_AFTER_TICKS = 3;

/** The reach of a target as the views show it now, before the state records when a partial began. */
export type ReachNow = Omit<Reach, 'partialSince'>;

export interface AgreementInput {
  readonly vantage: VantageConfig;
  readonly expect: Expect | null;
  /** This prober's own confirmed look, made now. */
  readonly own: Observation;
  /** Stored views by vantage name; this vantage's own stored view and names outside `vantage.all` are ignored. */
  readonly views: ReadonlyMap<string, VantageView>;
  /** Last heartbeat of each vantage point that has ever reported. */
  readonly heartbeats: ReadonlyMap<string, Heartbeat>;
  readonly nowMs: number;
  readonly tickMs: number;
  /** The state before this look: kept when the views are not enough to conclude anything. */
  readonly previous: Pick<TargetState, 'status' | 'open' | 'reason' | 'findings' | 'evidence'> | null;
}

export interface Agreement {
  /**
   * What the state rules decide from: open when any counted view is open (an exposure needs one path),
   * except that with `expect: open` a target is believed not open only when `quorum` counted views say
   * so. Null: nothing can be concluded yet (an outage short of its quorum on a target never seen open
   * or never recorded): leave the state as it is.
   */
  readonly observation: Observation | null;
  readonly reach: ReachNow;
}

/** Whether a vantage point's views still count: its heartbeat is at most STALE_AFTER_TICKS ticks older than `referenceMs`. */
export function heartbeatFresh(heartbeat: string | undefined, referenceMs: number, tickMs: number): boolean {
  if (heartbeat === undefined) return false;
  const at = Date.parse(heartbeat);
  return Number.isFinite(at) && referenceMs - at <= STALE_AFTER_TICKS * tickMs;
}

/**
 * The time heartbeats are judged against: one tick after this vantage point's own heartbeat before
 * the current tick (now, at the latest). In steady state that is the current tick's start. When the
 * whole system paused (no ticks sent for a while) every heartbeat is equally old and all still count
 * during the first tick after the pause, however many runs this vantage point makes in it, so no
 * vantage point decides alone (an outage believed, then denied, then believed again; the fault
 * campaign found it). A vantage point that stopped while this one kept beating falls behind and stops counting.
 */
export function heartbeatReference(own: Heartbeat | undefined, nowMs: number, tickMs: number): number {
  if (own === undefined) return nowMs;
  const currentTick = Math.floor(nowMs / tickMs) * tickMs;
  const before = Date.parse(own.at) >= currentTick ? own.previous : own.at;
  const at = before === null ? Number.NaN : Date.parse(before);
  return Number.isFinite(at) ? Math.min(nowMs, at + tickMs) : nowMs;
}

/** Combines the own look and the other vantage points' views (README, "Several vantage points"). */
export function agree(input: AgreementInput): Agreement {
  const { vantage, own } = input;
  // Every counted look by vantage name (sorted, as `all` is); the own look first among equals below.
  const counted = new Map<string, Observation>();
  const unknown: string[] = [];
  for (const name of vantage.all) {
    const look = name === vantage.name ? own : countedView(input, name);
    if (look === null || look.status === 'error') unknown.push(name);
    else counted.set(name, look);
  }
  const open = [...counted].filter(([, o]) => o.status === 'open').map(([name]) => name);
  const notOpen = [...counted].filter(([, o]) => o.status !== 'open').map(([name]) => name);
  const reach: ReachNow = { open, notOpen, unknown };
  return { observation: combined(input, counted, open, notOpen), reach };
}

function countedView({ views, heartbeats, nowMs, tickMs, vantage }: AgreementInput, name: string): Observation | null {
  const view = views.get(name);
  if (view === undefined || view.vantage !== name) return null;
  const referenceMs = heartbeatReference(heartbeats.get(vantage.name), nowMs, tickMs);
  return heartbeatFresh(heartbeats.get(name)?.at, referenceMs, tickMs) ? view.observation : null;
}

function combined(input: AgreementInput, counted: ReadonlyMap<string, Observation>, open: readonly string[], notOpen: readonly string[]): Observation | null {
  const { own, vantage, expect, previous } = input;
  // Nothing current from anywhere (the own look failed too): record the own look as one vantage point would.
  if (counted.size === 0) return own;
  if (open.length > 0 && (expect !== 'open' || notOpen.length < vantage.quorum)) {
    const first = own.status === 'open' ? own : (counted.get(open[0] as string) as Observation);
    // A posture regression seen from one region is believed: the findings of every open view.
    const findings: Finding[] = [...first.findings];
    for (const name of open) for (const f of (counted.get(name) as Observation).findings) if (!findings.includes(f)) findings.push(f);
    return first === own && findings.length === own.findings.length ? own : { ...first, at: own.at, findings };
  }
  if (expect === 'open' && notOpen.length < vantage.quorum) {
    // Short of the quorum, and no view open: keep what the state says (no outage believed, none denied).
    if (previous === null || previous.open === null) return null;
    return { ...own, status: previous.status, reason: previous.reason, findings: previous.findings, evidence: previous.evidence };
  }
  if (counted.has(vantage.name) && own.status !== 'open') return own;
  return { ...(counted.get(notOpen[0] as string) as Observation), at: own.at };
}

/** Whether views disagree: open from some vantage points and not open from others. */
export function isPartial(reach: Reach | ReachNow | null | undefined): boolean {
  return reach !== null && reach !== undefined && reach.open.length > 0 && reach.notOpen.length > 0;
}

/** Whether two reaches name the same vantage points open and not open (unknown ones aside). */
export function sameSides(a: Pick<Reach, 'open' | 'notOpen'>, b: Pick<Reach, 'open' | 'notOpen'>): boolean {
  return a.open.join(',') === b.open.join(',') && a.notOpen.join(',') === b.notOpen.join(',');
}

/**
 * The reach as the stored views show it now, for readers that make no look of their own (status, the
 * local table). The state's reach is as of its last write: on a target's first tick every vantage point
 * but the first to decide is unknown there, and stays so while nothing changes (a quiet tick writes
 * nothing). The views and heartbeats are current. The tick length is read off the newest heartbeat
 * (its time minus the one before), so a reader needs no schedule to tell a vantage point that stopped.
 */
export function currentReach(recorded: Reach, views: ReadonlyMap<string, VantageView>, heartbeats: ReadonlyMap<string, Heartbeat>): Reach {
  const names = [...new Set([...recorded.open, ...recorded.notOpen, ...recorded.unknown, ...views.keys()])].sort();
  const newest = [...heartbeats.values()].reduce<Heartbeat | null>((a, h) => (a === null || Date.parse(h.at) > Date.parse(a.at) ? h : a), null);
  const referenceMs = newest === null ? Number.NaN : Date.parse(newest.at);
  const tickMs = newest?.previous ? referenceMs - Date.parse(newest.previous) : Number.NaN;
  const open: string[] = [];
  const notOpen: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const view = views.get(name);
    // Without two heartbeats of the newest vantage point the tick is unknown: a view with a heartbeat counts.
    const fresh = Number.isFinite(tickMs) && tickMs > 0 ? heartbeatFresh(heartbeats.get(name)?.at, referenceMs, tickMs) : heartbeats.has(name);
    if (view === undefined || !fresh || view.observation.status === 'error') unknown.push(name);
    else if (view.observation.status === 'open') open.push(name);
    else notOpen.push(name);
  }
  const partial = open.length > 0 && notOpen.length > 0;
  const since = [...views.values()].map((v) => v.since).sort().at(-1) ?? null;
  return { open, notOpen, unknown, partialSince: partial ? (recorded.partialSince ?? since) : null };
}
