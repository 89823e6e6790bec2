/** The re-probe Lambda: a CloudTrail change to a security group, address or listener (via EventBridge) -> an immediate probe of the discovered targets it affects. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { DynamoDbTargetSource } from '../adapters/aws/dynamodb-target-source';
import { SqsProbeQueue } from '../adapters/aws/sqs-probe-queue';
import { createLogger } from '../adapters/aws/powertools';
import { parseReprobeEnv } from '../contracts/discovery-env';
import { affectedItems, parseChangeEvent, reprobeMessages } from '../discovery/reprobe';
import { sendToVantages, type VantageFailure } from '../monitor/dispatch';
import { logVantageFailures, sqsVantageQueues } from './vantage-queues';

const config = parseReprobeEnv(process.env);
const source = new DynamoDbTargetSource(new DynamoDBClient({}), config.targetsTableName);
const queue = new SqsProbeQueue(new SQSClient({}), config.probeQueueUrl);
// Several regions: every vantage point's queue, as for a tick, so an exposure seen from another
// region is looked at from there now rather than at the next tick.
const vantageQueues = sqsVantageQueues(queue, config.vantages);
const logger = createLogger();

export interface ReprobeResult {
  readonly event: string | null;
  readonly targets: readonly string[];
  /** Several vantage points: those whose queue refused the re-probe (the others got it). Absent with one, or with no target to re-probe. */
  readonly vantageFailures?: readonly VantageFailure[];
}

/**
 * Reads the Targets table (one scan; a change event is rare next to ticks) and enqueues the affected
 * targets on the probe queues the ticks use, so the probers, their confirmation re-probe and their
 * single alert are the ones of every tick. An event that is not a change (or failed) is logged and
 * dropped. A vantage point whose queue refuses waits for the next tick; only when every queue refuses
 * does the re-probe fail (retried, then the failure queue), as the one queue of a single region does.
 */
export async function handler(event: unknown, context: Context): Promise<ReprobeResult> {
  logger.resetKeys();
  logger.addContext(context);
  const parsed = parseChangeEvent(event);
  if (!parsed.ok) {
    logger.info('event ignored', { reason: parsed.reason });
    return { event: null, targets: [] };
  }
  const items: Record<string, unknown>[] = [];
  for await (const page of source.scan(0, 1)) items.push(...page);
  const affected = affectedItems(parsed.event, items);
  const targets = affected.map((i) => String(i.target));
  let vantageFailures: readonly VantageFailure[] | undefined;
  if (affected.length > 0) ({ vantageFailures } = await sendToVantages(queue, vantageQueues, (q) => q.send(reprobeMessages(affected, new Date().toISOString()))));
  logger.info('re-probe', { eventName: parsed.event.eventName, account: parsed.event.account, region: parsed.event.region, targets });
  logVantageFailures(logger, vantageFailures);
  return { event: parsed.event.eventName, targets, ...(vantageFailures ? { vantageFailures } : {}) };
}
