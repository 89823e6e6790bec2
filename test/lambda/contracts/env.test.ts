import { DISPATCHER_DEFAULTS, DISPATCHER_INTEGER_VARIABLES, dispatcherEnvironment, parseDispatcherEnv } from '../../../lambda/contracts/dispatcher-env';
import { parseReprobeEnv, reprobeEnvironment } from '../../../lambda/contracts/discovery-env';
import { ConfigError, type Env, type IntegerVariables } from '../../../lambda/contracts/env';
import type { VantageQueueConfig } from '../../../lambda/contracts/vantage-env';
import { PROBER_DEFAULTS, PROBER_INTEGER_VARIABLES, parseProberEnv, proberEnvironment } from '../../../lambda/contracts/prober-env';
import type { PortwatchStackProps } from '../../../lib/infra/portwatch-stack';
import { selfSignedCert } from '../../helpers/certs';
import { logicalIdOf, synthPortwatch } from '../../helpers/synth';

/*
 * Each function of the synthesized stack gets its environment checked by that function's own parser,
 * strictly: a variable the construct sets and the parser does not read (one side renamed) fails here,
 * and so does a value outside the parser's range. Names and values are the template's; a value that
 * is a CloudFormation reference (a table name, a queue URL) becomes a placeholder string.
 */

/** The parser of each function, by the construct path of the function in the stack. */
const PARSERS = {
  'ProbeFanOut/Prober': parseProberEnv,
  'ProbeSchedule/Dispatcher': parseDispatcherEnv,
} as const;
type FunctionPath = keyof typeof PARSERS;

/** A CloudFormation reference as the function would see it at run time: some string. */
function placeholder(value: unknown): string {
  return typeof value === 'string' ? value : `{cfn ${JSON.stringify(value)}}`;
}

interface Synthesized {
  /** Logical ids of the resources the environments refer to, and of every function of the stack. */
  readonly ids: { readonly functions: readonly string[]; readonly parsed: readonly string[]; readonly targetsTable: string; readonly stateTable: string; readonly alertsTopic: string; readonly probeQueue: string };
  /** The environment of each function, as its handler would receive it. */
  readonly env: Record<FunctionPath, Env>;
}

function synth(props: PortwatchStackProps = {}): Synthesized {
  const { stack, template } = synthPortwatch(props);
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
  const paths = Object.keys(PARSERS) as FunctionPath[];
  const env = {} as Record<FunctionPath, Env>;
  for (const path of paths) {
    const variables = functions[logicalIdOf(stack, path)]?.Properties.Environment?.Variables ?? {};
    env[path] = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, placeholder(value)]));
  }
  const ids = {
    functions: Object.keys(functions).sort(),
    parsed: paths.map((path) => logicalIdOf(stack, path)).sort(),
    targetsTable: logicalIdOf(stack, 'Tables/TargetsTable'),
    stateTable: logicalIdOf(stack, 'Tables/StateTable'),
    alertsTopic: logicalIdOf(stack, 'Alerts/Topic'),
    probeQueue: logicalIdOf(stack, 'ProbeFanOut/Queue'),
  };
  return { ids, env };
}

describe('each synthesized function environment, read by its own parser', () => {
  // Prepare (shared: one synth of the default stack)
  const { ids, env } = synth();

  test('every function of the stack has a parser here', () => {
    expect(ids.functions).toEqual(ids.parsed);
  });

  test('the prober reads every variable it is given, and gets its defaults', () => {
    // Act
    const config = parseProberEnv(env['ProbeFanOut/Prober'], { strict: true });

    // Assess
    expect(config).toEqual({
      ...PROBER_DEFAULTS,
      stateTableName: placeholder({ Ref: ids.stateTable }),
      alertTopicArn: placeholder({ Ref: ids.alertsTopic }),
      targetsTableName: placeholder({ Ref: ids.targetsTable }),
      allowedCidrs: [],
      caBundle: null,
      rootCause: null,
      securityHub: false,
      eventBusName: null,
      chatTopicArn: null,
      vantage: null,
      homeRegion: null,
    });
  });

  test('the dispatcher reads every variable it is given, and gets its defaults', () => {
    // Act
    const config = parseDispatcherEnv(env['ProbeSchedule/Dispatcher'], { strict: true });

    // Assess
    expect(config).toEqual({
      ...DISPATCHER_DEFAULTS,
      targetsTableName: placeholder({ Ref: ids.targetsTable }),
      probeQueueUrl: placeholder({ Ref: ids.probeQueue }),
    });
  });
});

