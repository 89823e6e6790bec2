/**
 * The environments of discovery: the discovery function's variables (where to look, how to get into
 * member accounts), the re-probe function's, and the two the prober reads to look up root causes.
 * The Discovery construct sets them and the handlers parse them with the parsers here; each name is
 * written here only, and so is the member role's name both stacks use.
 */
import { ConfigError, DEFAULT_PORT_VARIABLE, optionalString, parseEnv, readIntegers, requireString, integerEntries, type Env, type IntegerValues, type IntegerVariables, type ParseEnvOptions } from './env';
import { readVantageQueues, VANTAGE_QUEUE_VARIABLES, vantageQueueEnvironment, type VantageQueueConfig } from './vantage-env';

/** The read-only role in every member account (MemberAccountRole construct): its name is part of the contract, so sts:AssumeRole can be scoped to it. */
export const DEFAULT_MEMBER_ROLE_NAME = 'portwatch-discovery-read';

/** A role name IAM accepts (and that an IAM ARN can carry without escaping). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** What AssumeRole accepts as an external id. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export const DISCOVERY_STRING_VARIABLES = {
  targetsTableName: 'TARGETS_TABLE_NAME',
  /** Comma-separated regions; empty: the function's own region. */
  regions: 'DISCOVERY_REGIONS',
  /** `organization`, or comma-separated account ids (the home account is always visited). */
  accounts: 'DISCOVERY_ACCOUNTS',
  memberRoleName: 'MEMBER_ROLE_NAME',
  memberExternalId: 'MEMBER_EXTERNAL_ID',
} as const;

export const DISCOVERY_INTEGER_VARIABLES = {
  /** Account/region scopes read at once: 8 keeps a 50-account organization inside one run without tripping the per-account API rates. */
  concurrency: { name: 'DISCOVERY_CONCURRENCY', default: 8, min: 1, max: 64 },
  defaultPort: DEFAULT_PORT_VARIABLE,
} as const satisfies IntegerVariables;

export type DiscoverySettings = IntegerValues<typeof DISCOVERY_INTEGER_VARIABLES>;

/** Who to read: the organization, or a list of account ids. */
export type AccountScope = 'organization' | readonly string[];

export interface DiscoveryEnvConfig extends DiscoverySettings {
  readonly targetsTableName: string;
  /** Empty: the function's own region. */
  readonly regions: readonly string[];
  readonly accounts: AccountScope;
  readonly memberRoleName: string;
  readonly memberExternalId: string | null;
}

/** `organization` or account ids, checked; the name says which setting was wrong. */
export function parseAccountScope(text: string, name: string): AccountScope {
  const value = text.trim();
  if (value.toLowerCase() === 'organization') return 'organization';
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = ids.find((id) => !ACCOUNT_ID.test(id));
  if (bad !== undefined) throw new ConfigError(`${name}: ${JSON.stringify(bad)} is not a 12-digit account id (or give "organization")`);
  return ids;
}

export function parseRegions(text: string, name: string): string[] {
  const regions = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = regions.find((r) => !REGION.test(r));
  if (bad !== undefined) throw new ConfigError(`${name}: ${JSON.stringify(bad)} is not an AWS region (e.g. eu-west-1)`);
  return [...new Set(regions)];
}

export function checkRoleName(value: string, name: string): string {
  if (!ROLE_NAME.test(value)) throw new ConfigError(`${name}: ${JSON.stringify(value)} is not an IAM role name (1-64 of letters, digits and +=,.@_-)`);
  return value;
}

export function checkExternalId(value: string, name: string): string {
  if (!EXTERNAL_ID.test(value)) throw new ConfigError(`${name}: ${JSON.stringify(value)} is not an external id (2-1224 of letters, digits and +=,.@:/_-)`);
  return value;
}

