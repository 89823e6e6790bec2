import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import type { TargetSource } from '../../monitor/dependencies';

/** Reads the user's Targets table page by page (each page at most 1 MB), one scan segment at a time. */
export class DynamoDbTargetSource implements TargetSource {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async *scan(segment: number, totalSegments: number): AsyncIterable<readonly Record<string, unknown>[]> {
    let startKey: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          ExclusiveStartKey: startKey,
          ...(totalSegments > 1 ? { Segment: segment, TotalSegments: totalSegments } : {}),
        }),
      );
      yield (out.Items ?? []).map(toPlain);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }
}

/** DynamoDB sets unmarshall to JS Sets, which JSON drops silently; messages need plain arrays. */
export function toPlain(value: Record<string, NativeAttributeValue>): Record<string, unknown> {
  const convert = (v: unknown): unknown => {
    if (v instanceof Set) return [...v].map(convert);
    if (Array.isArray(v)) return v.map(convert);
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
    return v;
  };
  return convert(value) as Record<string, unknown>;
}