describe('a configured stack', () => {
  // Prepare: every setting that reaches a function's environment, away from its default
  const { env } = synth({
    scheduleMinutes: 1,
    postureEveryMinutes: 10,
    defaultPort: 1883,
    probeTimeoutMs: 2000,
    allowedCidrs: ['10.0.0.0/8', 'fd00::/8'],
    probeConcurrency: 500,
    confirmAttempts: 3,
    eventRetentionDays: 30,
    certExpiringDays: 21,
    plaintextPort: 0,
    targetsPerMessage: 50,
    scanSegments: 8,
  });

  test('the prober parses what the stack was configured with', () => {
    // Act
    const config = parseProberEnv(env['ProbeFanOut/Prober'], { strict: true });

    // Assess
    expect(config).toMatchObject({
      defaultPort: 1883,
      probeTimeoutMs: 2000,
      probeConcurrency: 500,
      confirmAttempts: 3,
      confirmDelayMs: PROBER_DEFAULTS.confirmDelayMs,
      eventRetentionDays: 30,
      certExpiringDays: 21,
      plaintextPort: 0,
      tickIntervalMs: 60_000,
      postureEveryMs: 600_000,
    });
    expect(config.allowedCidrs.map((cidr) => cidr.text)).toEqual(['10.0.0.0/8', 'fd00::/8']);
  });

  test('the dispatcher parses what the stack was configured with', () => {
    expect(parseDispatcherEnv(env['ProbeSchedule/Dispatcher'], { strict: true })).toMatchObject({ defaultPort: 1883, targetsPerMessage: 50, scanSegments: 8 });
  });
});

describe('a stack with a CA bundle', () => {
  // Prepare: two CA certificates as a PEM file holds them, text between the blocks.
  const first = selfSignedCert('/O=portwatch tests/CN=private root 1', null);
  const second = selfSignedCert('/O=portwatch tests/CN=private root 2', null);
  const { env } = synth({ caBundle: `# our private roots\n${first}subject=CN=private root 2\n${second}` });

  test('the prober parses both certificates, and nothing else, from its environment', () => {
    // Act
    const config = parseProberEnv(env['ProbeFanOut/Prober'], { strict: true });

    // Assess
    expect(config.caBundle).toBe(`${first.trim()}\n${second.trim()}\n`);
  });

  test('the dispatcher is not given it', () => {
    expect(Object.keys(env['ProbeSchedule/Dispatcher'])).not.toContain('CA_BUNDLE');
  });
});

