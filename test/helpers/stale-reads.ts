/** Eventually consistent reads for tests: a DynamoDB client whose reads without ConsistentRead may return an item's previous version. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STATE_TABLE, TARGETS_TABLE } from '../../lambda/contracts/tables';
import type { FaultPlan } from './faults';

/*
 * What real DynamoDB may do and dynalite never does: a GetItem, BatchGetItem, Query or Scan without
 * `ConsistentRead` can be answered by a replica that has not yet seen the latest writes, so it
 * returns a version of an item that was replaced a moment ago (or no item, when the item is new).
 * Every write through an attached client is made to return the item it replaced (ReturnValues
 * ALL_OLD, stripped from the answer again), so the injector knows each item's recent versions; a
 * read without ConsistentRead is then, now and then, answered with one of the versions replaced
 * within `windowMs` of the scenario's clock. Strongly consistent reads are never touched: the
 * guarantee under test is that the code asks for them where it must.
 */

/** An item as the middleware sees it: plain values when it came through the document client, AttributeValues otherwise. */
type Item = Record<string, unknown>;

/** A key attribute's string, in either form. */
function keyString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
}

interface Replaced {
  /** The version that was replaced; null: the item did not exist before that write. */
  readonly item: Item | null;
  readonly replacedAtMs: number;
}

/** What the injector reads per scenario: the plan (its seed, whether faults are on), the clock, the rate and the window. */
export interface StaleReadSettings {
  readonly plan: FaultPlan;
  readonly nowMs: () => number;
  /** Share of reads, of items with a recent earlier version, answered with that version. */
  readonly rate: number;
  /** How long after it was replaced a version may still be served. */
  readonly windowMs: number;
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

function itemKey(table: string, item: Item | undefined): string {
  if (item === undefined) return `${table}|?`;
  const pk = keyString(item[STATE_TABLE.partitionKey]);
  if (pk !== undefined) return `${table}|${pk}|${keyString(item[STATE_TABLE.sortKey]) ?? ''}`;
  return `${table}|${keyString(item[TARGETS_TABLE.partitionKey]) ?? '?'}`;
}

export class StaleReads {
  /** Off until a scenario sets its settings. */
  settings: StaleReadSettings | null = null;
  private readonly versions = new Map<string, Replaced[]>();

  /** Forgets every recorded version (between scenarios, so a long campaign does not accumulate them). */
  reset(settings: StaleReadSettings | null): void {
    this.versions.clear();
    this.settings = settings;
  }

  /** Records writes and serves stale reads through `client`. Every client writing the tables must be attached. */
  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? '';
        const input = args.input as Record<string, unknown>;
        const settings = this.settings;
        if (settings === null) return next(args);
        if (WRITES.has(name)) {
          const table = String(input.TableName);
          const key = itemKey(table, (input.Item ?? input.Key) as Item | undefined);
          const askedOld = input.ReturnValues === undefined || input.ReturnValues === 'NONE';
          const result = await next(askedOld ? { ...args, input: { ...input, ReturnValues: 'ALL_OLD' } } : args);
          const output = result.output as { Attributes?: Item };
          this.record(key, output.Attributes ?? null, settings.nowMs());
          if (askedOld) delete output.Attributes;
          return result;
        }
        const result = await next(args);
        const output = result.output as unknown as Record<string, unknown>;
        if (name === 'GetItemCommand' && input.ConsistentRead !== true && output.Item !== undefined) {
          const served = this.serve(String(input.TableName), output.Item as Item, settings);
          if (served === null) delete output.Item;
          else output.Item = served;
        }
        if ((name === 'QueryCommand' || name === 'ScanCommand') && input.ConsistentRead !== true && Array.isArray(output.Items)) {
          output.Items = this.serveAll(String(input.TableName), output.Items as Item[], settings);
        }
        if (name === 'BatchGetItemCommand') {
          const requests = input.RequestItems as Record<string, { ConsistentRead?: boolean }>;
          const responses = (output.Responses ?? {}) as Record<string, Item[]>;
          for (const [table, items] of Object.entries(responses)) {
            if (requests[table]?.ConsistentRead !== true) responses[table] = this.serveAll(table, items, settings);
          }
        }
        return result;
      },
      // Before the serializer, so that ReturnValues reaches the request.
      { step: 'serialize', priority: 'high', name: 'staleReads' },
    );
  }

  private record(key: string, replaced: Item | null, nowMs: number): void {
    const settings = this.settings;
    if (settings === null) return;
    const kept = (this.versions.get(key) ?? []).filter((v) => v.replacedAtMs >= nowMs - settings.windowMs);
    kept.push({ item: replaced, replacedAtMs: nowMs });
    this.versions.set(key, kept);
  }

  private serveAll(table: string, items: readonly Item[], settings: StaleReadSettings): Item[] {
    const out: Item[] = [];
    for (const item of items) {
      const served = this.serve(table, item, settings);
      if (served !== null) out.push(served);
    }
    return out;
  }

  /** The item, or one of its versions replaced within the window (null: it did not exist yet). */
  private serve(table: string, item: Item, settings: StaleReadSettings): Item | null {
    const recent = (this.versions.get(itemKey(table, item)) ?? []).filter((v) => v.replacedAtMs >= settings.nowMs() - settings.windowMs);
    if (recent.length === 0 || !settings.plan.chance(settings.rate)) return item;
    settings.plan.count('dynamodb', 'stale-read');
    return recent[Math.floor(settings.plan.random() * recent.length)]?.item ?? null;
  }
}
