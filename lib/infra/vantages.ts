/**
 * The vantage points of a multi-region deployment as the stacks see them: the home region (tables,
 * dispatcher, topics and a prober) and the regions that each hold a prober stack. Checked once, by the
 * rules the prober checks its VANTAGE variables by (monitor/vantage-config.ts), naming the props.
 */
import { Token } from 'aws-cdk-lib';
import { PortwatchConfigError } from './constructs/config-validation';
import { parseRegionNames, vantageConfig, type VantageConfig } from '../../lambda/monitor/vantage-config';
import { formatFieldError } from '../../lambda/parse/field-error';

/** Several vantage points, checked. */
export interface VantagePlan {
  readonly home: string;
  /** The regions besides home, sorted. */
  readonly others: readonly string[];
  /** Every vantage point, sorted. */
  readonly all: readonly string[];
  /** The prober's VANTAGE configuration in `region`. */
  configFor(region: string): VantageConfig;
}

/** What the props are called in errors: the monitor's prop names, or the app's context keys. */
export interface VantageFieldNames {
  readonly regions: string;
  readonly quorum: string;
  readonly home: string;
}

const PROP_NAMES: VantageFieldNames = { regions: 'vantageRegions', quorum: 'vantageQuorum', home: "the stack's region (env.region)" };

/**
 * The plan for `regions` (the home region may be among them) seen from `home`; null when no region
 * besides home is given: one vantage point, exactly today's stack.
 */
export function vantagePlan(home: string, regions: readonly string[] | undefined, quorum: number | undefined, names: VantageFieldNames = PROP_NAMES): VantagePlan | null {
  if (regions === undefined || regions.length === 0) {
    if (quorum !== undefined) throw new PortwatchConfigError(`${names.quorum} ${quorum} needs ${names.regions}: with one vantage point an outage is believed as it is seen`);
    return null;
  }
  const parsed = parseRegionNames(names.regions, regions.join(','));
  if (!parsed.ok) throw new PortwatchConfigError(formatFieldError(parsed.error));
  if (Token.isUnresolved(home)) {
    throw new PortwatchConfigError(`${names.regions} needs a concrete home region (the tables, dispatcher and topics stay there and the probers elsewhere name it): set ${names.home}`);
  }
  const all = [...new Set([home, ...parsed.value])].sort();
  const others = all.filter((region) => region !== home);
  if (others.length === 0) {
    if (quorum !== undefined) throw new PortwatchConfigError(`${names.quorum} ${quorum} needs a region in ${names.regions} besides the home region ${home}`);
    return null;
  }
  const fields = { name: names.home, all: names.regions, quorum: names.quorum };
  const check = vantageConfig(home, all, quorum ?? null, fields);
  if (!check.ok) throw new PortwatchConfigError(formatFieldError(check.error));
  const k = check.value.quorum;
  return { home, others, all, configFor: (region) => ({ name: region, all, quorum: k }) };
}