describe('what the environment test catches', () => {
  // Prepare
  const { env } = synth();
  const prober = env['ProbeFanOut/Prober'];
  const dispatcher = env['ProbeSchedule/Dispatcher'];
  const renamed = (from: Env, name: string, to: string): Env => {
    const { [name]: value, ...rest } = from;
    return { ...rest, [to]: value };
  };

  test.each([
    ['prober', () => parseProberEnv(renamed(prober, 'PROBE_TIMEOUT_MS', 'PROBE_TIMEOUT'), { strict: true }), 'environment variable PROBE_TIMEOUT not read by the prober'],
    ['dispatcher', () => parseDispatcherEnv(renamed(dispatcher, 'SCAN_SEGMENTS', 'SEGMENTS'), { strict: true }), 'environment variable SEGMENTS not read by the dispatcher'],
  ])('a variable renamed on one side: the %s refuses the name it does not read', (_fn, parse, message) => {
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });

  test('without strict, the same rename falls back to the default: why the test parses strictly', () => {
    expect(parseProberEnv(renamed(prober, 'PROBE_TIMEOUT_MS', 'PROBE_TIMEOUT')).probeTimeoutMs).toBe(PROBER_DEFAULTS.probeTimeoutMs);
  });

  test.each([
    ['prober', () => parseProberEnv({ ...prober, CERT_EXPIRING_DAYS: '0' }, { strict: true }), 'environment variable CERT_EXPIRING_DAYS="0" must be an integer between 1 and 365'],
    ['dispatcher', () => parseDispatcherEnv({ ...dispatcher, TARGETS_PER_MESSAGE: '101' }, { strict: true }), 'environment variable TARGETS_PER_MESSAGE="101" must be an integer between 1 and 100'],
  ])('a value outside the range: the %s names the variable and the value', (_fn, parse, message) => {
    expect(parse).toThrow(message);
  });

  test('the platform variables are not the contract\'s business', () => {
    expect(() => parseDispatcherEnv({ ...dispatcher, AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'DEBUG', NODE_OPTIONS: '--enable-source-maps' }, { strict: true })).not.toThrow();
  });
});

