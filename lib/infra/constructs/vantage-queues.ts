/** Several vantage points as a function that sends probe messages sees them (the dispatcher, the re-probe): the other regions' queues, their grant and their environment. */
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { VantageQueueConfig } from '../../../lambda/contracts/vantage-env';

/** The home region's vantage name (the stack's probe queue serves it) and the probe queue of every other region (VantageDispatch.queues). */
export interface VantageQueues {
  readonly home: string;
  readonly queues: readonly { readonly vantage: string; readonly queue: sqs.IQueue }[];
}

/** The other regions' queues as the function's environment contract takes them (contracts/vantage-env.ts); undefined with one vantage point. */
export function vantageQueueConfig(vantages: VantageQueues | undefined): VantageQueueConfig | undefined {
  return vantages && { home: vantages.home, others: vantages.queues.map(({ vantage, queue }) => ({ vantage, queueUrl: queue.queueUrl })) };
}

/** sqs:SendMessage (what SendMessageBatch is authorised as) on each other region's queue, by its ARN only. */
export function grantVantageSends(vantages: VantageQueues | undefined, grantee: iam.IGrantable): void {
  for (const { queue } of vantages?.queues ?? []) queue.grant(grantee, 'sqs:SendMessage');
}
