import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbStateStore } from '../adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../adapters/aws/dynamodb-target-digests';
import { SnsNotifier } from '../adapters/aws/sns-notifier';
import { optionalInt, optionalString, requireString } from '../contracts/env-values';
import { createAddressGuard, parseCidrList } from '../probe/address-policy';
import { createCachingResolver, probeTarget, systemResolver } from '../probe';
import { DEFAULT_PROBER_CONFIG, ProberService, type WorkGroup } from '../monitor/prober/service';
import { DEFAULT_PORT } from '../monitor/target';
import { DEFAULT_POSTURE_EVERY_MS, DEFAULT_TICK_MS } from '../monitor/cadence';
import { createLogger, createMetrics, logTo, publishMetrics } from '../adapters/aws/powertools';
import { batchMetrics } from '../contracts/metrics';

const env = process.env;
const allowed = parseCidrList(optionalString(env, 'ALLOWED_CIDRS', ''));
if (!allowed.ok) throw new Error(`environment variable ALLOWED_CIDRS: ${allowed.error.value} ${allowed.error.reason}`);
const guard = createAddressGuard({ allow: allowed.value });
const dynamodb = new DynamoDBClient({});
const store = new DynamoDbStateStore(dynamodb, {
  tableName: requireString(env, 'STATE_TABLE_NAME'),
  eventRetentionDays: optionalInt(env, 'EVENT_RETENTION_DAYS', 90, 1, 3650),
});
// A publish, retries included, must end well inside the alert lease (60 s): a slower one could be
// overtaken by another prober whose lease began after ours ran out, and the alert would go out twice.
const notifier = new SnsNotifier(new SNSClient({ maxAttempts: 3, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } }), requireString(env, 'ALERT_TOPIC_ARN'));
const config = {
  ...DEFAULT_PROBER_CONFIG,
  defaultPort: optionalInt(env, 'DEFAULT_PORT', DEFAULT_PORT, 1, 65535),
  confirmAttempts: optionalInt(env, 'CONFIRM_ATTEMPTS', DEFAULT_PROBER_CONFIG.confirmAttempts, 1, 5),
  confirmDelayMs: optionalInt(env, 'CONFIRM_DELAY_MS', DEFAULT_PROBER_CONFIG.confirmDelayMs, 0, 10_000),
  concurrency: optionalInt(env, 'PROBE_CONCURRENCY', DEFAULT_PROBER_CONFIG.concurrency, 1, 1000),
  cadence: {
    tickMs: optionalInt(env, 'TICK_INTERVAL_MS', DEFAULT_TICK_MS, 60_000, 86_400_000),
    postureEveryMs: optionalInt(env, 'POSTURE_EVERY_MS', DEFAULT_POSTURE_EVERY_MS, 60_000, 86_400_000),
  },
};
const targetsTable = optionalString(env, 'TARGETS_TABLE_NAME', '');
const digests = targetsTable === '' ? undefined : new DynamoDbTargetDigests(dynamodb, targetsTable);
const probeDefaults = {
  timeoutMs: optionalInt(env, 'PROBE_TIMEOUT_MS', 3000, 100, 30_000),
  certExpiringDays: optionalInt(env, 'CERT_EXPIRING_DAYS', 14, 0, 365),
  guard,
};
const logger = createLogger();
const metrics = createMetrics();

/** Lambda stops the function at its timeout; leave this much for the last writes and the response. */
const SAFETY_MS = 3000;

/** SQS batch: probe every target of every record; report records to retry as batch item failures. */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.resetKeys();
  logger.addContext(context);
  const groups: WorkGroup[] = [];
  const ticks = new Set<string>();
  for (const record of event.Records) {
    const message = parseMessage(record.body);
    // A body that is not a probe message will never parse; retrying it only delays the DLQ, so log and drop it.
    if (message === null) logger.error('malformed probe message dropped', { messageId: record.messageId });
    else groups.push({ id: record.messageId, items: message.targets, ...(message.tick ? { tick: message.tick } : {}) });
    if (message?.tick) ticks.add(message.tick);
  }
  // The oldest tick of the batch correlates its lines (a batch mixes ticks only when a message is retried).
  const tick = [...ticks].sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  if (tick) logger.appendKeys({ tick });
  // DNS answers are shared by every target of this invocation, never across invocations.
  const service = new ProberService(
    { store, notifier, ...(digests ? { digests } : {}), probe: probeTarget, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), log: logTo(logger) },
    { ...config, probeOptions: { ...probeDefaults, resolver: createCachingResolver(systemResolver) } },
  );
  const report = await service.run(groups, { remainingMs: () => context.getRemainingTimeInMillis() - SAFETY_MS });
  const tickAgeMs = tick ? Date.now() - Date.parse(tick) : null;
  const { probeLatenciesMs, ...counts } = report;
  logger.info('batch probed', { records: event.Records.length, ticks: [...ticks], tickAgeMs, ...counts });
  publishMetrics(metrics, batchMetrics(report, tickAgeMs));
  return { batchItemFailures: report.failedGroups.map((id) => ({ itemIdentifier: id })) };
}

function parseMessage(body: string): { targets: readonly unknown[]; tick: string | null } | null {
  try {
    const message = JSON.parse(body) as { v?: unknown; targets?: unknown; tick?: unknown };
    if (message.v !== 1 || !Array.isArray(message.targets)) return null;
    const tick = typeof message.tick === 'string' && !Number.isNaN(Date.parse(message.tick)) ? message.tick : null;
    return { targets: message.targets, tick };
  } catch {
    return null;
  }
}
