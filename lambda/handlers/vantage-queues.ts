/** The probe queues of every vantage point, for the handlers that send probe messages (the dispatcher's ticks, discovery's re-probes), and their one log line for a queue that refused. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsProbeQueue } from '../adapters/aws/sqs-probe-queue';
import type { createLogger } from '../adapters/aws/powertools';
import type { VantageQueueConfig } from '../contracts/vantage-env';
import type { ProbeQueue } from '../monitor/dependencies';
import type { VantageFailure, VantageQueue } from '../monitor/dispatch';

/**
 * Several regions: `home` (the function's own probe queue, serving `vantages.home`) and one queue per
 * other vantage point, each through an SQS client of that region (an SQS request is signed for the
 * queue's own region). Built once at cold start and reused by every invocation. Undefined with one
 * vantage point: the caller sends to `home` alone, as before there were regions.
 */
export function sqsVantageQueues(home: ProbeQueue, vantages: VantageQueueConfig | undefined): VantageQueue[] | undefined {
  if (vantages === undefined) return undefined;
  return [
    { vantage: vantages.home, queue: home },
    ...vantages.others.map(({ vantage, queueUrl }) => ({ vantage, queue: new SqsProbeQueue(new SQSClient({ region: vantage }), queueUrl) })),
  ];
}

/**
 * One warning per vantage point whose queue refused the messages (VantageFanOut went on with the
 * others): the words the refusal alarm's description and docs/operations.md tell operators to look for.
 */
export function logVantageFailures(logger: Pick<ReturnType<typeof createLogger>, 'warn'>, failures: readonly VantageFailure[] | undefined): void {
  for (const failure of failures ?? []) {
    logger.warn('vantage point missed the tick: its probe queue refused the messages (the other vantage points got them)', { ...failure });
  }
}
