import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store';
import { SnsNotifier } from '../adapters/sns-notifier';
import { optionalInt, optionalString, requireString } from '../config';
import { createAddressGuard, parseCidrList } from '../core/address-policy';
import { createCachingResolver, probeTarget, systemResolver } from '../core/probe';
import { DEFAULT_PROBER_CONFIG, ProberService, type WorkGroup } from '../core/prober-service';
import { DEFAULT_PORT } from '../core/target';
import { jsonLog } from '../log';

const env = process.env;
const allowed = parseCidrList(optionalString(env, 'ALLOWED_CIDRS', ''));
if (!allowed.ok) throw new Error(`environment variable ALLOWED_CIDRS: ${allowed.error.value} ${allowed.error.reason}`);
const guard = createAddressGuard({ allow: allowed.value });
const store = new DynamoDbStateStore(new DynamoDBClient({}), {
  tableName: requireString(env, 'STATE_TABLE_NAME'),
  eventRetentionDays: optionalInt(env, 'EVENT_RETENTION_DAYS', 90, 1, 3650),
});
const notifier = new SnsNotifier(new SNSClient({}), requireString(env, 'ALERT_TOPIC_ARN'));
const config = {
  ...DEFAULT_PROBER_CONFIG,
  defaultPort: optionalInt(env, 'DEFAULT_PORT', DEFAULT_PORT, 1, 65535),
  confirmAttempts: optionalInt(env, 'CONFIRM_ATTEMPTS', DEFAULT_PROBER_CONFIG.confirmAttempts, 1, 5),
  confirmDelayMs: optionalInt(env, 'CONFIRM_DELAY_MS', DEFAULT_PROBER_CONFIG.confirmDelayMs, 0, 10_000),
  concurrency: optionalInt(env, 'PROBE_CONCURRENCY', DEFAULT_PROBER_CONFIG.concurrency, 1, 1000),
};
const probeDefaults = {
  timeoutMs: optionalInt(env, 'PROBE_TIMEOUT_MS', 3000, 100, 30_000),
  certExpiringDays: optionalInt(env, 'CERT_EXPIRING_DAYS', 14, 0, 365),
  guard,
};

/** Lambda stops the function at its timeout; leave this much for the last writes and the response. */
const SAFETY_MS = 3000;

/** SQS batch: probe every target of every record; report records to retry as batch item failures. */
export async function handler(event: SQSEvent, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SQSBatchResponse> {
  const groups: WorkGroup[] = [];
  const malformed: string[] = [];
  for (const record of event.Records) {
    const targets = parseMessage(record.body);
    if (targets === null) malformed.push(record.messageId);
    else groups.push({ id: record.messageId, items: targets });
  }
  // A body that is not a probe message will never parse; retrying it only delays the DLQ, so log and drop it.
  for (const id of malformed) jsonLog('error', 'malformed probe message dropped', { messageId: id });
  // DNS answers are shared by every target of this invocation, never across invocations.
  const service = new ProberService(
    { store, notifier, probe: probeTarget, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), log: jsonLog },
    { ...config, probeOptions: { ...probeDefaults, resolver: createCachingResolver(systemResolver) } },
  );
  const report = await service.run(groups, { remainingMs: () => context.getRemainingTimeInMillis() - SAFETY_MS });
  jsonLog('info', 'batch probed', { records: event.Records.length, ...report });
  return { batchItemFailures: report.failedGroups.map((id) => ({ itemIdentifier: id })) };
}

function parseMessage(body: string): readonly unknown[] | null {
  try {
    const message = JSON.parse(body) as { v?: unknown; targets?: unknown };
    return message.v === 1 && Array.isArray(message.targets) ? message.targets : null;
  } catch {
    return null;
  }
}
