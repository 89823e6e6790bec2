/** The discovery Lambda: daily (and on demand) reads the public endpoints of the configured accounts and regions into the Targets table. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { DISCOVERY_RETRY } from '../adapters/aws/api-calls';
import { DynamoDbDiscoveredTargets } from '../adapters/aws/dynamodb-discovered-targets';
import { createLogger, createMetrics, publishMetrics } from '../adapters/aws/powertools';
import { METRIC } from '../contracts/metrics';
import { parseDiscoveryEnv } from '../contracts/discovery-env';
import { runDiscovery } from './discovery-root';

const config = parseDiscoveryEnv(process.env);
const sts = new STSClient(DISCOVERY_RETRY);
// Organizations answers in us-east-1 only.
const organizations = config.accounts === 'organization' ? new OrganizationsClient({ ...DISCOVERY_RETRY, region: 'us-east-1' }) : null;
const store = new DynamoDbDiscoveredTargets(new DynamoDBClient({}), config.targetsTableName);
const logger = createLogger();
const metrics = createMetrics();

export interface DiscoveryResult {
  readonly accounts: number;
  readonly added: number;
  readonly updated: number;
  readonly disabled: number;
  readonly failedScopes: number;
  readonly apiCalls: number;
}

/**
 * A scope (account and region) that cannot be read is logged and counted, its targets kept as they
 * are, and the run goes on; the run throws (so the invocation is retried, then lands in the failure
 * queue) only when it cannot start: no account list, or no Targets table.
 */
export async function handler(_event: unknown, context: Context): Promise<DiscoveryResult> {
  logger.resetKeys();
  logger.addContext(context);
  // The function's ARN names its account: no GetCallerIdentity needed.
  const homeAccount = context.invokedFunctionArn.split(':')[4];
  const regions = config.regions.length > 0 ? config.regions : [process.env.AWS_REGION ?? 'us-east-1'];
  const { report, calls, wallMs } = await runDiscovery(
    { sts, organizations, store },
    { ...config, regions, dryRun: false, ...(homeAccount ? { homeAccount } : {}) },
  );
  const failed = report.scopes.filter((s) => s.error !== null);
  for (const f of failed) logger.error('scope not read; its targets are kept as they are', { account: f.account, region: f.region, error: f.error });
  for (const w of report.warnings) logger.warn(w);
  const applied = report.applied ?? { added: 0, updated: 0, disabled: 0, refused: 0 };
  logger.info('discovery run', {
    accounts: report.accounts,
    scopes: report.scopes.length,
    failedScopes: failed.length,
    ...applied,
    userOwned: report.plan.userOwned.length,
    unchanged: report.plan.unchanged,
    skipped: report.skipped.length,
    calls: calls.calls,
    retries: calls.retries,
    wallMs,
  });
  // Alarmed (Discovery construct): a scope that cannot be read is a blind spot, even though the run goes on.
  publishMetrics(metrics, [{ name: METRIC.discoveryScopesFailed, unit: 'Count', values: [failed.length] }]);
  const apiCalls = Object.values(calls.calls).reduce((a, b) => a + b, 0);
  return { accounts: report.accounts, added: applied.added, updated: applied.updated, disabled: applied.disabled, failedScopes: failed.length, apiCalls };
}
