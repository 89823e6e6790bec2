/**
 * `portwatch probe --format asff` against real brokers on loopback (aedes): an anonymous broker
 * behind TLS with a self-signed certificate and one speaking MQTT in clear. The output must be the
 * JSON array `aws securityhub batch-import-findings --findings` takes, every finding carrying the
 * fields ASFF requires. Also --format's bad values and asff's missing account and region (exit 2).
 */
import Ajv from 'ajv';
import { UsageError } from '../../../lib/cli/cli-io';
import { parseProbeFormat } from '../../../lib/cli/probe-format';
import { startBroker, type RunningBroker } from '../../helpers/brokers';
import { selfSignedKeyPair } from '../../helpers/certs';
import { runCli } from './cli-harness';

/** ASFF's required top-level fields and their types (the AwsSecurityFinding reference), as ajv checks them. */
const REQUIRED_ASFF = {
  type: 'array',
  minItems: 1,
  maxItems: 100,
  items: {
    type: 'object',
    required: ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'Types', 'CreatedAt', 'UpdatedAt', 'Severity', 'Title', 'Description', 'Resources'],
    properties: {
      SchemaVersion: { const: '2018-10-08' },
      Id: { type: 'string', minLength: 1, maxLength: 512 },
      ProductArn: { const: 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default' },
      GeneratorId: { type: 'string', minLength: 1, maxLength: 512 },
      AwsAccountId: { const: '123456789012' },
      Types: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', pattern: '^(Software and Configuration Checks|TTPs|Effects|Unusual Behaviors|Sensitive Data Identifications)(/[^/]+){0,2}$' } },
      CreatedAt: { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$' },
      UpdatedAt: { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$' },
      Severity: { type: 'object', required: ['Label'], properties: { Label: { enum: ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] } } },
      Title: { type: 'string', minLength: 1, maxLength: 256 },
      Description: { type: 'string', minLength: 1, maxLength: 1024 },
      Resources: { type: 'array', minItems: 1, maxItems: 32, items: { type: 'object', required: ['Type', 'Id'], properties: { Type: { type: 'string' }, Id: { type: 'string', minLength: 1 } } } },
      RecordState: { enum: ['ACTIVE', 'ARCHIVED'] },
    },
  },
} as const;

describe('portwatch probe --format asff', () => {
  let tlsBroker: RunningBroker;
  let plainBroker: RunningBroker;
  beforeAll(async () => {
    const pair = selfSignedKeyPair('/CN=localhost', 'DNS:localhost');
    tlsBroker = await startBroker({ auth: 'anonymous', tls: pair });
    plainBroker = await startBroker({ auth: 'anonymous' });
  });
  afterAll(async () => {
    await Promise.all([tlsBroker.close(), plainBroker.close()]);
  });

  it('prints the findings of every target as one JSON array with the fields ASFF requires', async () => {
    // Act
    const targets = [`127.0.0.1:${tlsBroker.port}`, `127.0.0.1:${plainBroker.port}`];
    const result = await runCli(['probe', ...targets, '--format', 'asff', '--account', '123456789012', '--region', 'eu-west-1', '--plaintext-port', 'none', '--timeout', '2000']);

    // Assess
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const findings = JSON.parse(result.stdout) as Record<string, unknown>[];
    const validate = new Ajv({ allErrors: true }).compile(REQUIRED_ASFF);
    expect(validate(findings) ? [] : validate.errors).toEqual([]);
    expect(findings.map((f) => f.Id).sort()).toEqual([
      `portwatch/127.0.0.1:${plainBroker.port}/anonymous-access`,
      `portwatch/127.0.0.1:${plainBroker.port}/plaintext-mqtt`,
      `portwatch/127.0.0.1:${tlsBroker.port}/anonymous-access`,
      `portwatch/127.0.0.1:${tlsBroker.port}/certificate`,
    ].sort());
    const cert = findings.find((f) => f.Id === `portwatch/127.0.0.1:${tlsBroker.port}/certificate`);
    expect(cert).toMatchObject({ Severity: { Label: 'MEDIUM' }, RecordState: 'ACTIVE', Resources: [{ Type: 'Other', Id: `127.0.0.1:${tlsBroker.port}`, Region: 'eu-west-1' }] });
    expect(String(cert?.Description)).toContain('[self-signed-cert]');
  });

  it('exits 2 naming the flag and the value: a bad --format, a missing --account', async () => {
    const bad = await runCli(['probe', '127.0.0.1:1', '--format', 'xml']);
    const noAccount = await runCli(['probe', '127.0.0.1:1', '--format', 'asff', '--region', 'eu-west-1']);
    expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([2, 'portwatch: --format: "xml" must be one of text, json, asff']);
    expect([noAccount.code, noAccount.stderr.split('\n')[0]]).toEqual([2, expect.stringMatching(/^portwatch: --account: required with --format asff/)]);
  });
});

describe('parseProbeFormat', () => {
  it('reads text by default, --json as --format json, and asff with its scope (region from AWS_REGION when not given)', () => {
    expect(parseProbeFormat({})).toEqual({ format: 'text' });
    expect(parseProbeFormat({ json: true })).toEqual({ format: 'json' });
    expect(parseProbeFormat({ format: 'JSON', json: true })).toEqual({ format: 'json' });
    expect(parseProbeFormat({ format: 'asff', account: '123456789012' }, { AWS_REGION: 'eu-central-1' })).toEqual({ format: 'asff', asff: { accountId: '123456789012', region: 'eu-central-1', partition: 'aws' } });
  });

  it.each([
    [{ format: 'asff', json: true }, '--json: is --format json, and --format says "asff": give one of them'],
    [{ format: 'asff', account: '1234' }, '--account: "1234" is not an AWS account id (12 digits)'],
    [{ format: 'asff', account: '123456789012' }, '--region: required with --format asff (or set AWS_REGION): the Security Hub region the findings go to'],
    [{ format: 'asff', account: '123456789012', region: 'Ireland' }, '--region: "Ireland" is not an AWS region (e.g. eu-west-1)'],
  ])('refuses %j', (raw, message) => {
    expect(() => parseProbeFormat(raw, {})).toThrow(new UsageError(message));
  });
});
