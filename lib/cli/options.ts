/**
 * The CLI's flags that take a number or a duration: each flag's range is defined here once, from the
 * constants the parsers behind it use, and every command that has the flag takes it from here. A bad
 * value is a UsageError in one style, `--timeout: "50" is not a timeout in ms (100-30000)`, which main.ts
 * prints on one line with a pointer to the command's --help, and exit code 2.
 */
import type { Command } from 'commander';
import { PROBER_INTEGER_VARIABLES } from '../../lambda/contracts/prober-env';
import { TIMEOUT_RANGE_MS } from '../../lambda/monitor/target';
import { formatDuration, parseDuration } from '../../lambda/parse/duration';
import { CaBundleError, readCaBundle } from '../../lambda/probe/ca-bundle';
import { parsePlaintextPort } from '../../lambda/monitor/plaintext-port';
import { formatFieldError } from '../../lambda/parse/field-error';
import { UsageError } from './cli-io';
import { DEFAULT_STATE_DIR } from './state-dir';

/** An integer flag: its name, what its value is (after "is not"), and the values it accepts. */
export interface IntegerFlag {
  readonly flag: string;
  readonly what: string;
  readonly min: number;
  readonly max: number;
}

/** A duration flag (`30s`, `5m`): its name and the durations it accepts, in ms. */
export interface DurationFlag {
  readonly flag: string;
  readonly minMs: number;
  readonly maxMs: number;
}

const prober = PROBER_INTEGER_VARIABLES;

/**
 * Every integer flag of the CLI. A flag that sets what the prober or a Targets item also sets takes
 * their range, so the CLI never accepts a value the deployed prober would refuse.
 */
export const INTEGER_FLAGS = {
  /** `probe`, `local` and `targets add`: one probe deadline per phase, a target's `timeoutMs`. */
  timeout: { flag: '--timeout', what: 'a timeout in ms', ...TIMEOUT_RANGE_MS },
  /** `probe` and `local`: targets probed at once, as the prober's PROBE_CONCURRENCY. */
  concurrency: { flag: '--concurrency', what: 'a number of targets', min: prober.probeConcurrency.min, max: prober.probeConcurrency.max },
  /** `probe`: 0 reports only expired certificates. */
  certExpiringDays: { flag: '--cert-expiring-days', what: 'a number of days', min: 0, max: 3650 },
  ticks: { flag: '--ticks', what: 'a number of ticks', min: 1, max: 1_000_000 },
  limit: { flag: '--limit', what: 'a number of events', min: 1, max: 10_000 },
  confirmAttempts: { flag: '--confirm-attempts', what: 'a number of observations', min: prober.confirmAttempts.min, max: prober.confirmAttempts.max },
  confirmDelay: { flag: '--confirm-delay', what: 'a delay in ms', min: prober.confirmDelayMs.min, max: prober.confirmDelayMs.max },
  /** `local --vantage`: checked again against the number of vantage points given (vantage-config.ts). */
  quorum: { flag: '--quorum', what: 'a number of vantage points', min: 1, max: 64 },
} as const satisfies Record<string, IntegerFlag>;

/**
 * Every duration flag. Local ticks may be as short as a second (the deployed schedule is a minute at
 * least): a local run is for watching a broker being set up, seconds at a time.
 */
export const DURATION_FLAGS = {
  interval: { flag: '--interval', minMs: 1000, maxMs: 86_400_000 },
  postureEvery: { flag: '--posture-every', minMs: 1000, maxMs: 86_400_000 },
} as const satisfies Record<string, DurationFlag>;

/** `1-1000`, the range as the flag's help and errors show it. */
export function rangeText(spec: IntegerFlag): string {
  return `${spec.min}-${spec.max}`;
}

/** Reads an integer flag's value; throws a UsageError naming the flag, the value and the range. */
export function parseIntegerFlag(spec: IntegerFlag, value: string): number {
  const text = value.trim();
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < spec.min || n > spec.max) throw new UsageError(`${spec.flag}: ${JSON.stringify(value)} is not ${spec.what} (${rangeText(spec)})`);
  return n;
}

