/** The prober Lambda: probes the targets of a batch of probe messages, records and alerts transitions. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { RootCauseNotifier } from '../monitor/root-cause-notifier';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbStateStore } from '../adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../adapters/aws/dynamodb-target-digests';
import { SnsNotifier } from '../adapters/aws/sns-notifier';
import { createLogger, createMetrics, logTo, publishMetrics } from '../adapters/aws/powertools';
import { parseProbeMessage } from '../contracts/probe-message';
import { parseProberEnv } from '../contracts/prober-env';
import type { WorkGroup } from '../monitor/prober/service';
import { createAddressGuard } from '../probe/address-policy';
import { batchLogFields, batchMetrics } from './metric-points';
import { LOG_LINES } from '../contracts/metrics';
import { createProber } from './prober-root';
import { createSinks } from './prober-sinks';
import type { AlertSink, Notifier } from '../monitor/dependencies';

const config = parseProberEnv(process.env);
const guard = createAddressGuard({ allow: config.allowedCidrs });
// A prober stack in another region still keeps one State table and one topic: those of the home region.
const home = config.homeRegion === null ? {} : { region: config.homeRegion };
const dynamodb = new DynamoDBClient(home);
const store = new DynamoDbStateStore(dynamodb, { tableName: config.stateTableName, eventRetentionDays: config.eventRetentionDays });
// A publish, retries included, must end well inside the alert lease (60 s): a slower one could be
// overtaken by another prober whose lease began after ours ran out, and the alert would go out twice.
const sns = new SNSClient({ ...home, maxAttempts: 3, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } });
const snsNotifier = new SnsNotifier(sns, config.alertTopicArn);
/**
 * Built at the first invocation, loading their code only when configured (prober-sinks.ts): the alert
 * sinks (the Security Hub sink names the account from the function's ARN) and, when the stack has
 * discovery, the root cause of a discovered target opening against expect: closed (root-cause-notifier.ts).
 */
let sinks: AlertSink[] | undefined;
let notifier: Notifier | undefined;
const digests = config.targetsTableName === null ? undefined : new DynamoDbTargetDigests(dynamodb, config.targetsTableName);
const logger = createLogger();
const metrics = createMetrics();

function createNotifier(): Notifier {
  if (config.rootCause === null) return snsNotifier;
  const { STSClient } = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  const { AwsRootCause } = require('../adapters/aws/aws-root-cause') as typeof import('../adapters/aws/aws-root-cause');
  const rootCause = new AwsRootCause(new STSClient({ maxAttempts: 3 }), { roleName: config.rootCause.roleName, externalId: config.rootCause.externalId, clientSettings: { maxAttempts: 3 } });
  return new RootCauseNotifier(snsNotifier, rootCause, { log: (message, fields) => logger.warn(message, fields) });
}

/** Lambda stops the function at its timeout; leave this much for the last writes and the response. */
const SAFETY_MS = 3000;

/** SQS batch: probe every target of every record; report records to retry as batch item failures. */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.resetKeys();
  logger.addContext(context);
  const groups: WorkGroup[] = [];
  const ticks = new Set<string>();
  for (const record of event.Records) {
    const parsed = parseProbeMessage(record.body);
    // A body that is not a probe message will never parse; retrying it only delays the DLQ, so log and drop it.
    if (!parsed.ok) {
      logger.error('malformed probe message dropped', { messageId: record.messageId, reason: parsed.reason });
      continue;
    }
    const { targets, tick, everyMs } = parsed.message;
    groups.push({ id: record.messageId, items: targets, ...(tick ? { tick } : {}), ...(everyMs !== null ? { everyMs } : {}) });
    if (tick) ticks.add(tick);
  }
  // The oldest tick of the batch correlates its lines (a batch mixes ticks only when a message is retried).
  const tick = [...ticks].sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  if (tick) logger.appendKeys({ tick });
  sinks ??= createSinks(config, context.invokedFunctionArn, sns);
  notifier ??= createNotifier();
  const service = createProber({ store, notifier, sinks, digests, guard, log: logTo(logger) }, config);
  const report = await service.run(groups, { remainingMs: () => context.getRemainingTimeInMillis() - SAFETY_MS });
  const tickAgeMs = tick ? Date.now() - Date.parse(tick) : null;
  logger.info(LOG_LINES.batchProbed, { records: event.Records.length, ticks: [...ticks], ...batchLogFields(report, tickAgeMs) });
  publishMetrics(metrics, batchMetrics(report));
  return { batchItemFailures: report.failedGroups.map((id) => ({ itemIdentifier: id })) };
}
