import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_EVENT_RETENTION_DAYS, STATE_TABLE } from '../../contracts/tables';
import type { StateStore, VantageStore } from '../../monitor/dependencies';
import type { Heartbeat, ScannerState, TargetEvent, TargetState, VantageView } from '../../monitor/model';

/**
 * Layout of the State table (key attributes and TTL attribute: contracts/tables.ts; values below):
 * - `T#<target>` / `STATE`: the current-state item, replaced whole under a version condition;
 * - `T#<target>` / `E#<version, zero-padded>`: one history event, expiring through the TTL attribute;
 * - `T#<target>` / `V#<vantage>`: one vantage point's view of the target (several vantage points only),
 *   replaced whole under its own version condition;
 * - `VANTAGE` / `<vantage>`: that vantage point's heartbeat (`at`, `previous`), only ever moved forward.
 * Plain PutItem with a condition is the only write, so the same code runs on DynamoDB and dynalite
 * (which has no transactions). This adapter alone reads and writes the table, so the key values stay here.
 */
const { partitionKey: PK, sortKey: SK, timeToLiveAttribute: TTL } = STATE_TABLE;
/** Placeholders for the key attributes in expressions, so that their names are written once. */
const KEY_NAMES = { '#pk': PK, '#sk': SK };
export const STATE_SK = 'STATE';
const EVENT_PREFIX = 'E#';
/** Target keys all start with `T#`, so the scanner's own item can never collide with one. */
const TARGET_PREFIX = 'T#';
const SCANNER_PK = 'SCANNER';
const VIEW_PREFIX = 'V#';
/** Not `T#`: heartbeats are never listed as targets. */
const HEARTBEAT_PK = 'VANTAGE';
const BATCH_GET_LIMIT = 100;
const MAX_UNPROCESSED_RETRIES = 8;

export function statePk(target: string): string {
  return `${TARGET_PREFIX}${target}`;
}

function eventSk(version: number): string {
  return `${EVENT_PREFIX}${String(version).padStart(12, '0')}`;
}

function key(pk: string, sk: string): Record<string, string> {
  return { [PK]: pk, [SK]: sk };
}

export interface DynamoDbStateStoreOptions {
  readonly tableName: string;
  /** History events expire after this many days. @default DEFAULT_EVENT_RETENTION_DAYS (90) */
  readonly eventRetentionDays?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class DynamoDbStateStore implements StateStore, VantageStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly retentionSeconds: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    client: DynamoDBClient,
    private readonly options: DynamoDbStateStoreOptions,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.retentionSeconds = (options.eventRetentionDays ?? DEFAULT_EVENT_RETENTION_DAYS) * 86_400;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async getStates(targets: readonly string[]): Promise<Map<string, TargetState>> {
    const result = new Map<string, TargetState>();
    for (const item of await this.batchGet(targets.map((t) => key(statePk(t), STATE_SK)))) {
      const state = fromStateItem(item);
      result.set(state.target, state);
    }
    return result;
  }

  async getViews(targets: readonly string[], vantages: readonly string[], consistent = false): Promise<Map<string, Map<string, VantageView>>> {
    const result = new Map<string, Map<string, VantageView>>();
    const keys = targets.flatMap((t) => vantages.map((v) => key(statePk(t), `${VIEW_PREFIX}${v}`)));
    for (const item of await this.batchGet(keys, consistent)) {
      const view = withoutKey(item) as VantageView;
      const views = result.get(view.target) ?? new Map<string, VantageView>();
      views.set(view.vantage, view);
      result.set(view.target, views);
    }
    return result;
  }

  putView(view: VantageView, expectedVersion: number | null): Promise<boolean> {
    return this.conditionalPut({ ...key(statePk(view.target), `${VIEW_PREFIX}${view.vantage}`), ...view }, expectedVersion);
  }

  /** A BatchGetItem of the named heartbeats, not a Query: the prober's grant on the table has no Query. */
  async getHeartbeats(vantages: readonly string[]): Promise<Map<string, Heartbeat>> {
    const beats = new Map<string, Heartbeat>();
    for (const item of await this.batchGet(vantages.map((v) => key(HEARTBEAT_PK, v)))) {
      if (typeof item[SK] === 'string' && typeof item.at === 'string') beats.set(item[SK], { at: item.at, previous: typeof item.previous === 'string' ? item.previous : null });
    }
    return beats;
  }

