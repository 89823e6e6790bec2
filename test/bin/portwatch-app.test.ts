import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/infra/constructs/portwatch-function';
import { usePki } from '../helpers/certs';

/**
 * Runs bin/portwatch-app.ts the way `cdk synth -c key=value` does (context in CDK_CONTEXT_JSON, output
 * in CDK_OUTDIR), with bundling skipped. Exercises the context parsing and the cdk-nag plugins at synth.
 */
function runApp(context: Record<string, unknown>): { status: number | null; stderr: string; template?: any; report?: any } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'portwatch-app-'));
  try {
    const result = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), [path.join(REPO_ROOT, 'bin/portwatch-app.ts')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
      },
      timeout: 60_000,
    });
    if (result.status !== 0) return { status: result.status, stderr: result.stderr };
    return {
      status: result.status,
      stderr: result.stderr,
      template: JSON.parse(readFileSync(path.join(outdir, 'Portwatch.template.json'), 'utf8')),
      report: JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const resourcesOfType = (template: any, type: string): any[] =>
  Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === type);

describe('bin/portwatch-app.ts', () => {
  /**
   * One full synth (about 8 s of CPU) serves every test that needs a template: every -c value at once,
   * on top of the context `cdk synth` itself hands the app (cdk.json's, the CLI's keys, cached lookups,
   * acknowledged notices), which must all pass the unknown-key check.
   */
  const pki = usePki();
  const dir = mkdtempSync(path.join(tmpdir(), 'portwatch-app-ca-'));
  let synth: ReturnType<typeof runApp>;
  beforeAll(() => {
    // The CA file as openssl prints it, a text line before the certificate.
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, `subject=O=portwatch tests, CN=portwatch test CA\n${pki().ca.cert}`);
    const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    synth = runApp({
      ...cdkJson.context,
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:version-reporting': true,
      '@aws-cdk/core:failSynthOnValidationErrors': true,
      'aws-cdk:enableDiffNoFail': 'true',
      'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
      'acknowledged-issue-numbers': [32775],
      'assets-ecr-repository-name': 'assets',
      'cdk-migrate': true,
      scheduleMinutes: '1',
      alertEmail: 'security@example.com',
      opsEmail: 'oncall@example.com',
      defaultPort: '1883',
      probeTimeoutMs: '2000',
      allowedCidrs: '10.0.0.0/8, fd00::/8',
      proberMaxConcurrency: '20',
      probeConcurrency: '500',
      proberBatchSize: '10',
      targetsPerMessage: '50',
      scanSegments: '8',
      caBundle: caFile,
      securityHub: 'true',
      eventBus: 'default',
      chatTopic: 'true',
      defaultEvery: '10s',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("synthesizes with CDK's own context keys beside portwatch's, silently, and passes cdk-nag", () => {
    expect({ status: synth.status, stderr: synth.stderr.replace(/^npm warn.*\n/gm, '') }).toEqual({ status: 0, stderr: '' });
    expect(synth.report.pluginReports).toEqual([]);
    // Every acknowledgement travels in the template with its reason.
    const suppressions = resourcesOfType(synth.template, 'AWS::Lambda::Function').flatMap((f) => f.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'Serverless-LambdaDLQ', reason: expect.stringMatching(/^.{40,}$/) })]));
  });

  test('turns -c values into props', () => {
    const { template } = synth;
    expect(resourcesOfType(template, 'AWS::Events::Rule')[0].Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(resourcesOfType(template, 'AWS::SNS::Subscription').map((s) => s.Properties.Endpoint).sort()).toEqual(['oncall@example.com', 'security@example.com']);
    expect(Object.keys(template.Outputs)).toContain('OpsTopicArn');
    expect(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')[0].Properties).toMatchObject({ ScalingConfig: { MaximumConcurrency: 20 }, BatchSize: 10 });
    const dispatcher = resourcesOfType(template, 'AWS::Lambda::Function').find((f) => 'TARGETS_TABLE_NAME' in f.Properties.Environment.Variables && !('STATE_TABLE_NAME' in f.Properties.Environment.Variables));
    // The fast lane: a look every 10 s within the 1-minute tick, for targets that name no `every`.
    expect(dispatcher.Properties.Environment.Variables).toMatchObject({ TARGETS_PER_MESSAGE: '50', SCAN_SEGMENTS: '8', TICK_INTERVAL_MS: '60000', DEFAULT_EVERY_MS: '10000' });
    const prober = resourcesOfType(template, 'AWS::Lambda::Function').find((f) => 'STATE_TABLE_NAME' in f.Properties.Environment.Variables);
    expect(prober.Properties.Environment.Variables).toMatchObject({
      DEFAULT_PORT: '1883',
      PROBE_TIMEOUT_MS: '2000',
      ALLOWED_CIDRS: '10.0.0.0/8,fd00::/8',
      PROBE_CONCURRENCY: '500',
      // 1-minute ticks, deep looks at open brokers every 5 minutes (the default).
      TICK_INTERVAL_MS: '60000',
      POSTURE_EVERY_MS: '300000',
      // The three sinks (securityHub, eventBus, chatTopic) reach the prober.
      SECURITY_HUB_FINDINGS: 'true',
      EVENT_BUS_NAME: 'default',
      CHAT_TOPIC_ARN: { Ref: expect.stringMatching(/^ChatTopic/) },
    });
    expect(Object.keys(template.Outputs)).toContain('ChatTopicArn');
  });

  test('the PEM file named by -c caBundle reaches the prober as CA_BUNDLE', () => {
    const prober = resourcesOfType(synth.template, 'AWS::Lambda::Function').find((f) => 'STATE_TABLE_NAME' in f.Properties.Environment.Variables);
    expect(prober.Properties.Environment.Variables.CA_BUNDLE).toBe(`${pki().ca.cert.trim()}\n`);
  });

  test('a bad value fails the synth with one line naming the key and the value, no stack trace, exit 1', () => {
    // Act (every other bad value is checked in-process: test/bin/app-context.test.ts)
    const { status, stderr } = runApp({ scheduleMinutes: 'abc' });

    // Assess
    expect({ status, stderr: stderr.replace(/^npm warn.*\n/gm, '') }).toEqual({
      status: 1,
      stderr: 'portwatch: context "scheduleMinutes" (-c scheduleMinutes=...) got "abc": expected a number\n',
    });
  });

  test('`npx cdk synth -c scheduleMinute=1` fails with the message, as a user runs it', () => {
    // Prepare
    const outdir = mkdtempSync(path.join(tmpdir(), 'portwatch-cdk-'));
    try {
      // Act
      const result = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/cdk'), ['synth', '-q', '--output', outdir, '-c', 'scheduleMinute=1'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });

      // Assess
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('portwatch: unknown context key "scheduleMinute": did you mean "scheduleMinutes"?');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
