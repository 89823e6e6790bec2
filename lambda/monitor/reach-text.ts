/** Reach in words: which vantage points see a target open, which do not and which are unknown, for alerts, sinks and the CLI; lists cut with "+N" to fit a line. */
import { isPartial } from './agreement';
import type { Reach } from './model';

/** The label that names the vantage point of a scanner alert: labels travel as an SNS attribute, so subscribers can filter on it. */
export const VANTAGE_LABEL = 'vantage';

/** Open from some vantage points and not open from others: the agreement rules' own test, for the CLI beside the words. */
export { isPartial };

/** Every vantage point the reach names. */
export function vantageCount(reach: Reach): number {
  return reach.open.length + reach.notOpen.length + reach.unknown.length;
}

/** The names, or `none`. */
export function namesOrNone(names: readonly string[]): string {
  return names.length > 0 ? nameList(names) : 'none';
}

/** `eu-west-1, us-east-1 +2`: the first `keep` names, the rest counted. */
export function nameList(names: readonly string[], keep = names.length): string {
  const shown = names.slice(0, Math.max(1, keep)).join(', ');
  const rest = names.length - Math.max(1, keep);
  return rest > 0 ? `${shown} +${rest}` : shown;
}

/**
 * The text `render` makes from the lists, with as many names as keep it within `max` characters:
 * the longest list is cut first, each keeps at least one name (a subject still names a place; past
 * that the caller's own limit cuts). Regions have names of 9-14 characters, so a subject of 100
 * holds two or three of them beside a host name.
 */
export function fitNames(lists: readonly (readonly string[])[], render: (shown: readonly string[]) => string, max: number): string {
  const keep = lists.map((l) => l.length);
  for (;;) {
    const text = render(lists.map((l, i) => nameList(l, keep[i])));
    const longest = keep.reduce((best, k, i) => (k > (keep[best] ?? 0) ? i : best), 0);
    if (text.length <= max || (keep[longest] ?? 0) <= 1) return text;
    keep[longest] = (keep[longest] ?? 1) - 1;
  }
}

/**
 * The vantage points where an alert's own open/not-open holds while others see otherwise (a partial
 * reach), for the `from ...` of its headline; null when every counted vantage point agrees.
 */
export function agreeingSide(open: boolean, reach: Reach | null | undefined): readonly string[] | null {
  if (!reach || !isPartial(reach)) return null;
  return open ? reach.open : reach.notOpen;
}

/** `open from a, b; not open from c; unknown from d`, naming every vantage point (empty lists left out). */
export function reachText(reach: Reach): string {
  const parts: string[] = [];
  if (reach.open.length > 0) parts.push(`open from ${nameList(reach.open)}`);
  if (reach.notOpen.length > 0) parts.push(`not open from ${nameList(reach.notOpen)}`);
  if (reach.unknown.length > 0) parts.push(`unknown from ${nameList(reach.unknown)}`);
  return parts.join('; ');
}

/**
 * The headline of a `partial` or `reachable` alert for `display`, within `max` characters:
 * `PARTIAL broker:8883 open from eu-west-1, us-east-1; not from ap-southeast-2`,
 * `REACHABLE broker:8883 again from all 3 vantage points`. Unknown vantage points are left to the
 * body: they are neither side of the disagreement, and the subject has no room to spare.
 */
export function reachHeadline(event: 'partial' | 'reachable', display: string, reach: Reach | undefined, max: number): string {
  const word = event === 'partial' ? 'PARTIAL' : 'REACHABLE';
  if (reach === undefined) return `${word} ${display}`;
  if (event === 'reachable' && reach.notOpen.length === 0) {
    const unknown = reach.unknown.length > 0 ? ` (${reach.unknown.length} unknown)` : '';
    return fitNames([reach.open], ([open]) => `${word} ${display} again from ${reach.unknown.length === 0 ? `all ${reach.open.length} vantage points` : open}${unknown}`, max);
  }
  const again = event === 'reachable' ? ' again:' : '';
  return fitNames([reach.open, reach.notOpen], ([open, notOpen]) => `${word} ${display}${again} open from ${open}; not from ${notOpen}`, max);
}

/** The "Seen from" section of an alert body: every vantage point by what it sees now. */
export function seenFromLines(reach: Reach): string[] {
  const lines = [
    '',
    `Seen from (${vantageCount(reach)} vantage points):`,
    `  open from: ${namesOrNone(reach.open)}`,
    `  not open from: ${namesOrNone(reach.notOpen)}`,
    reach.unknown.length > 0 ? `  unknown (stopped reporting, or its look failed): ${nameList(reach.unknown)}` : '  unknown: none',
  ];
  if (reach.partialSince !== null) lines.push(`  partially reachable since ${reach.partialSince}`);
  return lines;
}

/**
 * `partial: not open from ap-southeast-2 since 2026-11-24 10:05:00Z`: the side that differs from the
 * combined status, for `portwatch status`; null when the reach is not partial. `time` formats the instant.
 */
export function partialNote(open: boolean | null, reach: Reach | null | undefined, time: (iso: string) => string): string | null {
  if (!reach || !isPartial(reach)) return null;
  const other = open === false ? `open from ${nameList(reach.open)}` : `not open from ${nameList(reach.notOpen)}`;
  return `partial: ${other}${reach.partialSince !== null ? ` since ${time(reach.partialSince)}` : ''}`;
}
