/**
 * The machinery of the environment contracts (prober-env.ts, dispatcher-env.ts): how one variable is
 * declared, read and checked. A function reads its environment once at cold start and fails fast with
 * the variable's name and value, so a misconfigured deployment never probes with silent defaults.
 */
import { DEFAULT_TICK_MS } from '../monitor/cadence';
import { DEFAULT_PORT } from '../monitor/target';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * One integer variable: its name, the value a function uses when it is absent, and the range that
 * both the construct (at synth, naming its prop) and the function (at cold start, naming the variable)
 * accept. Declared once, so the two checks cannot drift apart.
 */
export interface IntegerVariable {
  readonly name: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/** The integer variables of one function, by the config field each one fills. */
export type IntegerVariables = Readonly<Record<string, IntegerVariable>>;

/** The values of a set of integer variables, by config field. */
export type IntegerValues<T extends IntegerVariables> = { readonly [K in keyof T]: number };

/** Port used when a target names none; both functions read it (the dispatcher validates items with it). */
export const DEFAULT_PORT_VARIABLE: IntegerVariable = { name: 'DEFAULT_PORT', default: DEFAULT_PORT, min: 1, max: 65_535 };

/**
 * The schedule's interval; both functions read it (the prober counts cadences in ticks, the
 * dispatcher fills a tick with a fast lane's looks). EventBridge rates run from a minute to a day.
 */
export const TICK_INTERVAL_VARIABLE: IntegerVariable = { name: 'TICK_INTERVAL_MS', default: DEFAULT_TICK_MS, min: 60_000, max: 86_400_000 };

export interface ParseEnvOptions {
  /**
   * Refuse variables the parser did not read, apart from those the platform sets (see
   * isPlatformVariable). Off in the functions (Lambda adds its own variables); on in the test that
   * hands each synthesized function's environment to its parser, so a name the construct sets and the
   * parser never reads (a rename on one side) fails there instead of falling back to a default.
   * @default false
   */
  readonly strict?: boolean;
}

/**
 * Variables a portwatch function may carry without the contract naming them: the AWS runtime's and
 * SDK's (AWS_*), Powertools settings (POWERTOOLS_*), and Node's options (PortwatchFunction sets
 * NODE_OPTIONS on every function).
 */
function isPlatformVariable(name: string): boolean {
  return name.startsWith('AWS_') || name.startsWith('POWERTOOLS_') || name === 'NODE_OPTIONS';
}

/**
 * Runs `parse` over `env`; when strict, records the names it reads and throws naming every other one.
 * What counts is what the parser actually read, not a list beside it that could drift from the parser.
 */
export function parseEnv<T>(env: Env, fn: string, options: ParseEnvOptions, parse: (env: Env) => T): T {
  if (!options.strict) return parse(env);
  const read = new Set<string>();
  const recorded = new Proxy(env, {
    get: (target, name) => {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name);
    },
  });
  const config = parse(recorded);
  const unread = Object.keys(env).filter((name) => !read.has(name) && !isPlatformVariable(name));
  if (unread.length > 0) {
    throw new ConfigError(`environment variable${unread.length === 1 ? '' : 's'} ${unread.join(', ')} not read by the ${fn} (it reads ${[...read].join(', ')})`);
  }
  return config;
}

export function requireString(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`environment variable ${name} is required`);
  return value.trim();
}

export function optionalString(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? fallback : raw.trim();
}

function optionalInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(`environment variable ${name}=${JSON.stringify(raw)} must be an integer between ${min} and ${max}`);
  }
  return value;
}

/** Every variable of `variables`, read and range-checked. */
export function readIntegers<T extends IntegerVariables>(env: Env, variables: T): IntegerValues<T> {
  const out: Record<string, number> = {};
  for (const [field, v] of Object.entries(variables)) out[field] = optionalInt(env, v.name, v.default, v.min, v.max);
  return out as IntegerValues<T>;
}

/** The default of every variable of `variables`, by config field. */
export function defaultsOf<T extends IntegerVariables>(variables: T): IntegerValues<T> {
  return Object.fromEntries(Object.entries(variables).map(([field, v]) => [field, v.default])) as IntegerValues<T>;
}

/** The environment entries of integer `values`, named by `variables`. */
export function integerEntries<T extends IntegerVariables>(variables: T, values: IntegerValues<T>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([field, v]) => [v.name, String(values[field as keyof T])]));
}
