/**
 * The Targets table for discovery: every item, and conditional writes that make "user targets are
 * never changed" a property of the table, not of the caller: a new item only where there is none, an
 * update or a disable only of an item that carries `origin` (the discovered mark).
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import type { DiscoveredTargetStore } from '../../discovery/endpoint';
import { TARGETS_TABLE } from '../../contracts/tables';
import { DynamoDbTargetSource } from './dynamodb-target-source';

const KEY = TARGETS_TABLE.partitionKey;

async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

export class DynamoDbDiscoveredTargets implements DiscoveredTargetStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly source: DynamoDbTargetSource;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.source = new DynamoDbTargetSource(client, tableName);
  }

  async listAll(): Promise<readonly Record<string, unknown>[]> {
    const all: Record<string, unknown>[] = [];
    for await (const page of this.source.scan(0, 1)) all.push(...page);
    return all;
  }

  add(item: Readonly<Record<string, unknown>>): Promise<boolean> {
    return conditional(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item as Record<string, NativeAttributeValue>,
          ConditionExpression: 'attribute_not_exists(#k)',
          ExpressionAttributeNames: { '#k': KEY },
        }),
      ),
    );
  }

  update(item: Readonly<Record<string, unknown>>, reenable: boolean): Promise<boolean> {
    const names: Record<string, string> = { '#origin': 'origin', '#labels': 'labels', '#description': 'description', '#expect': 'expect' };
    const values: Record<string, NativeAttributeValue> = { ':origin': item.origin, ':labels': item.labels, ':description': item.description };
    const set = ['#origin = :origin', '#labels = :labels', '#description = :description'];
    const remove: string[] = [];
    if (item.expect !== undefined) {
      set.push('#expect = :expect');
      values[':expect'] = item.expect;
    } else remove.push('#expect');
    if (reenable) {
      Object.assign(names, { '#enabled': 'enabled', '#reason': 'disabledReason', '#at': 'disabledAt' });
      set.push('#enabled = :true');
      values[':true'] = true;
      remove.push('#reason', '#at');
    }
    return conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [KEY]: item[KEY] },
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(#origin)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  disable(target: string, reason: string, at: string): Promise<boolean> {
    return conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [KEY]: target },
          UpdateExpression: 'SET #enabled = :false, #reason = :reason, #at = :at',
          ConditionExpression: 'attribute_exists(#origin)',
          ExpressionAttributeNames: { '#enabled': 'enabled', '#reason': 'disabledReason', '#at': 'disabledAt', '#origin': 'origin' },
          ExpressionAttributeValues: { ':false': false, ':reason': reason, ':at': at },
        }),
      ),
    );
  }
}
