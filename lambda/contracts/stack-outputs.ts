/**
 * What the CLI may rely on in a deployed portwatch stack: its default name and its output keys.
 * Dependency-free on purpose, so `lib/cli` can import it without loading aws-cdk-lib.
 * Renaming any value here breaks `portwatch targets|status|history` against existing deployments.
 */

/** Stack name used by `bin/portwatch-app.ts` (CloudFormation stack name and construct id). */
export const DEFAULT_STACK_NAME = 'Portwatch';

/** CloudFormation output keys (OutputKey) of the stack. */
export const OUTPUT_KEYS = {
  targetsTableName: 'TargetsTableName',
  stateTableName: 'StateTableName',
  alertTopicArn: 'AlertTopicArn',
  opsTopicArn: 'OpsTopicArn',
  probeQueueUrl: 'ProbeQueueUrl',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  dispatchFailureQueueUrl: 'DispatchFailureQueueUrl',
  dashboardUrl: 'DashboardUrl',
} as const;

/** Output keys present only with an option (the chat topic with `-c chatTopic=true`). */
export const OPTIONAL_OUTPUT_KEYS = {
  chatTopicArn: 'ChatTopicArn',
} as const;

export type OutputKey = (typeof OUTPUT_KEYS)[keyof typeof OUTPUT_KEYS];
