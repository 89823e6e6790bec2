/** The dispatcher Lambda: on each EventBridge tick, pages the Targets table into probe messages. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DynamoDbTargetSource } from '../adapters/aws/dynamodb-target-source';
import { SqsProbeQueue } from '../adapters/aws/sqs-probe-queue';
import { createLogger, createMetrics, publishMetrics } from '../adapters/aws/powertools';
import { parseDispatcherEnv } from '../contracts/dispatcher-env';
import type { DispatchReport } from '../monitor/dispatch';
import { createDispatch } from './dispatcher-root';
import { dispatchMetrics } from './metric-points';
import { LOG_LINES } from '../contracts/metrics';
import { logVantageFailures, sqsVantageQueues } from './vantage-queues';

const config = parseDispatcherEnv(process.env);
const queue = new SqsProbeQueue(new SQSClient({}), config.probeQueueUrl);
const vantageQueues = sqsVantageQueues(queue, config.vantages);
const dispatchTick = createDispatch({ source: new DynamoDbTargetSource(new DynamoDBClient({}), config.targetsTableName), queue, ...(vantageQueues ? { vantageQueues } : {}) }, config);
const logger = createLogger();
const metrics = createMetrics();

/** EventBridge tick: page through the Targets table and fan the targets out to the probe queue. */
export async function handler(event: Pick<ScheduledEvent, 'time' | 'id'>, context: Context): Promise<DispatchReport> {
  const tick = event.time ?? new Date().toISOString();
  logger.resetKeys();
  logger.addContext(context);
  logger.appendKeys({ tick, eventId: event.id });
  try {
    const report = await dispatchTick(tick);
    logger.info(LOG_LINES.tickDispatched, { ...report });
    if (report.fastLaneCapped > 0) {
      logger.warn('fast-lane targets on a schedule longer than 15 minutes get their looks in its first 15 minutes only (SQS delays a message at most 900 s)', { fastLaneCapped: report.fastLaneCapped });
    }
    logVantageFailures(logger, report.vantageFailures);
    publishMetrics(metrics, dispatchMetrics(report));
    return report;
  } catch (err) {
    // Thrown on: Lambda retries once, then the tick lands in the alarmed failure queue. The failure is
    // the function's Errors metric: the missed-tick alarm counts invocations minus errors.
    logger.error('tick not dispatched', err instanceof Error ? err : String(err));
    throw err;
  }
}
