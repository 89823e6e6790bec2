import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { STATE_TABLE, TARGETS_TABLE } from '../../contracts/tables';

/**
 * The embedded DynamoDB (dynalite) that `portwatch local` and the tests run on: the same adapters,
 * the same conditional writes, state kept on disk under a directory or in memory.
 */
export interface EmbeddedDynamoDb {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface TableNames {
  readonly targets: string;
  readonly state: string;
}

export const LOCAL_TABLES: TableNames = { targets: 'portwatch-targets', state: 'portwatch-state' };

interface DynaliteServer {
  listen(port: number, host: string, cb: (err?: Error) => void): void;
  address(): AddressInfo;
  close(cb: (err?: Error) => void): void;
}

/**
 * The LevelDB under a state directory cannot be opened: a file is truncated or missing (Corruption),
 * or unreadable. dynalite itself would only answer every request with "Database is closed".
 */
export class DamagedDatabaseError extends Error {
  override readonly name = 'DamagedDatabaseError';
  constructor(
    readonly path: string,
    /** LevelDB's own words, e.g. `Corruption: CURRENT file does not end with newline`. */
    readonly detail: string,
  ) {
    super(`the database in ${path} cannot be opened (${detail})`);
  }
}

/** Another process holds LevelDB's own LOCK on the directory. */
export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
}

interface LevelDb {
  open(options?: { createIfMissing?: boolean }): Promise<void>;
  close(): Promise<void>;
}

interface LevelClass {
  new (location: string): LevelDb;
  repair(location: string): Promise<void>;
}

/**
 * The LevelDB binding dynalite opens (classic-level, through dynalite's own `level` dependency), so
 * the check below opens the files exactly as dynalite will, whatever version it brings.
 */
function levelClass(): LevelClass {
  const level = require(require.resolve('level', { paths: [dirname(require.resolve('dynalite'))] })) as { Level: LevelClass };
  return level.Level;
}

/** Files LevelDB writes before it holds any data (and the lock); a directory with only these is new. */
const BOOKKEEPING_FILES = new Set(['LOCK', 'LOG', 'LOG.old']);

/**
 * Opens and closes the LevelDB at `path` before dynalite does. dynalite opens it lazily and, when that
 * fails, throws "Database is closed" from inside its HTTP handler, which kills the process; here the
 * failure is an error with LevelDB's reason. A directory that already holds data files but lost its
 * CURRENT file is refused rather than opened with createIfMissing: LevelDB would start an empty
 * database there and delete the old files as obsolete.
 */
export async function checkDatabase(path: string): Promise<void> {
  const entries = await readdir(path).catch(() => [] as string[]);
  const fresh = entries.every((name) => BOOKKEEPING_FILES.has(name));
  const db = new (levelClass())(path);
  try {
    await db.open({ createIfMissing: fresh });
  } catch (err) {
    const detail = String((err as { cause?: Error }).cause?.message ?? (err as Error).message);
    if (/\block\b/i.test(detail) && /temporarily unavailable|already held/i.test(detail)) {
      throw new DatabaseLockedError(`${path} is open in another process (${detail})`);
    }
    throw new DamagedDatabaseError(path, detail);
  }
  await db.close();
}

/**
 * LevelDB's RepairDB: rebuilds the MANIFEST and CURRENT from the table and log files that survive.
 * Records in a torn log are lost; the rest is kept.
 */
export async function repairDatabase(path: string): Promise<void> {
  await levelClass().repair(path);
}

export async function startEmbeddedDynamoDb(options: { path?: string } = {}): Promise<EmbeddedDynamoDb> {
  if (options.path) await checkDatabase(options.path);
  // dynalite has no types; its factory returns an http.Server.
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => DynaliteServer;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    // dynalite accepts any credentials; the SDK insists on having some.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  return {
    client,
    endpoint,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/**
 * Creates the two tables with the deployed key schema (contracts/tables.ts); tables that already exist
 * are kept. No TTL: dynalite has no UpdateTimeToLive, so local history stays until the state dir goes.
 */
export async function ensureTables(client: DynamoDBClient, names: TableNames = LOCAL_TABLES): Promise<void> {
  const specs = [
    { TableName: names.targets, keys: [{ AttributeName: TARGETS_TABLE.partitionKey, KeyType: 'HASH' as const }] },
    {
      TableName: names.state,
      keys: [
        { AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: STATE_TABLE.sortKey, KeyType: 'RANGE' as const },
      ],
    },
  ];
  for (const spec of specs) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: spec.TableName,
          KeySchema: spec.keys,
          AttributeDefinitions: spec.keys.map((k) => ({ AttributeName: k.AttributeName, AttributeType: 'S' })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    await client.send(new DescribeTableCommand({ TableName: spec.TableName }));
  }
}
