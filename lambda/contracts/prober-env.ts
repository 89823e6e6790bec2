/**
 * The prober function's environment: the variables the ProbeFanOut construct sets and the prober
 * handler reads, with their defaults and ranges, one parser (`parseProberEnv`) and one builder
 * (`proberEnvironment`). Each name is written here only.
 */
import { DEFAULT_POSTURE_EVERY_MS } from '../monitor/cadence';
import { DEFAULT_PROBER_CONFIG } from '../monitor/prober/service';
import { TIMEOUT_RANGE_MS } from '../monitor/target';
import { DEFAULT_PROBE_OPTIONS } from '../probe';
import { parseCidrList, type Cidr } from '../probe/address-policy';
import { CaBundleError, parseCaBundle } from '../probe/ca-bundle';
import {
  ConfigError,
  DEFAULT_PORT_VARIABLE,
  TICK_INTERVAL_VARIABLE,
  defaultsOf,
  integerEntries,
  optionalString,
  parseEnv,
  readIntegers,
  requireString,
  type Env,
  type IntegerValues,
  type IntegerVariables,
  type ParseEnvOptions,
} from './env';
import { DEFAULT_EVENT_RETENTION_DAYS } from './tables';
import { VANTAGE_QUEUE_VARIABLES } from './vantage-env';
import { isRegionName, parseVantageNames, vantageConfig, type VantageConfig } from '../monitor/vantage-config';
import { formatFieldError } from '../parse/field-error';
import { parseRootCauseEnv, rootCauseEnvironment, type RootCauseSettings } from './discovery-env';

/** The prober's string variables, by config field. */
export const PROBER_STRING_VARIABLES = {
  stateTableName: 'STATE_TABLE_NAME',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** Optional: without it the prober keeps no digests and reads every state every tick. */
  targetsTableName: 'TARGETS_TABLE_NAME',
  /** Comma-separated CIDR blocks the address guard lets through; empty: none. */
  allowedCidrs: 'ALLOWED_CIDRS',
  /** Optional PEM certificates of private CAs, trusted besides the public roots (checked by parseCaBundle). */
  caBundle: 'CA_BUNDLE',
  /** `true`: import findings into Security Hub (the account's default product); absent or `false`: off. */
  securityHub: 'SECURITY_HUB_FINDINGS',
  /** Optional: the EventBridge bus (name or ARN) every alert is also put on. */
  eventBusName: 'EVENT_BUS_NAME',
  /** Optional: the chat topic every alert is also published to, as an Amazon Q Developer custom notification. */
  chatTopicArn: 'CHAT_TOPIC_ARN',
  // Multi-region probing: this prober's vantage point (the name every function of a region reads), every vantage point, and the outage quorum.
  vantage: VANTAGE_QUEUE_VARIABLES.vantage,
  vantages: 'VANTAGES',
  vantageQuorum: 'VANTAGE_QUORUM',
  // The region of the tables and topics when the prober runs in another one (a prober stack).
  homeRegion: 'HOME_REGION',
} as const;

