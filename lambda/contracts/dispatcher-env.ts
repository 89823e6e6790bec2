/**
 * The dispatcher function's environment: the variables the ProbeSchedule construct sets and the
 * dispatcher handler reads, with their defaults and ranges, one parser (`parseDispatcherEnv`) and one
 * builder (`dispatcherEnvironment`). Each name is written here only.
 */
import {
  DEFAULT_PORT_VARIABLE,
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

/** The dispatcher's string variables, by config field. */
export const DISPATCHER_STRING_VARIABLES = {
  targetsTableName: 'TARGETS_TABLE_NAME',
  probeQueueUrl: 'PROBE_QUEUE_URL',
} as const;

/** The dispatcher's integer variables, by config field. */
export const DISPATCHER_INTEGER_VARIABLES = {
  /** Parallel Scan segments the Targets table is read with. */
  scanSegments: { name: 'SCAN_SEGMENTS', default: 4, min: 1, max: 64 },
  /** Targets packed into one probe message (a message is also capped in bytes: MAX_PROBE_MESSAGE_BYTES). */
  targetsPerMessage: { name: 'TARGETS_PER_MESSAGE', default: 25, min: 1, max: 100 },
  defaultPort: DEFAULT_PORT_VARIABLE,
} as const satisfies IntegerVariables;

/** The dispatcher's tunables. */
export type DispatcherSettings = IntegerValues<typeof DISPATCHER_INTEGER_VARIABLES>;

/** What the dispatcher uses when a variable is absent. */
export const DISPATCHER_DEFAULTS: DispatcherSettings = defaultsOf(DISPATCHER_INTEGER_VARIABLES);

/** The dispatcher's environment, parsed. */
export interface DispatcherEnvConfig extends DispatcherSettings {
  readonly targetsTableName: string;
  readonly probeQueueUrl: string;
}

/** Reads and checks the dispatcher's environment; throws a ConfigError naming the variable and its value. */
export function parseDispatcherEnv(env: Env, options: ParseEnvOptions = {}): DispatcherEnvConfig {
  return parseEnv(env, 'dispatcher', options, (vars) => ({
    targetsTableName: requireString(vars, DISPATCHER_STRING_VARIABLES.targetsTableName),
    probeQueueUrl: requireString(vars, DISPATCHER_STRING_VARIABLES.probeQueueUrl),
    ...readIntegers(vars, DISPATCHER_INTEGER_VARIABLES),
  }));
}

/** The dispatcher's environment record, for the construct (values already range-checked). */
export function dispatcherEnvironment(input: DispatcherEnvConfig): Record<string, string> {
  const names = DISPATCHER_STRING_VARIABLES;
  return {
    [names.targetsTableName]: input.targetsTableName,
    [names.probeQueueUrl]: input.probeQueueUrl,
    ...integerEntries(DISPATCHER_INTEGER_VARIABLES, input),
  };
}
