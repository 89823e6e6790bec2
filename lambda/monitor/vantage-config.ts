/**
 * Vantage points: the names of the places one target is looked at from (AWS regions, or network
 * namespaces in `portwatch local --vantage`), and how many of them must agree before an outage is
 * believed. Parsed here once for the prober's environment, the stack's context and the CLI's flags.
 */
import { fail, type ParseResult } from '../parse/field-error';

/** Where this prober looks from, among every vantage point that looks at the same targets. */
export interface VantageConfig {
  /** This prober's vantage point (an AWS region such as `eu-west-1`, or a local name). */
  readonly name: string;
  /** Every vantage point, sorted, this one included. */
  readonly all: readonly string[];
  /** Vantage points that must see a target not open before an outage (`expect: open`) is believed. */
  readonly quorum: number;
}

/** A region name or a short local name: lower-case letters, digits and dashes, as a key part and an alert word. */
const VANTAGE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** An AWS region name (`eu-west-1`, `us-gov-west-1`, `ap-southeast-2`): the vantage names of a deployment. */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Whether `name` has the shape of an AWS region name. */
export function isRegionName(name: string): boolean {
  return AWS_REGION.test(name);
}

/** A list of AWS region names (`a,b,c`), checked as vantage names and as regions. */
export function parseRegionNames(field: string, text: string): ParseResult<readonly string[]> {
  const names = parseVantageNames(field, text);
  if (!names.ok) return names;
  const bad = names.value.find((name) => !isRegionName(name));
  return bad === undefined ? names : fail(field, text, `names ${JSON.stringify(bad)}, which is not an AWS region name (such as eu-west-1)`);
}

/** A majority: more than half of the vantage points must agree that a target is down. */
export function majority(count: number): number {
  return Math.floor(count / 2) + 1;
}

/** One vantage name, checked. */
export function parseVantageName(field: string, value: string): ParseResult<string> {
  return VANTAGE_NAME.test(value) ? { ok: true, value } : fail(field, value, 'must be 1-32 lower-case letters, digits and dashes (a region name such as eu-west-1, or a short local name)');
}

/** A list of vantage names (`a,b,c`), checked: at least one, none twice. */
export function parseVantageNames(field: string, text: string): ParseResult<readonly string[]> {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) return fail(field, text, 'must list at least one vantage point');
  const seen = new Set<string>();
  for (const name of names) {
    const parsed = parseVantageName(field, name);
    if (!parsed.ok) return parsed;
    if (seen.has(name)) return fail(field, text, `names ${name} twice`);
    seen.add(name);
  }
  return { ok: true, value: [...seen].sort() };
}

/**
 * The configuration of one prober among `all`; `quorum` absent means a majority. A quorum outside
 * 1..n could never (or would always) believe an outage, so it is refused, naming the field.
 */
export function vantageConfig(name: string, all: readonly string[], quorum: number | null, fields: { readonly name: string; readonly all: string; readonly quorum: string }): ParseResult<VantageConfig> {
  if (!all.includes(name)) return fail(fields.name, name, `is not among the vantage points in ${fields.all} (${all.join(', ')})`);
  const k = quorum ?? majority(all.length);
  if (!Number.isInteger(k) || k < 1 || k > all.length) return fail(fields.quorum, quorum, `must be a whole number from 1 to ${all.length} (the number of vantage points)`);
  return { ok: true, value: { name, all: [...all].sort(), quorum: k } };
}
