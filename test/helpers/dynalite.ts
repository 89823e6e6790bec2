import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTables, startEmbeddedDynamoDb, type EmbeddedDynamoDb, type TableNames } from '../../lambda/adapters/local/embedded-dynamodb';

let counter = 0;

/** Fresh, uniquely named tables on a shared in-memory dynalite: tests never see each other's items. */
export async function freshTables(db: EmbeddedDynamoDb): Promise<TableNames> {
  counter++;
  const names = { targets: `targets-${process.pid}-${counter}`, state: `state-${process.pid}-${counter}` };
  await ensureTables(db.client, names);
  return names;
}

export { startEmbeddedDynamoDb };

/** The DynamoDB commands that write (SDK command names), transactions included. */
export const WRITE_COMMANDS = ['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand'] as const;

export interface RequestCounter {
  readonly counts: Map<string, number>;
  reset(): void;
  writes(): number;
  /** The counts so far, sorted by command name for printing. */
  snapshot(): Record<string, number>;
}

/** Counts the DynamoDB operations a client sends, by command name (PutItemCommand, BatchGetItemCommand...). */
export function countRequests(client: DynamoDBClient): RequestCounter {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: `countRequests${Math.random()}` },
  );
  return {
    counts,
    reset: () => counts.clear(),
    writes: () => WRITE_COMMANDS.reduce((sum, c) => sum + (counts.get(c) ?? 0), 0),
    snapshot: () => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
  };
}
