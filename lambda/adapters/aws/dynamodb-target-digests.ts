import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TARGETS_TABLE } from '../../contracts/tables';
import { DIGEST_ATTRIBUTE } from '../../monitor/digest-field';
import type { StateDigest } from '../../monitor/model';
import type { DigestStore } from '../../monitor/dependencies';

/**
 * Digests live on the user's Targets items, under one attribute the prober alone writes. Each write
 * is an UpdateItem on that attribute only (the user's attributes are never rewritten) and requires
 * the item to exist, so a target removed mid-tick stays removed.
 */
export class DynamoDbTargetDigests implements DigestStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  /** Over an older version, or over the same version (its tombstone, or a digest taken under other settings). */
  record(target: string, digest: StateDigest): Promise<boolean> {
    return this.update(target, { ...digest }, '<=', digest.v);
  }

  async invalidate(target: string, version: number): Promise<void> {
    // Refused only when the item is gone or already holds this version or newer: either way no older digest can land.
    await this.update(target, { v: version }, '<', version);
  }

  private async update(target: string, value: Record<string, unknown>, order: '<' | '<=', version: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TARGETS_TABLE.partitionKey]: target },
          UpdateExpression: 'SET #d = :d',
          // A hand-edited digest without a numeric version is replaced, not left to block every write.
          ConditionExpression: `attribute_exists(#t) AND (attribute_not_exists(#d.#v) OR NOT attribute_type(#d.#v, :n) OR #d.#v ${order} :v)`,
          ExpressionAttributeNames: { '#t': TARGETS_TABLE.partitionKey, '#d': DIGEST_ATTRIBUTE, '#v': 'v' },
          ExpressionAttributeValues: { ':d': value, ':v': version, ':n': 'N' },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
