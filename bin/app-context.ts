/**
 * The app's context (`cdk deploy -c key=value`, cdk.json) read into the stack's props: every key
 * checked (a misspelt one fails naming the key it probably meant), each value parsed with an error
 * naming the context key and the value. Range checks live with the props (their errors name the same
 * key). Apart from bin/portwatch-app.ts so that tests read context in-process, in milliseconds, where
 * a synth in a child process costs seconds.
 */
import { type App, Duration } from 'aws-cdk-lib';
import { PortwatchConfigError } from '../lib/infra/constructs/config-validation';
import { CaBundleError, readCaBundle } from '../lambda/probe/ca-bundle';
import type { PortwatchStackProps } from '../lib/infra/portwatch-stack';
import { parseEvery } from '../lambda/monitor/lane';
import { parseRegionNames } from '../lambda/monitor/vantage-config';

/** Context keys read by this app; any other key that is not CDK's own fails the synth (see checkContextKeys). */
const CONTEXT_KEYS = [
  'scheduleMinutes',
  'alertEmail',
  'opsEmail',
  'defaultPort',
  'probeTimeoutMs',
  'postureEveryMinutes',
  'allowedCidrs',
  'proberMaxConcurrency',
  'probeConcurrency',
  'proberBatchSize',
  'targetsPerMessage',
  'scanSegments',
  'caBundle',
  'plaintextPort',
  'securityHub',
  'eventBus',
  'chatTopic',
  'discovery',
  'discoveryRegions',
  'discoveryAccounts',
  'discoveryExternalId',
  'discoveryEveryHours',
  'discoveryOrganizationId',
  'defaultEvery',
  'regions',
  'vantageQuorum',
  'account',
  'region',
] as const;
type ContextKey = (typeof CONTEXT_KEYS)[number];

/**
 * Context keys of CDK itself that have no namespace: the CLI's telemetry switch (cdk.json), the
 * notices a user acknowledged (cdk.context.json), the asset repository override, and the marker
 * `cdk migrate` writes. Every other key of CDK or a library carries a namespace (see isNamespaced).
 */
const CDK_PLAIN_KEYS: ReadonlySet<string> = new Set(['cli-telemetry', 'acknowledged-issue-numbers', 'assets-ecr-repository-name', 'cdk-migrate']);

/**
 * Keys with a `:`, `@`, `/`, `.` or `=` belong to someone else: feature flags (`@aws-cdk/core:...`),
 * the CLI's own (`aws:cdk:bundling-stacks`, `aws-cdk:enableDiffNoFail`), cached lookups
 * (`availability-zones:account=...`) and other libraries' settings. A portwatch key is a plain word.
 */
function isNamespaced(key: string): boolean {
  return /[:@/.=]/.test(key);
}

/** Edit distance, ignoring case: `alertemail` is a miss of `alertEmail` by nothing but case. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/**
 * A misspelt `-c` key would otherwise be ignored and the stack deployed with the default, so every
 * plain key must be one of CONTEXT_KEYS. The suggestion is the closest key within a third of its
 * length (`scheduleMinute`, `allowed-cidrs`, `alertemail`); past that the error lists every key.
 */
export function checkContextKeys(app: App): void {
  const known: readonly string[] = CONTEXT_KEYS;
  const unknown = Object.keys(app.node.getAllContext() as Record<string, unknown>)
    .filter((key) => !known.includes(key) && !isNamespaced(key) && !CDK_PLAIN_KEYS.has(key))
    .sort();
  if (unknown.length === 0) return;
  const explain = (key: string): string => {
    // Dashes and underscores are how other tools spell keys: `allowed-cidrs` means `allowedCidrs`.
    const plain = key.replace(/[-_]/g, '');
    const [closest] = [...known].sort((a, b) => distance(plain, a) - distance(plain, b));
    const near = closest !== undefined && distance(plain, closest) <= Math.ceil(closest.length / 3);
    return `unknown context key ${JSON.stringify(key)}: ` + (near ? `did you mean ${JSON.stringify(closest)}?` : `portwatch reads ${known.join(', ')}`);
  };
  throw new PortwatchConfigError(unknown.map(explain).join('; '));
}

function describe(key: ContextKey, raw: unknown): string {
  return `context "${key}" (-c ${key}=...) got ${JSON.stringify(raw)}`;
}

/** `-c` values arrive as strings, cdk.json values as JSON; absent or empty means "use the default". */
function readNumber(app: App, key: ContextKey): number | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  throw new PortwatchConfigError(`${describe(key, raw)}: expected a number`);
}

