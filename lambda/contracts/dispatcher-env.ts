/**
 * The dispatcher function's environment: the variables the ProbeSchedule construct sets and the
 * dispatcher handler reads, with their defaults and ranges, one parser (`parseDispatcherEnv`) and one
 * builder (`dispatcherEnvironment`). Each name is written here only, but for the vantage variables,
 * which the re-probe function shares (vantage-env.ts).
 */
import { EVERY_CHOICES_MS, EVERY_CHOICES_TEXT } from '../monitor/lane';
import { formatDuration } from '../parse/duration';
import {
  ConfigError,
  DEFAULT_PORT_VARIABLE,
  TICK_INTERVAL_VARIABLE,
  defaultsOf,
  integerEntries,
  parseEnv,
  readIntegers,
  requireString,
  type Env,
  type IntegerValues,
  type IntegerVariables,
  type ParseEnvOptions,
} from './env';
import { readVantageQueues, VANTAGE_QUEUE_VARIABLES, vantageQueueEnvironment, type VantageQueueConfig } from './vantage-env';

/** The dispatcher's string variables, by config field. */
export const DISPATCHER_STRING_VARIABLES = {
  targetsTableName: 'TARGETS_TABLE_NAME',
  probeQueueUrl: 'PROBE_QUEUE_URL',
  /** Several regions: VANTAGE (the home vantage name, which PROBE_QUEUE_URL serves) and VANTAGE_QUEUE_URLS (contracts/vantage-env.ts). */
  ...VANTAGE_QUEUE_VARIABLES,
} as const;

/** The dispatcher's integer variables, by config field. */
export const DISPATCHER_INTEGER_VARIABLES = {
  /** Parallel Scan segments the Targets table is read with. */
  scanSegments: { name: 'SCAN_SEGMENTS', default: 4, min: 1, max: 64 },
  /** Targets packed into one probe message (a message is also capped in bytes: MAX_PROBE_MESSAGE_BYTES). */
  targetsPerMessage: { name: 'TARGETS_PER_MESSAGE', default: 25, min: 1, max: 100 },
  defaultPort: DEFAULT_PORT_VARIABLE,
  /** The schedule's interval: a fast lane fills it with delayed copies of its messages. */
  tickIntervalMs: TICK_INTERVAL_VARIABLE,
  /** The fast lane of targets that name no `every` (monitor/lane.ts: 10-60 s); 0: the schedule. */
  defaultEveryMs: { name: 'DEFAULT_EVERY_MS', default: 0, min: 0, max: 60_000 },
} as const satisfies IntegerVariables;

/** A default `every` the dispatcher can honour: 0 (the schedule) or one of the lane's periods; else a ConfigError naming the variable. */
export function checkDefaultEvery(ms: number, name: string = DISPATCHER_INTEGER_VARIABLES.defaultEveryMs.name): number {
  if (ms !== 0 && !EVERY_CHOICES_MS.includes(ms)) {
    throw new ConfigError(`${name}=${ms} (${formatDuration(ms)}) is not a fast-lane period: use ${EVERY_CHOICES_TEXT} (0 for the schedule)`);
  }
  return ms;
}

/** The dispatcher's tunables. */
export type DispatcherSettings = IntegerValues<typeof DISPATCHER_INTEGER_VARIABLES>;

/** What the dispatcher uses when a variable is absent. */
export const DISPATCHER_DEFAULTS: DispatcherSettings = defaultsOf(DISPATCHER_INTEGER_VARIABLES);

/** The dispatcher's environment, parsed. */
export interface DispatcherEnvConfig extends DispatcherSettings {
  readonly targetsTableName: string;
  readonly probeQueueUrl: string;
  /** Several regions: each tick goes to every vantage point's queue. Absent: the probe queue only (one region). */
  readonly vantages?: VantageQueueConfig;
}

/** Reads and checks the dispatcher's environment; throws a ConfigError naming the variable and its value. */
export function parseDispatcherEnv(env: Env, options: ParseEnvOptions = {}): DispatcherEnvConfig {
  return parseEnv(env, 'dispatcher', options, (vars) => ({
    targetsTableName: requireString(vars, DISPATCHER_STRING_VARIABLES.targetsTableName),
    probeQueueUrl: requireString(vars, DISPATCHER_STRING_VARIABLES.probeQueueUrl),
    ...readVantageQueues(vars, DISPATCHER_STRING_VARIABLES.probeQueueUrl),
    ...checked(readIntegers(vars, DISPATCHER_INTEGER_VARIABLES)),
  }));
}

function checked(settings: DispatcherSettings): DispatcherSettings {
  checkDefaultEvery(settings.defaultEveryMs, `environment variable ${DISPATCHER_INTEGER_VARIABLES.defaultEveryMs.name}`);
  return settings;
}

/** The dispatcher's environment record, for the construct (values already range-checked). */
export function dispatcherEnvironment(input: DispatcherEnvConfig): Record<string, string> {
  const names = DISPATCHER_STRING_VARIABLES;
  return {
    [names.targetsTableName]: input.targetsTableName,
    [names.probeQueueUrl]: input.probeQueueUrl,
    ...vantageQueueEnvironment(input.vantages),
    ...integerEntries(DISPATCHER_INTEGER_VARIABLES, input),
  };
}
