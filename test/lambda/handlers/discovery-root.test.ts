import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDbDiscoveredTargets } from '../../../lambda/adapters/aws/dynamodb-discovered-targets';
import { DynamoDbTargets } from '../../../lambda/adapters/operator/dynamodb-targets';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/local/embedded-dynamodb';
import { runDiscovery, type DiscoveryRunSettings } from '../../../lambda/handlers/discovery-root';
import { parseTargetItem } from '../../../lambda/monitor/target';
import { useAwsWorld, type World } from '../../helpers/aws-world';
import { DENIED, EXTERNAL_ID, HOME, MEMBER, ROLE, sampleWorld } from '../../helpers/aws-world-samples';
import { countRequests, freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { runDiscoveryBench, totalCalls } from '../../../bench/discovery';
import { captureOutput, fullContext, metricSum } from './stdout-capture';

/*
 * Discovery end to end on the real SDK clients: EC2, ELBv2, Route 53, STS, Organizations and
 * CloudTrail cannot run here, so every client talks to an HTTP stand-in on 127.0.0.1 in the service's
 * own wire format (test/helpers/aws-world.ts), reached only through the SDK's standard
 * AWS_ENDPOINT_URL_<SERVICE> variables (no `endpoint` is set in the code under test). The Targets
 * table is dynalite.
 */

const quickRetries = { retryStrategy: new ConfiguredRetryStrategy(10, () => 5) };
const settings: DiscoveryRunSettings = {
  regions: ['eu-west-1'],
  accounts: 'organization',
  memberRoleName: ROLE,
  memberExternalId: EXTERNAL_ID,
  concurrency: 4,
  defaultPort: 8883,
  dryRun: false,
};

/** One dynalite for the file; each test makes fresh tables on it. */
let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

describe('runDiscovery against the stand-ins', () => {
  let world: World;
  const aws = useAwsWorld(sampleWorld);

  beforeAll(() => {
    world = aws().world;
  });

  async function setup(): Promise<{ store: DynamoDbDiscoveredTargets; targets: DynamoDbTargets; run: (s?: Partial<DiscoveryRunSettings>) => ReturnType<typeof runDiscovery> }> {
    const tables = await freshTables(db);
    const store = new DynamoDbDiscoveredTargets(db.client, tables.targets);
    const parts = { sts: new STSClient(quickRetries), organizations: new OrganizationsClient({ ...quickRetries, region: 'us-east-1' }), store, clientSettings: quickRetries, now: () => new Date('2026-12-01T10:00:00.000Z') };
    return { store, targets: new DynamoDbTargets(db.client, tables.targets), run: (s = {}) => runDiscovery(parts, { ...settings, ...s }) };
  }

  it('writes one discovered target per public address and name, with origin, expect from tags and labels; user targets untouched; the denied account reported', async () => {
    // Prepare: the user already watches the broker's address by hand.
    const { targets, run } = await setup();
    await targets.put({ target: '203.0.113.20:8883', expect: 'open', description: 'mine' });
    world.throttle.set('ec2.DescribeNetworkInterfaces', 2);
    world.throttle.set('route53.ListResourceRecordSets', 1);
    // Act
    const { report, calls } = await run();
    // Assess: every scope but the denied account's was read.
    expect(report.accounts).toBe(3);
    expect(report.scopes.filter((s) => s.error !== null)).toEqual([
      expect.objectContaining({ account: DENIED, region: 'eu-west-1', error: expect.stringContaining('AccessDenied') }),
      expect.objectContaining({ account: DENIED, region: 'global', error: expect.stringContaining('AccessDenied') }),
    ]);
    expect(report.plan.userOwned).toEqual(['203.0.113.20:8883']);
    expect(report.applied).toEqual({ added: 7, updated: 0, disabled: 0, refused: 0 });
    const items = new Map((await targets.listAll()).map((i) => [i.target, i]));
    expect([...items.keys()].sort()).toEqual([
      '198.51.100.44:8883',
      '203.0.113.10:8883',
      '203.0.113.20:8883',
      '203.0.113.30:8883',
      '[2001:db8::20]:8883',
      'broker.example.com:8883',
      'mqtt-nlb-1234.elb.eu-west-1.amazonaws.com:8883',
      'mqtt.example.com:8883',
    ]);
    // The interface names the target; the Elastic IP on it adds its tags; the instance's tags are labels.
    expect(items.get('203.0.113.10:8883')).toEqual({
      target: '203.0.113.10:8883',
      expect: 'closed',
      enabled: true,
      labels: { Name: 'web-1', env: 'prod', team: 'shop' },
      description: `discovered: network interface eni-0a1b2c3d4e5f00001 (web-1) in ${HOME} eu-west-1`,
      origin: {
        account: HOME, region: 'eu-west-1', kind: 'network-interface', resourceId: 'eni-0a1b2c3d4e5f00001',
        arn: `arn:aws:ec2:eu-west-1:${HOME}:network-interface/eni-0a1b2c3d4e5f00001`, name: 'web-1', securityGroups: ['sg-0web'], attachedTo: 'i-0web1',
      },
    });
    expect(items.get('[2001:db8::20]:8883')).toMatchObject({ expect: 'open', labels: { Name: 'broker' } });
    expect(items.get('mqtt-nlb-1234.elb.eu-west-1.amazonaws.com:8883')).toMatchObject({ expect: 'open', origin: { kind: 'load-balancer', listeners: ['TLS:8883'], securityGroups: ['sg-0nlb'] } });
    // A name takes the tags and groups of what it names: the alias its balancer's, the A record its instance's.
    expect(items.get('mqtt.example.com:8883')).toMatchObject({ expect: 'open', origin: { kind: 'dns-record', attachedTo: 'mqtt-nlb-1234.elb.eu-west-1.amazonaws.com', securityGroups: ['sg-0nlb'] } });
    expect(items.get('broker.example.com:8883')).toMatchObject({ expect: 'open', labels: { Name: 'broker' }, origin: { securityGroups: ['sg-0broker'] } });
    expect(items.get('198.51.100.44:8883')).toMatchObject({ origin: { account: MEMBER, kind: 'network-interface' }, labels: { Name: 'ingest-task' } });
    expect(items.get('203.0.113.20:8883')).toEqual({ target: '203.0.113.20:8883', expect: 'open', description: 'mine' });
    // The wildcard record and the private zone are not targets; every item parses as a target.
    expect(report.skipped).toEqual([expect.stringContaining('wildcard')]);
    for (const item of items.values()) expect(parseTargetItem(item).ok).toBe(true);
    // Pagination and throttling ran on the real clients: 2 items per page (home 2 pages, member 1, the
    // denied account's one call fails at signing), 3 throttled calls retried.
    expect(calls.calls['EC2.DescribeNetworkInterfaces']).toBe(4);
    expect(calls.calls['Organizations.ListAccounts']).toBe(2);
    expect(calls.calls['STS.AssumeRole']).toBe(2);
    expect(calls.retries).toBe(3);
    expect(world.calls.get('route53.ListResourceRecordSets')).toBe(4);
  });

  it('is idempotent (a second run writes nothing), disables a vanished resource with its reason, and keeps the targets of an account it could not read', async () => {
    // Prepare
    const { targets, run } = await setup();
    await run();
    const client = countRequests(db.client);
    // Act 1: nothing changed.
    const again = await run();
    // Assess 1
    expect(again.report.applied).toEqual({ added: 0, updated: 0, disabled: 0, refused: 0 });
    expect(again.report.plan.unchanged).toBe(8);
    expect(client.writes()).toBe(0);
    // Act 2: the spare Elastic IP is released, the member account's role disappears, a tag changes.
    const homeRegion = world.accounts[0]?.regions['eu-west-1'];
    const member = world.accounts[1];
    if (!homeRegion || !member) throw new Error('world');
    const spare = homeRegion.addresses.pop();
    const nlb = homeRegion.balancers[0];
    if (!nlb) throw new Error('world');
    homeRegion.balancers[0] = { ...nlb, tags: { 'portwatch:expect': 'any', owner: 'iot' } };
    member.deny = true;
    try {
      const third = await run();
      // Assess 2
      expect(third.report.plan.disable.map((d) => d.target)).toEqual(['203.0.113.30:8883']);
      // The balancer's tags changed, and so did those of the name aliased to it.
      expect(third.report.plan.update.map((u) => [u.item.target, u.changed])).toEqual([
        ['mqtt-nlb-1234.elb.eu-west-1.amazonaws.com:8883', ['expect', 'labels']],
        ['mqtt.example.com:8883', ['expect', 'labels']],
      ]);
      expect(third.report.applied).toEqual({ added: 0, updated: 2, disabled: 1, refused: 0 });
      expect(await targets.get('203.0.113.30:8883')).toMatchObject({
        enabled: false,
        disabledReason: `Elastic IP eipalloc-0002 (spare) in ${HOME} eu-west-1 no longer found by discovery at 2026-12-01T10:00:00.000Z`,
      });
      const nlbItem = await targets.get('mqtt-nlb-1234.elb.eu-west-1.amazonaws.com:8883');
      expect(nlbItem).toMatchObject({ labels: { owner: 'iot' } });
      expect(nlbItem?.expect).toBeUndefined();
      // The member account could not be read: its task stays watched.
      expect(await targets.get('198.51.100.44:8883')).toMatchObject({ enabled: true });
      // Act 3: the address comes back.
      if (spare) homeRegion.addresses.push(spare);
      const fourth = await run();
      expect(fourth.report.plan.update.map((u) => u.changed)).toEqual([['enabled']]);
      const back = await targets.get('203.0.113.30:8883');
      expect(back).toMatchObject({ enabled: true });
      expect(back?.disabledReason).toBeUndefined();
    } finally {
      member.deny = false;
      homeRegion.balancers[0] = nlb;
    }
  });

  it('never writes a user item even when it appears between the read and the write, and writes nothing on a dry run', async () => {
    // Prepare
    const { store, targets, run } = await setup();
    // Act: a dry run, then a user target put under a discovered key, then a conditional update attempt.
    const dry = await run({ dryRun: true });
    expect(dry.report.applied).toBeNull();
    expect(await targets.listAll()).toEqual([]);
    await targets.put({ target: '203.0.113.30:8883', description: 'user' });
    const add = await store.add({ target: '203.0.113.30:8883', origin: {} });
    const update = await store.update({ target: '203.0.113.30:8883', origin: {}, labels: {}, description: 'x' }, true);
    const disable = await store.disable('203.0.113.30:8883', 'gone', 'now');
    // Assess
    expect([add, update, disable]).toEqual([false, false, false]);
    expect(await targets.get('203.0.113.30:8883')).toEqual({ target: '203.0.113.30:8883', description: 'user' });
  });
});

/*
 * At scale: the bench's run (bench/discovery.ts), small here (3 accounts of 10 interfaces); `npm run
 * bench` runs 10,000 interfaces across 50 accounts, as does this file with
 * PORTWATCH_DISCOVERY_ACCOUNTS=50 PORTWATCH_DISCOVERY_INTERFACES=200 (PORTWATCH_DISCOVERY_REPORT=1
 * prints the figures). No timing is asserted.
 */
const accounts = Number(process.env.PORTWATCH_DISCOVERY_ACCOUNTS ?? 3);
const interfaces = Number(process.env.PORTWATCH_DISCOVERY_INTERFACES ?? 10);

describe(`discovery of ${accounts * interfaces} interfaces across ${accounts} accounts`, () => {
  it('reads every account in one run with a fixed number of calls per account, and a second run writes nothing', async () => {
    // Act
    const r = await runDiscoveryBench(accounts, interfaces);
    // Assess: every interface, both balancers and 20 names per account (the names share the interfaces' addresses' keys only by chance: none here).
    expect(r.first.report.scopes.filter((s) => s.error !== null)).toEqual([]);
    expect(r.targets).toBe(accounts * (interfaces + 2 + 20));
    expect(r.first.writes).toBe(r.targets);
    // Per account: AssumeRole (not for home), interfaces and their instances' tags by the page, addresses,
    // balancers, their listeners (one call each) and tags, zones and records; plus ListAccounts.
    const pages = Math.ceil(interfaces / 1000);
    const perAccount = pages + Math.ceil((interfaces * 2) / 1000) + 1 + 1 + 2 + 1 + 1 + 1;
    expect(totalCalls(r.first.calls)).toBe(accounts * perAccount + (accounts - 1) + 1);
    expect(r.second.writes).toBe(0);
    expect(r.second.report.plan.unchanged).toBe(r.targets);
    if (process.env.PORTWATCH_DISCOVERY_REPORT) {
      process.stdout.write(`${JSON.stringify({ interfaces: r.interfaces, accounts, targets: r.targets, first: { wallMs: r.first.wallMs, calls: r.first.calls, writes: r.first.writes }, second: { wallMs: r.second.wallMs, writes: r.second.writes } }, null, 1)}\n`);
    }
    // The full size takes minutes on the embedded DynamoDB's 10,000+ conditional writes.
  }, accounts * interfaces > 1000 ? 900_000 : 30_000);
});

describe('the discovery Lambda handler', () => {
  const aws = useAwsWorld(sampleWorld);

  it('reads its environment at cold start, takes its account from its ARN, and logs the run; a failed account is logged, not thrown', async () => {
    // Prepare: the environment the Discovery construct sets (contracts/discovery-env.ts); every AWS
    // client built at module scope reaches the stand-ins and dynalite through AWS_ENDPOINT_URL_<SERVICE>.
    const tables = await freshTables(db);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      TARGETS_TABLE_NAME: tables.targets,
      DISCOVERY_REGIONS: 'eu-west-1',
      DISCOVERY_ACCOUNTS: 'organization',
      MEMBER_ROLE_NAME: ROLE,
      MEMBER_EXTERNAL_ID: EXTERNAL_ID,
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require('../../../lambda/handlers/discovery') as typeof import('../../../lambda/handlers/discovery');
    const context = { ...fullContext('discoverer', 'd-1'), invokedFunctionArn: `arn:aws:lambda:eu-west-1:${HOME}:function:discoverer` };
    // Act
    const { result, error, out } = await captureOutput(() => handler({}, context));
    // Assess: no GetCallerIdentity (the ARN named the account); the denied account's two scopes logged.
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ accounts: 3, added: 8, updated: 0, disabled: 0, failedScopes: 2 });
    expect(aws().world.calls.get('sts.GetCallerIdentity')).toBeUndefined();
    expect(out.logs.filter((l) => l.message === 'scope not read; its targets are kept as they are')).toHaveLength(2);
    expect(out.logs).toContainEqual(expect.objectContaining({ message: 'discovery run', added: 8, failedScopes: 2, retries: 0 }));
    expect(metricSum(out.metrics, 'DiscoveryScopesFailed')).toBe(2);
  });
});
