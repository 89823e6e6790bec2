import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useAwsWorld } from '../../helpers/aws-world';
import { DENIED, EXTERNAL_ID, HOME, sampleWorld } from '../../helpers/aws-world-samples';
import { jsonLines, runCli } from './cli-harness';
import { DynamoDbTargets } from '../../../lambda/adapters/operator/dynamodb-targets';
import type { EmbeddedDynamoDb, TableNames } from '../../../lambda/adapters/local/embedded-dynamodb';
import { OUTPUT_KEYS } from '../../../lambda/contracts/stack-outputs';
import { queryXml, queryXmlError } from '../../helpers/aws-stand-in';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';

/*
 * `portwatch discover` through the real CLI entry point. EC2, ELBv2, Route 53, STS, Organizations and
 * CloudFormation cannot run here: the CLI's real SDK clients reach an HTTP stand-in on 127.0.0.1 in
 * each service's wire format (test/helpers/aws-world.ts) through the SDK's AWS_ENDPOINT_URL_<SERVICE>
 * variables only. The Targets table is a local state directory (embedded DynamoDB), which `portwatch
 * local` watches, or, with --stack, a dynalite table named by the stack's outputs.
 */
describe('portwatch discover', () => {
  let dir: string;
  let db: EmbeddedDynamoDb;
  let tables: TableNames;
  // CloudFormation's DescribeStacks for `--stack Portwatch`: its outputs name tables on dynalite.
  // STS refuses the caller's credentials while `refuseCredentials` is set.
  let refuseCredentials = false;
  const aws = useAwsWorld(sampleWorld, (request) =>
    request.action === 'GetCallerIdentity' && refuseCredentials
      ? queryXmlError('InvalidClientTokenId', 'The security token included in the request is invalid.', { status: 403 })
      : request.action === 'DescribeStacks'
      ? queryXml(
          'DescribeStacks',
          'http://cloudformation.amazonaws.com/doc/2010-05-15/',
          `<Stacks><member><StackName>Portwatch</StackName><StackId>arn:aws:cloudformation:eu-west-1:111122223333:stack/Portwatch/1</StackId><CreationTime>2026-11-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>` +
            `<member><OutputKey>${OUTPUT_KEYS.targetsTableName}</OutputKey><OutputValue>${tables.targets}</OutputValue></member>` +
            `<member><OutputKey>${OUTPUT_KEYS.stateTableName}</OutputKey><OutputValue>${tables.state}</OutputValue></member></Outputs></member></Stacks>`,
        )
      : null,
  );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-discover-'));
    db = await startEmbeddedDynamoDb();
    tables = await freshTables(db);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.close();
  });

  it('credentials STS refuses: exit 1 with one line saying what was asked and what STS answered, no target written', async () => {
    // Prepare
    refuseCredentials = true;
    const state = join(dir, 'refused');
    try {
      // Act
      const result = await runCli(['discover', '--state', state]);
      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'portwatch: could not learn which AWS account these credentials belong to (STS GetCallerIdentity): The security token included in the request is invalid.\n',
      );
      expect(jsonLines((await runCli(['targets', 'list', '--state', state, '--json'])).stdout)).toEqual([]);
    } finally {
      refuseCredentials = false;
    }
  });

  it('--stack writes into the Targets table named by the stack outputs', async () => {
    // Prepare: CloudFormation and DynamoDB through their endpoint variables, as every other service.
    Object.assign(process.env, { AWS_ENDPOINT_URL_CLOUDFORMATION: aws().standIn.endpoint, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
    // Act
    const result = await runCli(['discover', '--stack', 'Portwatch', '--region', 'eu-west-1', '--json']);
    // Assess
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ kind: 'summary', dryRun: false, applied: { added: 7, updated: 0, disabled: 0, refused: 0 } });
    expect(await new DynamoDbTargets(db.client, tables.targets).listAll()).toHaveLength(7);
  });

  it.each([
    [['--regions', 'Ireland'], '--regions: "Ireland" is not an AWS region (e.g. eu-west-1)'],
    [['--accounts', '12345'], '--accounts: "12345" is not a 12-digit account id (or give "organization")'],
    [['--concurrency', '0'], '--concurrency: "0" is not a number of account/region scopes (1-64)'],
    [['--role', 'bad role'], '--role: "bad role" is not an IAM role name'],
    [['--state', 'x', '--stack', 'y'], '--state and --stack name two different backends'],
  ])('refuses %j with exit 2, naming the flag and the value', async (args, message) => {
    // Act
    const result = await runCli(['discover', '--dry-run', ...args]);
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`portwatch: ${message}`);
  });

  it('--dry-run prints what it would add, update and disable, writes nothing, and exits 1 for the account it could not read', async () => {
    // Prepare: a state directory that already has one user target (the broker's address).
    const state = join(dir, 'dry');
    expect((await runCli(['targets', 'add', '203.0.113.20:8883', '--expect', 'open', '--state', state])).code).toBe(0);
    // Act
    const dry = await runCli(['discover', '--dry-run', '--accounts', 'organization', '--external-id', EXTERNAL_ID, '--state', state]);
    const json = await runCli(['discover', '--dry-run', '--accounts', 'organization', '--external-id', EXTERNAL_ID, '--state', state, '--json']);
    const list = await runCli(['targets', 'list', '--state', state, '--json']);
    // Assess
    if (process.env.PORTWATCH_DISCOVER_SAMPLE) writeFileSync(process.env.PORTWATCH_DISCOVER_SAMPLE, `$ portwatch discover --dry-run --accounts organization --external-id ... --state ${state}\n${dry.stdout}${dry.stderr}`);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('would add 7:');
    expect(dry.stdout).toMatch(/\+\s+203\.0\.113\.10:8883\s+closed\s+network interface eni-0a1b2c3d4e5f00001 \(web-1\) in 111122223333 eu-west-1/);
    expect(dry.stdout).toMatch(/\+\s+mqtt-nlb-1234\.elb\.eu-west-1\.amazonaws\.com:8883\s+open\s+load balancer mqtt-nlb/);
    expect(dry.stdout).toContain("left alone (the user's own targets): 203.0.113.20:8883");
    expect(dry.stdout).toMatch(new RegExp(`${DENIED}\\s+eu-west-1\\s+0\\s+AccessDenied`));
    expect(dry.stdout).toContain('dry run: nothing written');
    expect(dry.stderr).toContain('2 scopes could not be read');
    const lines = jsonLines(json.stdout) as { kind: string }[];
    expect(lines.filter((l) => l.kind === 'add')).toHaveLength(7);
    expect(lines.at(-1)).toMatchObject({ kind: 'summary', dryRun: true, accounts: 3, applied: null });
    expect(jsonLines(list.stdout)).toHaveLength(1);
  });

  it('--dry-run before any state exists shows every endpoint as new and creates nothing', async () => {
    // Act
    const dry = await runCli(['discover', '--dry-run', '--state', join(dir, 'not-yet')]);
    // Assess
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`into local state ${join(dir, 'not-yet')} (none yet)`);
    expect(dry.stdout).toContain('would add 7:');
    expect(existsSync(join(dir, 'not-yet'))).toBe(false);
  });

  it('writes into a local state directory that `portwatch targets list` then shows; a second run writes nothing', async () => {
    // Prepare
    const state = join(dir, 'real');
    // Act
    const first = await runCli(['discover', '--state', state]);
    const second = await runCli(['discover', '--state', state, '--json']);
    const list = await runCli(['targets', 'list', '--state', state, '--json']);
    // Assess: the caller's own account only (no --accounts).
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('written: 7 added, 0 updated, 0 disabled');
    expect(jsonLines(second.stdout).at(-1)).toMatchObject({ kind: 'summary', unchanged: 7, applied: { added: 0, updated: 0, disabled: 0, refused: 0 } });
    const targets = jsonLines(list.stdout) as { target: string; origin?: { account: string } }[];
    expect(targets).toHaveLength(7);
    expect(targets.every((t) => t.origin?.account === HOME)).toBe(true);

    // Act 2: the spare Elastic IP is released and the balancer re-tagged; a dry run says what would follow.
    const region = aws().world.accounts[0]?.regions['eu-west-1'];
    const [spare, nlb] = [region?.addresses[1], region?.balancers[0]];
    if (!region || !spare || !nlb) throw new Error('world');
    region.addresses.splice(1, 1);
    region.balancers[0] = { ...nlb, tags: { 'portwatch:expect': 'any' } };
    try {
      const dry = await runCli(['discover', '--dry-run', '--state', state]);
      if (process.env.PORTWATCH_DISCOVER_SAMPLE) writeFileSync(`${process.env.PORTWATCH_DISCOVER_SAMPLE}.changes`, `$ portwatch discover --dry-run --state ${state}\n${dry.stdout}${dry.stderr}`);
      // Assess 2
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/would update 2:\n.*\n~\s+mqtt-nlb-1234\.elb\.eu-west-1\.amazonaws\.com:8883\s+any\s+changed: expect \(was open\)\n~\s+mqtt\.example\.com:8883\s+any\s+changed: expect \(was open\)\n/);
      expect(dry.stdout).toMatch(/would disable 1:\n.*\n-\s+203\.0\.113\.30:8883\s+Elastic IP eipalloc-0002 \(spare\) in 111122223333 eu-west-1 no longer found by discovery at /);
      expect(dry.stdout).toContain('unchanged: 4;');
    } finally {
      region.addresses.splice(1, 0, spare);
      region.balancers[0] = nlb;
    }
  });
});
