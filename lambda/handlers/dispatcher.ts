import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ScheduledEvent } from 'aws-lambda';
import { DynamoDbTargetSource } from '../adapters/dynamodb-target-source';
import { SqsProbeQueue } from '../adapters/sqs-probe-queue';
import { optionalInt, requireString } from '../config';
import { dispatch, type DispatchReport } from '../core/dispatch';
import type { ProbeQueue, TargetSource } from '../core/ports';
import { DEFAULT_PORT } from '../core/target';
import { jsonLog } from '../log';

const config = {
  targetsTable: requireString(process.env, 'TARGETS_TABLE_NAME'),
  queueUrl: requireString(process.env, 'PROBE_QUEUE_URL'),
  segments: optionalInt(process.env, 'SCAN_SEGMENTS', 4, 1, 1000),
  targetsPerMessage: optionalInt(process.env, 'TARGETS_PER_MESSAGE', 25, 1, 1000),
  defaultPort: optionalInt(process.env, 'DEFAULT_PORT', DEFAULT_PORT, 1, 65535),
};
const source: TargetSource = new DynamoDbTargetSource(new DynamoDBClient({}), config.targetsTable);
const queue: ProbeQueue = new SqsProbeQueue(new SQSClient({}), config.queueUrl);

/** EventBridge tick: page through the Targets table and fan the targets out to the probe queue. */
export async function handler(event: Pick<ScheduledEvent, 'time' | 'id'>): Promise<DispatchReport> {
  const tick = event.time ?? new Date().toISOString();
  const report = await dispatch(source, queue, { ...config, maxMessageBytes: 200_000 }, tick);
  jsonLog('info', 'tick dispatched', { ...report, eventId: event.id });
  return report;
}