describe('prober environment contract', () => {
  const required = { stateTableName: 'state', alertTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' };

  test('what the builder writes, the parser reads back', () => {
    // Prepare
    const caBundle = selfSignedCert('/CN=private root', null);
    const input = { ...PROBER_DEFAULTS, ...required, targetsTableName: 'targets', allowedCidrs: ['10.0.0.0/8', 'fd00::/8'], caBundle, probeTimeoutMs: 1234, tickIntervalMs: 120_000,
      securityHub: true, eventBusName: 'security-events', chatTopicArn: 'arn:aws:sns:eu-west-1:123456789012:portwatch-chat',
      rootCause: { roleName: 'portwatch-discovery-read', externalId: 'ext-id' },
      vantage: { name: 'eu-west-1', all: ['ap-southeast-2', 'eu-west-1', 'us-east-1'], quorum: 2 }, homeRegion: 'us-east-1' };

    // Act
    const config = parseProberEnv(proberEnvironment(input), { strict: true });

    // Assess
    expect({ ...config, allowedCidrs: config.allowedCidrs.map((c) => c.text) }).toEqual(input);
  });

  test('vantage variables are checked together, each error naming its variable and value', () => {
    const base = { STATE_TABLE_NAME: 'state', ALERT_TOPIC_ARN: 'arn' };
    expect(parseProberEnv(base).vantage).toBeNull();
    expect(parseProberEnv({ ...base, VANTAGE: 'eu-west-1', VANTAGES: 'us-east-1,eu-west-1,ap-southeast-2' }).vantage).toEqual({ name: 'eu-west-1', all: ['ap-southeast-2', 'eu-west-1', 'us-east-1'], quorum: 2 });
    expect(() => parseProberEnv({ ...base, VANTAGE: 'eu-west-1' })).toThrow(/VANTAGE and VANTAGES are set together/);
    expect(() => parseProberEnv({ ...base, VANTAGE: 'eu-west-9', VANTAGES: 'eu-west-1,us-east-1' })).toThrow('environment variable VANTAGE: "eu-west-9" is not among the vantage points in VANTAGES (eu-west-1, us-east-1)');
    expect(() => parseProberEnv({ ...base, VANTAGE: 'a', VANTAGES: 'a,b,c', VANTAGE_QUORUM: '4' })).toThrow('environment variable VANTAGE_QUORUM: 4 must be a whole number from 1 to 3');
    expect(() => parseProberEnv({ ...base, VANTAGE: 'a', VANTAGES: 'a,B' })).toThrow(/environment variable VANTAGES: "B" must be 1-32 lower-case/);
    expect(() => parseProberEnv({ ...base, HOME_REGION: 'Ireland' })).toThrow('environment variable HOME_REGION="Ireland" must be an AWS region name such as eu-west-1');
  });

  test('without a CA bundle the prober trusts the default roots only', () => {
    const env = proberEnvironment({ ...PROBER_DEFAULTS, ...required, allowedCidrs: [] });
    expect(env).not.toHaveProperty('CA_BUNDLE');
    expect(parseProberEnv(env).caBundle).toBeNull();
  });

  test('a CA_BUNDLE that is not certificates fails fast naming the variable', () => {
    expect(() => parseProberEnv({ STATE_TABLE_NAME: 'state', ALERT_TOPIC_ARN: 'arn', CA_BUNDLE: 'ca.pem' })).toThrow(
      new ConfigError('environment variable CA_BUNDLE: its value is not PEM (no "-----BEGIN CERTIFICATE-----" block)'),
    );
  });

  test('without a Targets table the prober keeps no digests', () => {
    const env = proberEnvironment({ ...PROBER_DEFAULTS, ...required, allowedCidrs: [] });
    expect(env).not.toHaveProperty('TARGETS_TABLE_NAME');
    expect(parseProberEnv(env).targetsTableName).toBeNull();
  });

  test.each([
    [{}, 'environment variable STATE_TABLE_NAME is required'],
    [{ STATE_TABLE_NAME: 'state' }, 'environment variable ALERT_TOPIC_ARN is required'],
    [{ STATE_TABLE_NAME: 'state', ALERT_TOPIC_ARN: 'arn', ALLOWED_CIDRS: '10.0.0.1/8' }, 'environment variable ALLOWED_CIDRS: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?'],
    [{ STATE_TABLE_NAME: 'state', ALERT_TOPIC_ARN: 'arn', PROBE_TIMEOUT_MS: '3s' }, 'environment variable PROBE_TIMEOUT_MS="3s" must be an integer between 100 and 30000'],
    [{ STATE_TABLE_NAME: 'state', ALERT_TOPIC_ARN: 'arn', SECURITY_HUB_FINDINGS: 'yes' }, 'environment variable SECURITY_HUB_FINDINGS="yes" must be true or false'],
    [{ STATE_TABLE_NAME: 'state', ALERT_TOPIC_ARN: 'arn', EVENT_BUS_NAME: 'my bus' }, 'environment variable EVENT_BUS_NAME="my bus" must be an event bus name'],
  ])('%p fails fast naming the variable', (env, message) => {
    expect(() => parseProberEnv(env)).toThrow(message);
  });
});

/** For each integer variable: its bounds are accepted, one past them refused, an absent one defaults. */
function rangeCases(variables: IntegerVariables): [string, number, number, number][] {
  return Object.values(variables).map((v) => [v.name, v.min, v.max, v.default]);
}

describe.each([
  ['prober', PROBER_INTEGER_VARIABLES, { STATE_TABLE_NAME: 's', ALERT_TOPIC_ARN: 'a' }, parseProberEnv],
  ['dispatcher', DISPATCHER_INTEGER_VARIABLES, { TARGETS_TABLE_NAME: 't', PROBE_QUEUE_URL: 'q' }, parseDispatcherEnv],
] as const)('%s integer variables', (_fn, variables, base, parse) => {
  const read = (env: Env): Record<string, unknown> => parse(env) as unknown as Record<string, unknown>;
  const field = (name: string): string => Object.entries(variables).find(([, v]) => v.name === name)?.[0] as string;

  test.each(rangeCases(variables))('%s: %p and %p accepted, one past either refused, default when absent', (name, min, max, fallback) => {
    expect(read({ ...base, [name]: String(min) })[field(name)]).toBe(min);
    expect(read({ ...base, [name]: String(max) })[field(name)]).toBe(max);
    expect(read(base)[field(name)]).toBe(fallback);
    expect(() => read({ ...base, [name]: String(max + 1) })).toThrow(`environment variable ${name}=`);
    if (min > 0) expect(() => read({ ...base, [name]: String(min - 1) })).toThrow(`environment variable ${name}=`);
  });
});

describe('dispatcher environment contract', () => {
  test('what the builder writes, the parser reads back', () => {
    const input = { targetsTableName: 'targets', probeQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/probe', scanSegments: 2, targetsPerMessage: 10, defaultPort: 1883, tickIntervalMs: 60_000, defaultEveryMs: 10_000 };
    expect(parseDispatcherEnv(dispatcherEnvironment(input), { strict: true })).toEqual(input);
  });

  test('a default fast lane the dispatcher cannot honour fails its cold start, naming the variable', () => {
    const env = { TARGETS_TABLE_NAME: 't', PROBE_QUEUE_URL: 'q', DEFAULT_EVERY_MS: '12000' };
    expect(() => parseDispatcherEnv(env)).toThrow('environment variable DEFAULT_EVERY_MS=12000 (12s) is not a fast-lane period: use 10s, 15s, 20s, 30s, 1m or schedule (0 for the schedule)');
  });
});

// The dispatcher and the re-probe function read several regions with one parser (contracts/vantage-env.ts):
// the same round trip and the same refusals, word for word.
const VANTAGE_BASE = { TARGETS_TABLE_NAME: 't', PROBE_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/Portwatch-probe' };
describe.each([
  ['dispatcher', parseDispatcherEnv, (vantages?: VantageQueueConfig) => dispatcherEnvironment({ ...parseDispatcherEnv(VANTAGE_BASE), vantages })],
  ['re-probe function', parseReprobeEnv, (vantages?: VantageQueueConfig) => reprobeEnvironment({ ...parseReprobeEnv(VANTAGE_BASE), vantages })],
] as const)('%s environment contract, several vantage points', (_fn, parse, build) => {
  const vantages = {
    home: 'eu-central-1',
    others: [
      { vantage: 'us-east-1', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/Portwatch-probe-us-east-1' },
      { vantage: 'ap-southeast-2', queueUrl: 'https://sqs.ap-southeast-2.amazonaws.com/123456789012/Portwatch-probe-ap-southeast-2' },
    ],
  };

  test('what the builder writes, the parser reads back', () => {
    expect(parse(build(vantages), { strict: true })).toEqual({ ...parse(VANTAGE_BASE), vantages });
  });

  test('one vantage point: the builder writes no vantage variable, the parser reads none', () => {
    const env = build(undefined);
    expect(Object.keys(env).filter((name) => name.startsWith('VANTAGE'))).toEqual([]);
    expect(parse(env, { strict: true })).not.toHaveProperty('vantages');
  });

  test.each([
    [{ VANTAGE: 'eu-central-1' }, 'environment variables VANTAGE and VANTAGE_QUEUE_URLS are set together or not at all'],
    [{ VANTAGE: 'EU', VANTAGE_QUEUE_URLS: 'us-east-1=https://q' }, 'environment variable VANTAGE="EU" must be 1-32 lower-case letters'],
    [{ VANTAGE: 'eu-central-1', VANTAGE_QUEUE_URLS: 'us-east-1' }, 'environment variable VANTAGE_QUEUE_URLS="us-east-1" gives us-east-1 "", not a queue URL'],
    [{ VANTAGE: 'eu-central-1', VANTAGE_QUEUE_URLS: 'eu-central-1=https://q' }, 'names eu-central-1 twice (or the home vantage point eu-central-1, whose queue is PROBE_QUEUE_URL)'],
    [{ VANTAGE: 'eu-central-1', VANTAGE_QUEUE_URLS: 'US=https://q' }, 'environment variable VANTAGE_QUEUE_URLS="US=https://q" names vantage "US", which must be'],
  ])('%p fails the cold start naming the variable and the value', (vars, message) => {
    expect(() => parse({ ...VANTAGE_BASE, ...vars })).toThrow(message);
  });
});