function readString(app: App, key: ContextKey): string | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new PortwatchConfigError(`${describe(key, raw)}: expected a string`);
  const value = raw.trim();
  return value === '' ? undefined : value;
}

/** `-c securityHub=true`: the strings `true`/`false` or a JSON boolean (cdk.json); absent means false. */
function readBoolean(app: App, key: ContextKey): boolean | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && /^\s*(true|false)\s*$/i.test(raw)) return raw.trim().toLowerCase() === 'true';
  throw new PortwatchConfigError(`${describe(key, raw)}: expected true or false`);
}

/**
 * `-c eventBus=default` or `-c eventBus=NAME`: a bus of this account and region, by name (letters,
 * digits, `.`, `-`, `_`, `/`; at most 256). An ARN is refused: the stack grants PutEvents on the bus
 * of its own account and region, and a bus elsewhere needs a rule on that bus instead.
 */
function readEventBus(app: App): string | undefined {
  const name = readString(app, 'eventBus');
  if (name === undefined) return undefined;
  if (!/^[/.\-_A-Za-z0-9]{1,256}$/.test(name)) {
    throw new PortwatchConfigError(`${describe('eventBus', name)}: expected "default" or the name of an event bus of this account and region (letters, digits, . - _ /)`);
  }
  return name;
}

/** A comma-separated string (`-c allowedCidrs=10.0.0.0/8,fd00::/8`) or a JSON array of strings (cdk.json). */
function readList(app: App, key: ContextKey): string[] | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null) return undefined;
  const items = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(items) || !items.every((item): item is string => typeof item === 'string')) {
    throw new PortwatchConfigError(`${describe(key, raw)}: expected a comma-separated list or a JSON array of strings`);
  }
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * `-c defaultEvery=10s`: the fast lane of targets without an `every`, read as a target's `every` is
 * (the same choices, the same words); `schedule` is the default.
 */
function readEverySetting(app: App): Duration | undefined {
  const raw = readString(app, 'defaultEvery');
  if (raw === undefined) return undefined;
  const every = parseEvery(raw, 'defaultEvery');
  if (!every.ok) throw new PortwatchConfigError(`${describe('defaultEvery', raw)}: ${every.error.reason}`);
  return typeof every.value === 'number' ? Duration.millis(every.value) : undefined;
}

/**
 * `-c caBundle=path/to/ca.pem`: the file's certificates, read and checked here (a relative path is
 * from the directory cdk runs in), so a wrong path or a file that is not PEM fails the synth naming
 * the setting and the path. The same reader serves the CLI's `--ca`.
 */
function readCaBundleSetting(app: App): string | undefined {
  const file = readString(app, 'caBundle');
  if (file === undefined) return undefined;
  try {
    return readCaBundle(file, 'context "caBundle" (-c caBundle=...)');
  } catch (error) {
    if (error instanceof CaBundleError) throw new PortwatchConfigError(error.message);
    throw error;
  }
}

/**
 * `-c discovery=true` switches discovery on (off by default: a first deploy never alerts on resources
 * nobody listed); the other discovery keys refine it and, given alone, switch it on too.
 */
function readDiscovery(app: App): PortwatchStackProps['discovery'] {
  const raw: unknown = app.node.tryGetContext('discovery');
  const on = raw === true || (typeof raw === 'string' && /^(true|yes|1)$/i.test(raw.trim()));
  const off = raw === false || (typeof raw === 'string' && /^(false|no|0)$/i.test(raw.trim()));
  if (raw !== undefined && raw !== null && raw !== '' && !on && !off) throw new PortwatchConfigError(`${describe('discovery', raw)}: expected true or false`);
  if (off) return undefined;
  const regions = readList(app, 'discoveryRegions');
  const accounts = readString(app, 'discoveryAccounts');
  const externalId = readString(app, 'discoveryExternalId');
  const hours = readNumber(app, 'discoveryEveryHours');
  const organizationId = readString(app, 'discoveryOrganizationId');
  const refined = regions !== undefined || accounts !== undefined || externalId !== undefined || hours !== undefined || organizationId !== undefined;
  if (!on && !refined) return undefined;
  return {
    ...(regions ? { regions } : {}),
    ...(accounts ? { accounts: accounts.toLowerCase() === 'organization' ? 'organization' : accounts.split(',').map((a) => a.trim()).filter((a) => a !== '') } : {}),
    ...(externalId ? { externalId } : {}),
    ...(hours !== undefined ? { every: Duration.hours(hours) } : {}),
    ...(organizationId ? { organizationId } : {}),
  };
}