  async putHeartbeat(vantage: string, heartbeat: Heartbeat): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...key(HEARTBEAT_PK, vantage), ...heartbeat },
          // ISO times in UTC compare as strings: a heartbeat only moves forward, so two probers of one region write it once.
          ConditionExpression: 'attribute_not_exists(#pk) OR #at < :at',
          ExpressionAttributeNames: { '#pk': PK, '#at': 'at' },
          ExpressionAttributeValues: { ':at': heartbeat.at },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** BatchGetItem in pages of 100 keys, retrying unprocessed keys with a capped backoff. */
  private async batchGet(all: readonly Record<string, NativeAttributeValue>[], consistent = false): Promise<Record<string, NativeAttributeValue>[]> {
    const items: Record<string, NativeAttributeValue>[] = [];
    for (let i = 0; i < all.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, NativeAttributeValue>[] = all.slice(i, i + BATCH_GET_LIMIT);
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > MAX_UNPROCESSED_RETRIES) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed after ${MAX_UNPROCESSED_RETRIES} retries`);
        if (attempt > 0) await this.sleep(Math.min(1000, 25 * 2 ** attempt));
        const out = await this.doc.send(
          // Eventually consistent: half the read cost of the biggest recurring bill. A stale answer is
          // safe: every write is conditional on the version read, and a lost race re-reads strongly
          // (getState). At worst a change made by another prober a moment ago is seen one tick later.
          // (`consistent`: a view read right after this prober stored its own, see vantage-look.ts.)
          new BatchGetCommand({ RequestItems: { [this.options.tableName]: { Keys: keys, ...(consistent ? { ConsistentRead: true } : {}) } } }),
        );
        items.push(...(out.Responses?.[this.options.tableName] ?? []));
        keys = (out.UnprocessedKeys?.[this.options.tableName]?.Keys ?? []) as Record<string, NativeAttributeValue>[];
      }
    }
    return items;
  }

  async getState(target: string): Promise<TargetState | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.options.tableName, Key: key(statePk(target), STATE_SK), ConsistentRead: true }),
    );
    return out.Item ? fromStateItem(out.Item) : null;
  }

  async getScanner(): Promise<ScannerState | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: key(SCANNER_PK, STATE_SK), ConsistentRead: true }));
    return out.Item ? (withoutKey(out.Item) as ScannerState) : null;
  }

  putScanner(state: ScannerState, expectedVersion: number | null): Promise<boolean> {
    return this.conditionalPut({ ...key(SCANNER_PK, STATE_SK), ...state }, expectedVersion);
  }

  putState(state: TargetState, expectedVersion: number | null): Promise<boolean> {
    return this.conditionalPut({ ...key(statePk(state.target), STATE_SK), ...state }, expectedVersion);
  }

  private async conditionalPut(item: Record<string, NativeAttributeValue>, expectedVersion: number | null): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: item,
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
            : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async putEvent(event: TargetEvent): Promise<void> {
    const expiresAt = Math.floor(Date.parse(event.at) / 1000) + this.retentionSeconds;
    await this.doc.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...key(statePk(event.target), eventSk(event.version)), ...event, [TTL]: expiresAt },
      }),
    );
  }

  async *listStates(): AsyncIterable<TargetState> {
    let startKey: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await this.doc.send(
        new ScanCommand({
          TableName: this.options.tableName,
          // The scanner item (`mute --all` windows, the storm gate) shares the `STATE` sort key; it is
          // not a target, so only `T#` partitions are listed.
          FilterExpression: '#sk = :state AND begins_with(#pk, :target)',
          ExpressionAttributeNames: KEY_NAMES,
          ExpressionAttributeValues: { ':state': STATE_SK, ':target': TARGET_PREFIX },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) yield fromStateItem(item);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  async history(target: string, limit = 50): Promise<TargetEvent[]> {
    const events: TargetEvent[] = [];
    let startKey: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: KEY_NAMES,
          ExpressionAttributeValues: { ':pk': statePk(target), ':prefix': EVENT_PREFIX },
          ScanIndexForward: false,
          Limit: limit - events.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) events.push(fromEventItem(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey && events.length < limit);
    return events;
  }
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** An item without its key attributes: the record the core stored. */
function withoutKey(item: Record<string, NativeAttributeValue>): Record<string, NativeAttributeValue> {
  const { [PK]: _pk, [SK]: _sk, ...record } = item;
  return record;
}

function fromStateItem(item: Record<string, NativeAttributeValue>): TargetState {
  return withoutKey(item) as TargetState;
}

function fromEventItem(item: Record<string, NativeAttributeValue>): TargetEvent {
  const { [TTL]: _ttl, ...event } = withoutKey(item);
  return event as TargetEvent;
}
