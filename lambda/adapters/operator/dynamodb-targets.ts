import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { TARGETS_TABLE } from '../../contracts/tables';
import { withoutDigest } from '../../monitor/digest-field';
import { toPlain } from '../aws/dynamodb-target-source';

const { partitionKey: KEY } = TARGETS_TABLE;

/** BatchWriteItem takes at most 25 requests. */
export const BATCH_WRITE_LIMIT = 25;
/**
 * Retries of the unprocessed part of one batch. DynamoDB returns UnprocessedItems when a partition is
 * throttled; with backoff doubling from 50 ms to a 2 s cap, 10 retries wait about 10 s in all, which
 * rides out a burst on an on-demand table without hiding a table that refuses every write.
 */
const MAX_UNPROCESSED_RETRIES = 10;
/** Batches in flight at once: enough to import thousands of targets in seconds, gentle on a new table. */
const DEFAULT_CONCURRENCY = 4;

export interface DynamoDbTargetsOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  /** Batches written at once by batchPut/batchDelete. @default 4 */
  readonly concurrency?: number;
}

/** Reported after each batch; `done` counts requests DynamoDB has accepted. */
export type BatchProgress = (done: number, total: number) => void;

export class UnprocessedItemsError extends Error {
  override readonly name = 'UnprocessedItemsError';
}

/**
 * The user's Targets table, for the operator CLI: put, delete, list and bulk writes. The dispatcher
 * reads this table (DynamoDbTargetSource); the prober writes only the `digest` attribute of its items
 * (DynamoDbTargetDigests), which the writes here never carry. Items are plain JS values, validated by
 * the caller.
 */
export class DynamoDbTargets {
  private readonly doc: DynamoDBDocumentClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly concurrency: number;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
    options: DynamoDbTargetsOptions = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /** Creates or replaces one item (never with a digest: see withoutDigest); resolves to the item it replaced, or null. */
  async put(item: Readonly<Record<string, unknown>>): Promise<Record<string, unknown> | null> {
    const out = await this.doc.send(new PutCommand({ TableName: this.tableName, Item: withoutDigest(item) as Record<string, NativeAttributeValue>, ReturnValues: 'ALL_OLD' }));
    return out.Attributes ? toPlain(out.Attributes) : null;
  }

  async get(target: string): Promise<Record<string, unknown> | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [KEY]: target }, ConsistentRead: true }));
    return out.Item ? toPlain(out.Item) : null;
  }

  /** Deletes one item; resolves to the item deleted, or null when there was none. */
  async delete(target: string): Promise<Record<string, unknown> | null> {
    const out = await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { [KEY]: target }, ReturnValues: 'ALL_OLD' }));
    return out.Attributes ? toPlain(out.Attributes) : null;
  }

  /** Every item, one page (at most 1 MB) at a time. */
  async *list(): AsyncIterable<Record<string, unknown>[]> {
    let startKey: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await this.doc.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
      yield (out.Items ?? []).map(toPlain);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  async listAll(): Promise<Record<string, unknown>[]> {
    const all: Record<string, unknown>[] = [];
    for await (const page of this.list()) all.push(...page);
    return all;
  }

  /**
   * Puts many items with BatchWriteItem, 25 per request, retrying UnprocessedItems with backoff.
   * A key given twice keeps its last item: DynamoDB refuses a batch that names one key twice.
   */
  async batchPut(items: readonly Readonly<Record<string, unknown>>[], onProgress?: BatchProgress): Promise<number> {
    const byKey = new Map<unknown, Readonly<Record<string, unknown>>>();
    for (const item of items) byKey.set(item[KEY], item);
    const requests = [...byKey.values()].map((item) => ({ PutRequest: { Item: withoutDigest(item) as Record<string, NativeAttributeValue> } }));
    await this.batchWrite(requests, onProgress);
    return requests.length;
  }

  /** Deletes many items by key, 25 per request, with the same retries as batchPut. */
  async batchDelete(targets: readonly string[], onProgress?: BatchProgress): Promise<number> {
    const requests = [...new Set(targets)].map((target) => ({ DeleteRequest: { Key: { [KEY]: target } } }));
    await this.batchWrite(requests, onProgress);
    return requests.length;
  }

  private async batchWrite(requests: readonly WriteRequest[], onProgress?: BatchProgress): Promise<void> {
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) chunks.push(requests.slice(i, i + BATCH_WRITE_LIMIT));
    let done = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const chunk = chunks[next++] as WriteRequest[];
        await this.writeChunk(chunk);
        done += chunk.length;
        onProgress?.(done, requests.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, chunks.length) }, worker));
  }

  private async writeChunk(chunk: readonly WriteRequest[]): Promise<void> {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > MAX_UNPROCESSED_RETRIES) {
        throw new UnprocessedItemsError(
          `BatchWriteItem on ${this.tableName} left ${pending.length} items unprocessed after ${MAX_UNPROCESSED_RETRIES} retries (table throttled?)`,
        );
      }
      // Exponential backoff with full jitter, as the DynamoDB documentation recommends for UnprocessedItems.
      if (attempt > 0) await this.sleep(Math.random() * Math.min(2000, 50 * 2 ** attempt));
      const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: [...pending] } }));
      pending = (out.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
    }
  }
}

type WriteRequest =
  | { PutRequest: { Item: Record<string, NativeAttributeValue> } }
  | { DeleteRequest: { Key: Record<string, NativeAttributeValue> } };
