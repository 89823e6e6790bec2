import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { OutputKey } from '../../contracts/stack-outputs';

/** The stack is missing, or lacks an output the CLI needs. */
export class StackOutputError extends Error {
  override readonly name = 'StackOutputError';
}

/** The outputs of one deployed CloudFormation stack, by OutputKey. */
export interface StackOutputs {
  readonly stackName: string;
  readonly values: ReadonlyMap<string, string>;
  /** The value of `key` (one of the stack's OUTPUT_KEYS); throws a StackOutputError naming the stack and the key when it is absent. */
  require(key: OutputKey): string;
}

export async function readStackOutputs(client: Pick<CloudFormationClient, 'send'>, stackName: string): Promise<StackOutputs> {
  let stack;
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    stack = out.Stacks?.[0];
  } catch (err) {
    // CloudFormation reports a missing stack as a generic ValidationError.
    if ((err as { name?: string }).name === 'ValidationError' && /does not exist/i.test((err as Error).message)) {
      throw new StackOutputError(`stack ${JSON.stringify(stackName)} does not exist in this account and region (check --stack and --region)`);
    }
    throw err;
  }
  if (!stack) throw new StackOutputError(`stack ${JSON.stringify(stackName)} does not exist in this account and region (check --stack and --region)`);
  const values = new Map<string, string>();
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) values.set(output.OutputKey, output.OutputValue);
  }
  return {
    stackName,
    values,
    require(key: OutputKey): string {
      const value = values.get(key);
      if (value === undefined || value === '') {
        const status = stack.StackStatus ? ` (status ${stack.StackStatus})` : '';
        throw new StackOutputError(`stack ${JSON.stringify(stackName)}${status} has no output ${key}; is it a portwatch stack, fully deployed?`);
      }
      return value;
    },
  };
}