export function parseDiscoveryEnv(env: Env, options: ParseEnvOptions = {}): DiscoveryEnvConfig {
  return parseEnv(env, 'discovery function', options, (vars) => {
    const n = DISCOVERY_STRING_VARIABLES;
    const externalId = optionalString(vars, n.memberExternalId, '');
    return {
      targetsTableName: requireString(vars, n.targetsTableName),
      regions: parseRegions(optionalString(vars, n.regions, ''), `environment variable ${n.regions}`),
      accounts: parseAccountScope(optionalString(vars, n.accounts, ''), `environment variable ${n.accounts}`),
      memberRoleName: checkRoleName(optionalString(vars, n.memberRoleName, DEFAULT_MEMBER_ROLE_NAME), `environment variable ${n.memberRoleName}`),
      memberExternalId: externalId === '' ? null : checkExternalId(externalId, `environment variable ${n.memberExternalId}`),
      ...readIntegers(vars, DISCOVERY_INTEGER_VARIABLES),
    };
  });
}

export function discoveryEnvironment(input: DiscoveryEnvConfig): Record<string, string> {
  const n = DISCOVERY_STRING_VARIABLES;
  return {
    [n.targetsTableName]: input.targetsTableName,
    [n.regions]: input.regions.join(','),
    [n.accounts]: input.accounts === 'organization' ? 'organization' : input.accounts.join(','),
    [n.memberRoleName]: input.memberRoleName,
    ...(input.memberExternalId === null ? {} : { [n.memberExternalId]: input.memberExternalId }),
    ...integerEntries(DISCOVERY_INTEGER_VARIABLES, input),
  };
}

/**
 * The re-probe function: where discovered targets are read, where probe messages go. Several regions:
 * every vantage point's queue, read as the dispatcher reads them (vantage-env.ts), so a re-probe
 * reaches the same probers as a tick.
 */
export const REPROBE_STRING_VARIABLES = { targetsTableName: 'TARGETS_TABLE_NAME', probeQueueUrl: 'PROBE_QUEUE_URL', ...VANTAGE_QUEUE_VARIABLES } as const;

export interface ReprobeEnvConfig {
  readonly targetsTableName: string;
  readonly probeQueueUrl: string;
  /** Several regions: each re-probe goes to every vantage point's queue. Absent: the probe queue only (one region). */
  readonly vantages?: VantageQueueConfig;
}

export function parseReprobeEnv(env: Env, options: ParseEnvOptions = {}): ReprobeEnvConfig {
  return parseEnv(env, 're-probe function', options, (vars) => ({
    targetsTableName: requireString(vars, REPROBE_STRING_VARIABLES.targetsTableName),
    probeQueueUrl: requireString(vars, REPROBE_STRING_VARIABLES.probeQueueUrl),
    ...readVantageQueues(vars, REPROBE_STRING_VARIABLES.probeQueueUrl),
  }));
}

export function reprobeEnvironment(input: ReprobeEnvConfig): Record<string, string> {
  return { [REPROBE_STRING_VARIABLES.targetsTableName]: input.targetsTableName, [REPROBE_STRING_VARIABLES.probeQueueUrl]: input.probeQueueUrl, ...vantageQueueEnvironment(input.vantages) };
}

/**
 * The prober's root-cause lookup (read by parseProberEnv): the member role to read other accounts'
 * security groups and CloudTrail with. Absent ROOT_CAUSE_ROLE_NAME: no lookup (a stack without discovery).
 */
export const ROOT_CAUSE_VARIABLES = { roleName: 'ROOT_CAUSE_ROLE_NAME', externalId: 'ROOT_CAUSE_EXTERNAL_ID' } as const;

export interface RootCauseSettings {
  readonly roleName: string;
  readonly externalId: string | null;
}

export function parseRootCauseEnv(vars: Env): RootCauseSettings | null {
  const role = optionalString(vars, ROOT_CAUSE_VARIABLES.roleName, '');
  const externalId = optionalString(vars, ROOT_CAUSE_VARIABLES.externalId, '');
  if (role === '') return null;
  return {
    roleName: checkRoleName(role, `environment variable ${ROOT_CAUSE_VARIABLES.roleName}`),
    externalId: externalId === '' ? null : checkExternalId(externalId, `environment variable ${ROOT_CAUSE_VARIABLES.externalId}`),
  };
}

export function rootCauseEnvironment(settings: RootCauseSettings): Record<string, string> {
  return { [ROOT_CAUSE_VARIABLES.roleName]: settings.roleName, ...(settings.externalId === null ? {} : { [ROOT_CAUSE_VARIABLES.externalId]: settings.externalId }) };
}
