/**
 * Discovery at organization scale: `accounts` accounts of `interfaces` public interfaces each, served
 * by the AWS stand-in (the real SDK clients, their XML/JSON parsers and pagination), into a Targets
 * table on the embedded DynamoDB, as one function run does it (discovery-root, concurrency 8). A
 * second run checks that nothing changed writes nothing. Shared by `npm run bench` (10,000 interfaces
 * across 50 accounts) and the small run in npm test.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDbDiscoveredTargets } from '../lambda/adapters/aws/dynamodb-discovered-targets';
import { ensureTables, startEmbeddedDynamoDb } from '../lambda/adapters/local/embedded-dynamodb';
import type { CallCounts } from '../lambda/adapters/aws/api-calls';
import { DISCOVERY_INTEGER_VARIABLES } from '../lambda/contracts/discovery-env';
import { runDiscovery } from '../lambda/handlers/discovery-root';
import type { DiscoveryReport } from '../lambda/discovery/service';
import { standInEnvironment, startAwsWorld } from '../test/helpers/aws-world';
import { EXTERNAL_ID, ROLE, scaleWorld } from '../test/helpers/aws-world-samples';
import { countRequests } from '../test/helpers/dynalite';

export interface DiscoveryBenchResult {
  readonly accounts: number;
  readonly interfaces: number;
  readonly targets: number;
  readonly first: { readonly wallMs: number; readonly calls: CallCounts; readonly writes: number; readonly report: DiscoveryReport };
  readonly second: { readonly wallMs: number; readonly calls: CallCounts; readonly writes: number; readonly report: DiscoveryReport };
}

export async function runDiscoveryBench(accounts: number, interfacesPerAccount: number): Promise<DiscoveryBenchResult> {
  const world = scaleWorld(accounts, interfacesPerAccount);
  const standIn = await startAwsWorld(world);
  const db = await startEmbeddedDynamoDb();
  const saved = { ...process.env };
  Object.assign(process.env, standInEnvironment(standIn.endpoint));
  try {
    await ensureTables(db.client, { targets: 'targets', state: 'state' });
    const requests = countRequests(db.client);
    const quick = { retryStrategy: new ConfiguredRetryStrategy(5, () => 5) };
    const parts = { sts: new STSClient(quick), organizations: new OrganizationsClient({ ...quick, region: 'us-east-1' }), store: new DynamoDbDiscoveredTargets(db.client, 'targets'), clientSettings: quick };
    const settings = {
      regions: ['eu-west-1'],
      accounts: 'organization' as const,
      memberRoleName: ROLE,
      memberExternalId: EXTERNAL_ID,
      concurrency: DISCOVERY_INTEGER_VARIABLES.concurrency.default,
      defaultPort: 8883,
      dryRun: false,
      homeAccount: world.home,
    };
    const once = async () => {
      requests.reset();
      const run = await runDiscovery(parts, settings);
      return { wallMs: run.wallMs, calls: run.calls, writes: requests.writes(), report: run.report };
    };
    const first = await once();
    const second = await once();
    return { accounts, interfaces: accounts * interfacesPerAccount, targets: first.report.plan.add.length, first, second };
  } finally {
    process.env = saved;
    await standIn.close();
    await db.close();
  }
}

/** API calls of a run, summed. */
export function totalCalls(calls: CallCounts): number {
  return Object.values(calls.calls).reduce((a, b) => a + b, 0);
}