/** An EventBridge bus name (`default`, `security-events`) or a bus ARN, as PutEvents takes it. */
const EVENT_BUS = /^(arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[/.\-_A-Za-z0-9]{1,256}$/;

/**
 * Lambda's limit for all environment variables of a function together, measured on their JSON
 * (`{"NAME":"value",...}`). The CA bundle travels in the environment, so the construct checks the
 * whole environment against it at synth.
 */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;

/** The prober's integer variables, by config field. */
export const PROBER_INTEGER_VARIABLES = {
  defaultPort: DEFAULT_PORT_VARIABLE,
  probeTimeoutMs: { name: 'PROBE_TIMEOUT_MS', default: DEFAULT_PROBE_OPTIONS.timeoutMs, ...TIMEOUT_RANGE_MS },
  confirmAttempts: { name: 'CONFIRM_ATTEMPTS', default: DEFAULT_PROBER_CONFIG.confirmAttempts, min: 1, max: 5 },
  confirmDelayMs: { name: 'CONFIRM_DELAY_MS', default: DEFAULT_PROBER_CONFIG.confirmDelayMs, min: 0, max: 10_000 },
  eventRetentionDays: { name: 'EVENT_RETENTION_DAYS', default: DEFAULT_EVENT_RETENTION_DAYS, min: 1, max: 3650 },
  certExpiringDays: { name: 'CERT_EXPIRING_DAYS', default: DEFAULT_PROBE_OPTIONS.certExpiringDays, min: 1, max: 365 },
  // The clear-text MQTT port checked beside the TLS one at depth mqtt; 0 switches the check off for the stack.
  plaintextPort: { name: 'PLAINTEXT_PORT', default: DEFAULT_PROBE_OPTIONS.plaintextPort ?? 0, min: 0, max: 65535 },
  probeConcurrency: { name: 'PROBE_CONCURRENCY', default: DEFAULT_PROBER_CONFIG.concurrency, min: 1, max: 1000 },
  tickIntervalMs: TICK_INTERVAL_VARIABLE,
  // An open broker gets a deep look at least daily.
  postureEveryMs: { name: 'POSTURE_EVERY_MS', default: DEFAULT_POSTURE_EVERY_MS, min: 60_000, max: 86_400_000 },
} as const satisfies IntegerVariables;

/** The prober's tunables: what `portwatch local` sets from its flags and the stack from its props. */
export type ProberSettings = IntegerValues<typeof PROBER_INTEGER_VARIABLES>;

/** What the prober uses when a variable is absent (and `portwatch local` when a flag is). */
export const PROBER_DEFAULTS: ProberSettings = defaultsOf(PROBER_INTEGER_VARIABLES);

/** The prober's environment, parsed. */
export interface ProberEnvConfig extends ProberSettings {
  readonly stateTableName: string;
  readonly alertTopicArn: string;
  readonly targetsTableName: string | null;
  readonly allowedCidrs: readonly Cidr[];
  /** PEM certificates of private CAs to trust besides the public roots; null: public roots only. */
  readonly caBundle: string | null;
  /** The root-cause lookup of discovered targets (set by the Discovery construct); null: none. */
  readonly rootCause: RootCauseSettings | null;
  /** Import findings into Security Hub. */
  readonly securityHub: boolean;
  /** The bus every alert is also put on; null: no events. */
  readonly eventBusName: string | null;
  /** The chat topic every alert is also published to; null: none. */
  readonly chatTopicArn: string | null;
  /** This prober's vantage point among several; null: one vantage point (no VANTAGE variables). */
  readonly vantage: VantageConfig | null;
  /** Region of the State table and the topics; null: the prober's own region. */
  readonly homeRegion: string | null;
}

/** What the construct knows when it builds the prober's environment (values already range-checked). */
export interface ProberEnvironmentInput extends ProberSettings {
  readonly stateTableName: string;
  readonly alertTopicArn: string;
  /** @default - no Targets table: no digests */
  readonly targetsTableName?: string;
  /** CIDR blocks in their canonical text (`10.0.0.0/8`). */
  readonly allowedCidrs: readonly string[];
  /** PEM certificates as parseCaBundle (probe/ca-bundle.ts) returns them. @default - public roots only */
  readonly caBundle?: string;
  /** The root-cause lookup of discovered targets. @default - none */
  readonly rootCause?: RootCauseSettings | null;
  /** @default false */
  readonly securityHub?: boolean;
  /** @default - no events */
  readonly eventBusName?: string;
  /** @default - no chat topic */
  readonly chatTopicArn?: string;
  /** Several vantage points (regions) look at the same targets. @default - one */
  readonly vantage?: VantageConfig | null;
  /** The tables' and topics' region, when the prober runs in another. @default - the prober's own */
  readonly homeRegion?: string;
}

/** The alert sinks' variables, each optional: a switch, a bus name, a topic ARN. */
function readSinkVariables(vars: Env): Pick<ProberEnvConfig, 'securityHub' | 'eventBusName' | 'chatTopicArn'> {
  const names = PROBER_STRING_VARIABLES;
  const securityHub = optionalString(vars, names.securityHub, 'false');
  if (securityHub !== 'true' && securityHub !== 'false') throw new ConfigError(`environment variable ${names.securityHub}=${JSON.stringify(securityHub)} must be true or false`);
  const bus = optionalString(vars, names.eventBusName, '');
  if (bus !== '' && !EVENT_BUS.test(bus)) throw new ConfigError(`environment variable ${names.eventBusName}=${JSON.stringify(bus)} must be an event bus name (letters, digits, . - _ /) or an event bus ARN`);
  const chat = optionalString(vars, names.chatTopicArn, '');
  return { securityHub: securityHub === 'true', eventBusName: bus === '' ? null : bus, chatTopicArn: chat === '' ? null : chat };
}

/** The certificates of CA_BUNDLE, checked as the stack checked them at synth; a ConfigError otherwise. */
function readVantageVariables(vars: Env): Pick<ProberEnvConfig, 'vantage' | 'homeRegion'> {
  const names = PROBER_STRING_VARIABLES;
  const home = optionalString(vars, names.homeRegion, '');
  if (home !== '' && !isRegionName(home)) throw new ConfigError(`environment variable ${names.homeRegion}=${JSON.stringify(home)} must be an AWS region name such as eu-west-1`);
  const self = optionalString(vars, names.vantage, '');
  const list = optionalString(vars, names.vantages, '');
  const quorumText = optionalString(vars, names.vantageQuorum, '');
  if (self === '' && list === '' && quorumText === '') return { vantage: null, homeRegion: home === '' ? null : home };
  if (self === '' || list === '') throw new ConfigError(`environment variables ${names.vantage} and ${names.vantages} are set together or not at all (got ${names.vantage}=${JSON.stringify(self)}, ${names.vantages}=${JSON.stringify(list)})`);
  if (quorumText !== '' && !/^\d+$/.test(quorumText)) throw new ConfigError(`environment variable ${names.vantageQuorum}=${JSON.stringify(quorumText)} must be a whole number`);
  const quorum = quorumText === '' ? null : Number(quorumText);
  const fields = { name: `environment variable ${names.vantage}`, all: names.vantages, quorum: `environment variable ${names.vantageQuorum}` };
  const all = parseVantageNames(`environment variable ${names.vantages}`, list);
  if (!all.ok) throw new ConfigError(formatFieldError(all.error));
  const config = vantageConfig(self, all.value, quorum, fields);
  if (!config.ok) throw new ConfigError(formatFieldError(config.error));
  return { vantage: config.value, homeRegion: home === '' ? null : home };
}

function readCaVariable(text: string, name: string): string {
  try {
    return parseCaBundle(text, `environment variable ${name}`, 'its value');
  } catch (error) {
    if (error instanceof CaBundleError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Reads and checks the prober's environment; throws a ConfigError naming the variable and its value. */
export function parseProberEnv(env: Env, options: ParseEnvOptions = {}): ProberEnvConfig {
  return parseEnv(env, 'prober', options, (vars) => {
    const names = PROBER_STRING_VARIABLES;
    const allowed = parseCidrList(optionalString(vars, names.allowedCidrs, ''), names.allowedCidrs);
    if (!allowed.ok) throw new ConfigError(`environment variable ${names.allowedCidrs}: ${allowed.error.value} ${allowed.error.reason}`);
    const targetsTableName = optionalString(vars, names.targetsTableName, '');
    const caText = optionalString(vars, names.caBundle, '');
    const caBundle = caText === '' ? null : readCaVariable(caText, names.caBundle);
    return {
      stateTableName: requireString(vars, names.stateTableName),
      alertTopicArn: requireString(vars, names.alertTopicArn),
      targetsTableName: targetsTableName === '' ? null : targetsTableName,
      allowedCidrs: allowed.value,
      caBundle,
      rootCause: parseRootCauseEnv(vars),
      ...readSinkVariables(vars),
      ...readVantageVariables(vars),
      ...readIntegers(vars, PROBER_INTEGER_VARIABLES),
    };
  });
}

/** The prober's environment record, for the construct. */
export function proberEnvironment(input: ProberEnvironmentInput): Record<string, string> {
  const names = PROBER_STRING_VARIABLES;
  return {
    [names.stateTableName]: input.stateTableName,
    [names.alertTopicArn]: input.alertTopicArn,
    ...integerEntries(PROBER_INTEGER_VARIABLES, input),
    [names.allowedCidrs]: input.allowedCidrs.join(','),
    ...(input.targetsTableName === undefined ? {} : { [names.targetsTableName]: input.targetsTableName }),
    ...(input.caBundle === undefined ? {} : { [names.caBundle]: input.caBundle }),
    ...(input.rootCause ? rootCauseEnvironment(input.rootCause) : {}),
    ...(input.securityHub === true ? { [names.securityHub]: 'true' } : {}),
    ...(input.eventBusName === undefined ? {} : { [names.eventBusName]: input.eventBusName }),
    ...(input.chatTopicArn === undefined ? {} : { [names.chatTopicArn]: input.chatTopicArn }),
    ...(input.vantage ? { [names.vantage]: input.vantage.name, [names.vantages]: input.vantage.all.join(','), [names.vantageQuorum]: String(input.vantage.quorum) } : {}),
    ...(input.homeRegion === undefined ? {} : { [names.homeRegion]: input.homeRegion }),
  };
}