/** A commander argument parser for an integer flag. */
export function integerOption(spec: IntegerFlag): (value: string) => number {
  return (value) => parseIntegerFlag(spec, value);
}

/** Durations to show as examples, those the flag accepts: a suggestion is never a value it refuses. */
const DURATION_EXAMPLES_MS = [30_000, 300_000, 3_600_000];

/** Reads a duration flag's value; throws a UsageError naming the flag and the value. */
export function parseDurationFlag(spec: DurationFlag, value: string): number {
  const accepts = (ms: number): boolean => ms >= spec.minMs && ms <= spec.maxMs;
  const range = `from ${formatDuration(spec.minMs)} to ${formatDuration(spec.maxMs)}`;
  const ms = parseDuration(value);
  if (ms === null) {
    const text = value.trim();
    const number = /^\d{1,9}$/.test(text);
    // A bare number was meant in some unit: suggest seconds, only when the flag takes that many.
    if (number && accepts(Number(text) * 1000)) throw new UsageError(`${spec.flag}: ${JSON.stringify(value)} is not a duration: add a unit, e.g. ${text}s`);
    const accepted = DURATION_EXAMPLES_MS.filter(accepts).slice(0, 2);
    const examples = (accepted.length > 0 ? accepted : [spec.minMs]).map(formatDuration).join(', ');
    throw new UsageError(`${spec.flag}: ${JSON.stringify(value)} is not a duration${number ? ` ${range}` : ''} (e.g. ${examples})`);
  }
  if (!accepts(ms)) throw new UsageError(`${spec.flag}: ${JSON.stringify(value)} is not a duration ${range}`);
  return ms;
}

/** A commander argument parser for a duration flag. */
export function durationOption(spec: DurationFlag): (value: string) => number {
  return (value) => parseDurationFlag(spec, value);
}

export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** The options that choose a backend, shared by every operator command. */
export function addBackendOptions(command: Command): Command {
  return command
    .option('--state <dir>', `local state directory (the one \`portwatch local\` uses) (default: "${DEFAULT_STATE_DIR}")`)
    .option('--stack <name>', 'a deployed portwatch stack: table names come from its CloudFormation outputs')
    .option('--region <region>', 'AWS region of --stack (default: from AWS_REGION or the AWS profile)')
    .option('--json', 'one JSON object per line on stdout');
}

/** Shown at the end of every operator command's --help. */
export const BACKEND_HELP = `
Backends:
  By default the command works on the local state directory ${DEFAULT_STATE_DIR}/ (the one \`portwatch local\` keeps);
  --state DIR names another. While \`portwatch local\` runs, the command talks to the database it serves.
  --stack NAME works on a deployed stack instead, with the standard AWS credential chain
  (AWS_PROFILE, environment, SSO, instance role) and --region or the profile's region.

Exit codes: 0 ok, 1 the operation failed (or the target was not found), 2 bad usage or input.`;

/**
 * A CA bundle option (`--ca FILE`): read and checked before any probe, so a bad file is a usage error
 * (exit 2) naming the option and the path, not one failed handshake per target. For every command
 * that takes one.
 */
export function caFileOption(path: string, option: string): string {
  try {
    return readCaBundle(path, option);
  } catch (err) {
    if (err instanceof CaBundleError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * `--plaintext-port N|none`, by the rule of a target's `plaintextPort` attribute, so `none` and a port
 * mean the same in a flag and in a targets file. undefined: not given (the default applies); null: off.
 */
export function plaintextPortFlag(raw: string | undefined): number | null | undefined {
  const parsed = parsePlaintextPort(raw);
  if (!parsed.ok) throw new UsageError(formatFieldError({ ...parsed.error, field: '--plaintext-port' }));
  return parsed.value;
}