/** What bin/portwatch-app.ts tells addPortwatchStacks to say when several regions lack the account or region. */
export const ENV_ADVICE = {
  account: '-c account=123456789012 (or CDK_DEFAULT_ACCOUNT, which cdk sets from your credentials)',
  region: '-c region=eu-central-1, the home region (or CDK_DEFAULT_REGION)',
} as const;

/**
 * `-c regions=us-east-1,eu-west-1,ap-southeast-2` (+ `-c vantageQuorum=K`): a prober in each listed
 * region besides home, checked by the names' one parser. `-c account` and `-c region` are the home
 * stack's account and region, which cross-region references need concrete; absent, CDK_DEFAULT_ACCOUNT
 * and CDK_DEFAULT_REGION (what `cdk` found in the credentials). They are refused without `regions`; with
 * one vantage point (no `regions`, or the home region alone) the stack is today's, environment-agnostic,
 * template for template.
 */
function readVantages(app: App, defaults: { readonly account?: string; readonly region?: string }): Pick<PortwatchStackProps, 'vantageRegions' | 'vantageQuorum' | 'env'> {
  const regions = readList(app, 'regions') ?? [];
  if (regions.length > 0) {
    const parsed = parseRegionNames('regions', regions.join(','));
    if (!parsed.ok) throw new PortwatchConfigError(`${describe('regions', app.node.tryGetContext('regions'))}: ${parsed.error.reason}`);
  }
  const quorum = readNumber(app, 'vantageQuorum');
  const given = { account: readString(app, 'account'), region: readString(app, 'region') };
  // Without `regions` the stack is environment-agnostic, as it always was: an `account` or `region`
  // given alone would be ignored, which is worse than refused.
  for (const key of ['account', 'region'] as const) {
    if (regions.length === 0 && given[key] !== undefined) {
      throw new PortwatchConfigError(`${describe(key, given[key])}: used with -c regions only (the home region of several); a single-region stack deploys to the account and region of your credentials`);
    }
  }
  const account = given.account ?? defaults.account;
  const region = given.region ?? defaults.region;
  if (account !== undefined && !/^\d{12}$/.test(account)) throw new PortwatchConfigError(`${describe('account', account)}: expected a 12-digit AWS account id`);
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new PortwatchConfigError(`${describe('region', region)}: expected an AWS region name such as eu-central-1`);
  const quorumProp = quorum === undefined ? {} : { vantageQuorum: quorum };
  if (!regions.some((listed) => listed !== region)) return quorumProp;
  return { vantageRegions: regions, ...quorumProp, env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } };
}

/**
 * The stack's props from the app's context; throws PortwatchConfigError naming the key and the value.
 * `defaults`: the account and region `cdk` found in the credentials (CDK_DEFAULT_ACCOUNT/REGION), used with `regions` only.
 */
export function stackPropsFromContext(app: App, defaults: { readonly account?: string; readonly region?: string } = {}): PortwatchStackProps {
  checkContextKeys(app);
  return {
    ...readVantages(app, defaults),
    scheduleMinutes: readNumber(app, 'scheduleMinutes'),
    alertEmail: readString(app, 'alertEmail'),
    opsEmail: readString(app, 'opsEmail'),
    defaultPort: readNumber(app, 'defaultPort'),
    probeTimeoutMs: readNumber(app, 'probeTimeoutMs'),
    plaintextPort: readNumber(app, 'plaintextPort'),
    postureEveryMinutes: readNumber(app, 'postureEveryMinutes'),
    allowedCidrs: readList(app, 'allowedCidrs'),
    proberMaxConcurrency: readNumber(app, 'proberMaxConcurrency'),
    probeConcurrency: readNumber(app, 'probeConcurrency'),
    proberBatchSize: readNumber(app, 'proberBatchSize'),
    targetsPerMessage: readNumber(app, 'targetsPerMessage'),
    scanSegments: readNumber(app, 'scanSegments'),
    caBundle: readCaBundleSetting(app),
    securityHub: readBoolean(app, 'securityHub'),
    eventBusName: readEventBus(app),
    chatTopic: readBoolean(app, 'chatTopic'),
    discovery: readDiscovery(app),
    defaultEvery: readEverySetting(app),
  };
}
