/**
 * CDK app: the only place that reads context (`cdk deploy -c key=value`). Each value is parsed here,
 * with an error naming the context key and the value, and passed down as a typed prop; range checks
 * live with the props (their errors name the same key).
 *
 *   npx cdk deploy -c alertEmail=security@example.com -c opsEmail=ops@example.com -c scheduleMinutes=1 -c allowedCidrs=10.0.0.0/8,fd00::/8
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PortwatchConfigError } from '../lib/infra/constructs/config-validation';
import { DEFAULT_STACK_NAME } from '../lambda/contracts/stack-outputs';
import { PortwatchStack } from '../lib/infra/portwatch-stack';

/** Context keys read by this app; anything else under `-c` is CDK's business. */
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
] as const;
type ContextKey = (typeof CONTEXT_KEYS)[number];

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

function main(): void {
  // Synthesised explicitly below; without autoSynth a configuration error leaves no half-built assembly.
  const app = new App({ autoSynth: false });

  const stack = new PortwatchStack(app, DEFAULT_STACK_NAME, {
    description: 'portwatch: monitors TCP port 8883 (MQTT over TLS) and alerts once per open/closed transition',
    scheduleMinutes: readNumber(app, 'scheduleMinutes'),
    alertEmail: readString(app, 'alertEmail'),
    opsEmail: readString(app, 'opsEmail'),
    defaultPort: readNumber(app, 'defaultPort'),
    probeTimeoutMs: readNumber(app, 'probeTimeoutMs'),
    postureEveryMinutes: readNumber(app, 'postureEveryMinutes'),
    allowedCidrs: readList(app, 'allowedCidrs'),
    proberMaxConcurrency: readNumber(app, 'proberMaxConcurrency'),
    probeConcurrency: readNumber(app, 'probeConcurrency'),
    proberBatchSize: readNumber(app, 'proberBatchSize'),
    targetsPerMessage: readNumber(app, 'targetsPerMessage'),
    scanSegments: readNumber(app, 'scanSegments'),
  });
  Tags.of(stack).add('project', 'portwatch');

  // cdk-nag runs as a synth-time validation plugin: an unacknowledged finding fails `cdk synth`/`deploy`.
  // Acknowledgements (each with its reason) are also written into the template's resource Metadata
  // (`cdk_nag.rules_to_suppress`), so the audit trail travels with what is deployed.
  const nagProps = { writeSuppressionsToCloudFormation: true };
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, nagProps), new ServerlessChecks(app, nagProps));

  app.synth();
}

try {
  main();
} catch (error) {
  if (!(error instanceof PortwatchConfigError)) throw error;
  // A configuration mistake is not a crash: one line naming the setting, no stack trace.
  console.error(`portwatch: ${error.message}`);
  process.exitCode = 1;
}
