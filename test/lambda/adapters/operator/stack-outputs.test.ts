import type { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { readStackOutputs, StackOutputError } from '../../../../lambda/adapters/operator/stack-outputs';

/* CloudFormation cannot run here: the client is a stand-in answering DescribeStacks. */

function client(answer: () => unknown): { send: (c: DescribeStacksCommand) => Promise<never>; sent: string[] } {
  const sent: string[] = [];
  return { sent, send: async (c) => (sent.push(c.input.StackName ?? ''), answer()) as never };
}

describe('readStackOutputs', () => {
  it('reads the outputs by OutputKey', async () => {
    const cfn = client(() => ({ Stacks: [{ StackStatus: 'UPDATE_COMPLETE', Outputs: [{ OutputKey: 'TargetsTableName', OutputValue: 'T' }, { OutputKey: 'StateTableName', OutputValue: 'S' }] }] }));
    const outputs = await readStackOutputs(cfn, 'Portwatch');
    expect(cfn.sent).toEqual(['Portwatch']);
    expect(outputs.require('TargetsTableName')).toBe('T');
    expect(outputs.require('StateTableName')).toBe('S');
    expect(() => outputs.require('AlertTopicArn')).toThrow('stack "Portwatch" (status UPDATE_COMPLETE) has no output AlertTopicArn');
  });

  it('names the stack when it does not exist', async () => {
    const missing = client(() => {
      throw Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' });
    });
    await expect(readStackOutputs(missing, 'Nope')).rejects.toThrow(StackOutputError);
    await expect(readStackOutputs(missing, 'Nope')).rejects.toThrow('stack "Nope" does not exist in this account and region');
  });

  it('lets other failures (credentials, throttling) through unchanged', async () => {
    const denied = client(() => {
      throw Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' });
    });
    await expect(readStackOutputs(denied, 'Portwatch')).rejects.toThrow('not authorized');
  });
});
