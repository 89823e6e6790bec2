import { App } from 'aws-cdk-lib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ENV_ADVICE, stackPropsFromContext } from '../../bin/app-context';
import { addPortwatchStacks } from '../../lib/infra/portwatch-stacks';
import { PortwatchConfigError } from '../../lib/infra/constructs/config-validation';
import { PortwatchStack } from '../../lib/infra/portwatch-stack';
import { usePki } from '../helpers/certs';

/**
 * The app's context read in-process, as bin/portwatch-app.ts does before it builds the stack: each bad
 * value fails naming the key and the value, whether the parser (app-context.ts) or a range check of
 * the props (the constructs) refuses it. test/bin/portwatch-app.test.ts runs the app itself, in a
 * child process, for the synth and for the one-line message on stderr.
 */
function buildFrom(context: Record<string, unknown>): void {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  new PortwatchStack(app, 'Portwatch', stackPropsFromContext(app));
}

/** The message a bad context fails with, as the app prints it after `portwatch: `. */
function failure(context: Record<string, unknown>): string {
  try {
    buildFrom(context);
  } catch (error) {
    if (error instanceof PortwatchConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('bin/app-context.ts', () => {
  test.each([
    [{ scheduleMinutes: 'abc' }, 'context "scheduleMinutes" (-c scheduleMinutes=...) got "abc": expected a number'],
    [{ scheduleMinutes: '0' }, 'scheduleMinutes must be an integer from 1 to 1440, got 0'],
    [{ postureEveryMinutes: '2' }, 'postureEveryMinutes must be an integer from 5 to 1440, got 2'],
    [{ alertEmail: 'ops.example.com' }, 'alertEmail must be one e-mail address such as ops@example.com, got "ops.example.com"'],
    [{ opsEmail: 'oncall@example' }, 'opsEmail must be one e-mail address such as ops@example.com, got "oncall@example"'],
    [{ probeConcurrency: '0' }, 'probeConcurrency must be an integer from 1 to 1000, got 0'],
    [{ allowedCidrs: [10] }, 'context "allowedCidrs" (-c allowedCidrs=...) got [10]: expected a comma-separated list'],
    [{ securityHub: 'yes' }, 'context "securityHub" (-c securityHub=...) got "yes": expected true or false'],
    [{ eventBus: 'arn:aws:events:eu-west-1:123456789012:event-bus/x' }, 'context "eventBus" (-c eventBus=...) got "arn:aws:events:eu-west-1:123456789012:event-bus/x": expected "default" or the name of an event bus'],
    [{ defaultEvery: '12s' }, 'context "defaultEvery" (-c defaultEvery=...) got "12s": must be one of 10s, 15s, 20s, 30s, 1m or schedule'],
    [{ discovery: 'maybe' }, 'context "discovery" (-c discovery=...) got "maybe": expected true or false'],
    [{ regions: 'us-east-1,EU-WEST-1' }, 'context "regions" (-c regions=...) got "us-east-1,EU-WEST-1": must be 1-32 lower-case letters'],
    [{ regions: 'us-east-1,ireland' }, 'context "regions" (-c regions=...) got "us-east-1,ireland": names "ireland", which is not an AWS region name (such as eu-west-1)'],
    [{ regions: 'us-east-1,us-east-1' }, 'context "regions" (-c regions=...) got "us-east-1,us-east-1": names us-east-1 twice'],
    [{ regions: 'us-east-1', account: '1234', region: 'eu-central-1' }, 'context "account" (-c account=...) got "1234": expected a 12-digit AWS account id'],
    [{ regions: 'us-east-1', account: '123456789012', region: 'Frankfurt' }, 'context "region" (-c region=...) got "Frankfurt": expected an AWS region name such as eu-central-1'],
    [{ regions: 'us-east-1', account: '123456789012', region: 'eu-central-1', vantageQuorum: '3' }, 'vantageQuorum: 3 must be a whole number from 1 to 2 (the number of vantage points)'],
    [{ vantageQuorum: '2' }, 'vantageQuorum 2 needs vantageRegions'],
    [{ region: 'eu-west-1' }, 'context "region" (-c region=...) got "eu-west-1": used with -c regions only'],
  ])('rejects %p naming the key and the value', (context, message) => {
    expect(failure(context)).toContain(message);
  });

  describe('regions', () => {
    const stacksFrom = (context: Record<string, unknown>, defaults: { account?: string; region?: string }): void => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
      addPortwatchStacks(app, 'Portwatch', stackPropsFromContext(app, defaults), ENV_ADVICE);
    };

    // The props only (a stack per region is test/lib/infra/portwatch-stacks.test.ts's).
    const propsFrom = (context: Record<string, unknown>, defaults: { account?: string; region?: string }): unknown => {
      const { env, vantageRegions, vantageQuorum } = stackPropsFromContext(new App({ context }), defaults);
      return { env, vantageRegions, vantageQuorum };
    };

    test('without -c account and -c region, the account and region cdk found in the credentials are home', () => {
      expect(propsFrom({ regions: 'us-east-1,eu-west-1' }, { account: '123456789012', region: 'eu-west-1' })).toEqual({
        env: { account: '123456789012', region: 'eu-west-1' },
        vantageRegions: ['us-east-1', 'eu-west-1'],
        vantageQuorum: undefined,
      });
    });

    test('-c account and -c region win over the credentials; the home region alone is one vantage point, environment-agnostic', () => {
      const context = { regions: 'us-east-1', account: '210987654321', region: 'eu-central-1', vantageQuorum: '2' };
      expect(propsFrom(context, { account: '123456789012', region: 'eu-west-1' })).toEqual({ env: { account: '210987654321', region: 'eu-central-1' }, vantageRegions: ['us-east-1'], vantageQuorum: 2 });
      expect(propsFrom({ regions: 'eu-central-1', account: '210987654321', region: 'eu-central-1' }, {})).toEqual({ env: undefined, vantageRegions: undefined, vantageQuorum: undefined });
    });

    test('with neither, the synth fails naming the keys and variables to set', () => {
      expect(() => stacksFrom({ regions: 'us-east-1' }, {})).toThrow(
        'several regions need the account and the home region (cross-region references are resolved at synth): set -c account=123456789012 (or CDK_DEFAULT_ACCOUNT, which cdk sets from your credentials) and -c region=eu-central-1, the home region (or CDK_DEFAULT_REGION)',
      );
    });
  });

  test('a misspelt key fails naming it and the key it probably meant; every unknown key, sorted, in one line', () => {
    expect(failure({ scheduleMinute: '1', alertemail: 'a@b.c', 'allowed-cidrs': '10.0.0.0/8', retries: '3' })).toBe(
      'unknown context key "alertemail": did you mean "alertEmail"?; ' +
        'unknown context key "allowed-cidrs": did you mean "allowedCidrs"?; ' +
        'unknown context key "retries": portwatch reads scheduleMinutes, alertEmail, opsEmail, defaultPort, probeTimeoutMs, postureEveryMinutes, allowedCidrs, proberMaxConcurrency, probeConcurrency, proberBatchSize, targetsPerMessage, scanSegments, caBundle, plaintextPort, securityHub, eventBus, chatTopic, discovery, discoveryRegions, discoveryAccounts, discoveryExternalId, discoveryEveryHours, discoveryOrganizationId, defaultEvery, regions, vantageQuorum, account, region; ' +
        'unknown context key "scheduleMinute": did you mean "scheduleMinutes"?',
    );
  });

  test('CDK\'s own plain keys and namespaced keys pass the key check', () => {
    const app = new App({ context: { 'cli-telemetry': false, 'acknowledged-issue-numbers': [32775], 'assets-ecr-repository-name': 'assets', 'cdk-migrate': true, '@aws-cdk/core:newStyleStackSynthesis': true } });
    expect(() => stackPropsFromContext(app)).not.toThrow();
  });

  describe('caBundle', () => {
    const pki = usePki();
    const dir = mkdtempSync(path.join(tmpdir(), 'portwatch-ca-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test.each([
      ['a file that does not exist', (): string => path.join(dir, 'missing.pem'), (file: string) => `context "caBundle" (-c caBundle=...): ${JSON.stringify(file)} does not exist`],
      [
        'a key instead of a certificate',
        (): string => {
          const file = path.join(dir, 'ca.key');
          writeFileSync(file, pki().ca.key);
          return file;
        },
        (file: string) => `context "caBundle" (-c caBundle=...): ${JSON.stringify(file)} holds no certificate (PEM blocks found: PRIVATE KEY)`,
      ],
    ])('%s fails naming caBundle and the path', (_name, makeFile, message) => {
      const file = makeFile();
      expect(failure({ caBundle: file })).toBe(message(file));
    });
  });
});
