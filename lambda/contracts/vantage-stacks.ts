/**
 * How the stacks of a multi-region deployment find each other without a reference between them: the
 * prober stack of a region, and its probe queue, are named from the home stack's name and the region.
 * The home stack's dispatcher sends to the queue by this name and the prober stack creates the queue
 * under it; both import these two functions, so the name is written once and neither stack refers to
 * the other (the dispatcher's grant needs no value the regional stack exports: no cycle, and the home
 * stack deploys first).
 */

/** SQS queue names: 1-80 letters, digits, dashes and underscores. */
const QUEUE_NAME_MAX = 80;

/** The CloudFormation stack (and construct id) of the prober in `region`: `Portwatch-prober-us-east-1`. */
export function proberStackName(homeStackName: string, region: string): string {
  return `${homeStackName}-prober-${region}`;
}

/**
 * The probe queue of the prober in `region`: `Portwatch-probe-us-east-1`. A stack name may be 128
 * characters and a queue name only 80, so a long stack name is cut; the region, which tells the
 * queues apart, is always kept whole.
 */
export function vantageQueueName(homeStackName: string, region: string): string {
  const suffix = `-probe-${region}`;
  return `${homeStackName.slice(0, QUEUE_NAME_MAX - suffix.length)}${suffix}`;
}
