import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DynamoDbTargetSource } from '../adapters/aws/dynamodb-target-source';
import { SqsProbeQueue } from '../adapters/aws/sqs-probe-queue';
import { optionalInt, requireString } from '../contracts/env-values';
import { dispatch, type DispatchReport } from '../monitor/dispatch';
import type { ProbeQueue, TargetSource } from '../monitor/dependencies';
import { DEFAULT_PORT } from '../monitor/target';
import { createLogger, createMetrics, publishMetrics } from '../adapters/aws/powertools';
import { dispatchMetrics, failedDispatchMetrics } from '../contracts/metrics';

const config = {
  targetsTable: requireString(process.env, 'TARGETS_TABLE_NAME'),
  queueUrl: requireString(process.env, 'PROBE_QUEUE_URL'),
  segments: optionalInt(process.env, 'SCAN_SEGMENTS', 4, 1, 1000),
  targetsPerMessage: optionalInt(process.env, 'TARGETS_PER_MESSAGE', 25, 1, 1000),
  defaultPort: optionalInt(process.env, 'DEFAULT_PORT', DEFAULT_PORT, 1, 65535),
};
const source: TargetSource = new DynamoDbTargetSource(new DynamoDBClient({}), config.targetsTable);
const queue: ProbeQueue = new SqsProbeQueue(new SQSClient({}), config.queueUrl);
const logger = createLogger();
const metrics = createMetrics();

/** EventBridge tick: page through the Targets table and fan the targets out to the probe queue. */
export async function handler(event: Pick<ScheduledEvent, 'time' | 'id'>, context: Context): Promise<DispatchReport> {
  const tick = event.time ?? new Date().toISOString();
  logger.resetKeys();
  logger.addContext(context);
  logger.appendKeys({ tick, eventId: event.id });
  try {
    const report = await dispatch(source, queue, { ...config, maxMessageBytes: 200_000 }, tick);
    logger.info('tick dispatched', { ...report });
    publishMetrics(metrics, dispatchMetrics(report));
    return report;
  } catch (err) {
    // Thrown on: Lambda retries once, then the tick lands in the alarmed failure queue.
    logger.error('tick not dispatched', err instanceof Error ? err : String(err));
    publishMetrics(metrics, failedDispatchMetrics());
    throw err;
  }
}
