/**
 * Where the operator commands read and write: a local state directory (the embedded DynamoDB of
 * `portwatch local`) or a deployed stack (table names from its CloudFormation outputs, AWS
 * credentials from the standard chain). Both give the same StateStore and Targets repository.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDbStateStore } from '../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargets } from '../../lambda/adapters/operator/dynamodb-targets';
import { ensureTables, LOCAL_TABLES, startEmbeddedDynamoDb, type EmbeddedDynamoDb, type TableNames } from '../../lambda/adapters/local/embedded-dynamodb';
import { readStackOutputs } from '../../lambda/adapters/operator/stack-outputs';
import type { StateStore } from '../../lambda/monitor/dependencies';
import { OUTPUT_KEYS } from '../../lambda/contracts/stack-outputs';
import { UsageError } from './cli-io';

export const DEFAULT_STATE_DIR = '.portwatch';

export interface BackendOptions {
  readonly state?: string;
  readonly stack?: string;
  readonly region?: string;
}

export interface Backend {
  /** `local state .portwatch/` or `stack Portwatch`: named in messages. */
  readonly where: string;
  readonly store: StateStore;
  readonly targets: DynamoDbTargets;
  close(): Promise<void>;
}

/** Who holds a state directory: `local` serves its database to other commands; `cli` is a short command. */
interface LockInfo {
  readonly pid: number;
  readonly role: 'local' | 'cli';
  readonly endpoint: string | null;
  readonly startedAt: string;
}

const LOCK_FILE = 'lock.json';
const DB_DIR = 'dynamodb';
/** How long a short command waits for another short command to release the directory. */
const LOCK_WAIT_MS = 15_000;

class StateBusyError extends Error {
  override readonly name = 'StateBusyError';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function localClient(endpoint: string): DynamoDBClient {
  // dynalite accepts any credentials; the SDK insists on having some.
  return new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });
}

async function reachable(endpoint: string): Promise<boolean> {
  const client = localClient(endpoint);
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

async function readLock(path: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

/** A state directory opened by this process: the embedded database it runs, or the one `portwatch local` serves. */
interface LocalState {
  readonly dir: string;
  readonly client: DynamoDBClient;
  /** Null when another process (`portwatch local`) serves the database and this one is its client. */
  readonly db: EmbeddedDynamoDb | null;
  close(): Promise<void>;
}

/**
 * Opens the embedded database of a state directory. LevelDB allows one process per directory, so a
 * lock file names the owner: while `portwatch local` runs, other commands talk to the database it
 * serves (its endpoint is in the lock file) instead of opening the directory a second time.
 */
export async function openLocalState(dir: string, role: 'local' | 'cli', options: { create: boolean }): Promise<LocalState> {
  const absolute = resolve(dir);
  if (!existsSync(join(absolute, DB_DIR))) {
    if (!options.create) {
      throw new UsageError(`--state: ${JSON.stringify(dir)} holds no portwatch state (run \`portwatch local\` first, or pass --stack NAME for a deployed stack)`);
    }
    await mkdir(join(absolute, DB_DIR), { recursive: true });
  }
  const lockPath = join(absolute, LOCK_FILE);
  const deadline = Date.now() + LOCK_WAIT_MS;
  // The lock is written whole to a temporary file and linked into place: link() creates it only if
  // it does not exist, so no process ever sees a lock file that is empty or half written.
  const write = async (endpoint: string | null, replace: boolean): Promise<void> => {
    const info: LockInfo = { pid: process.pid, role, endpoint, startedAt: new Date().toISOString() };
    const temp = `${lockPath}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(info));
    try {
      if (replace) await rename(temp, lockPath);
      else await link(temp, lockPath);
    } finally {
      await rm(temp, { force: true });
    }
  };
  for (;;) {
    try {
      await write(null, false);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readLock(lockPath);
      if (holder === null || !isAlive(holder.pid) || (holder.role === 'local' && holder.endpoint !== null && !(await reachable(holder.endpoint)))) {
        // Left behind by a process that was killed: take it over.
        await rm(lockPath, { force: true });
        continue;
      }
      if (holder.role === 'local' && holder.endpoint !== null) {
        if (role === 'local') {
          throw new StateBusyError(`${dir} is already watched by portwatch local (pid ${holder.pid}); stop it or pass another --state`);
        }
        const client = localClient(holder.endpoint);
        return { dir, client, db: null, close: async () => client.destroy() };
      }
      if (Date.now() > deadline) {
        throw new StateBusyError(`${dir} is in use by process ${holder.pid}; if no portwatch runs, delete ${lockPath}`);
      }
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    let db: EmbeddedDynamoDb;
    try {
      db = await startEmbeddedDynamoDb({ path: join(absolute, DB_DIR) });
      await ensureTables(db.client, LOCAL_TABLES);
    } catch (err) {
      await rm(lockPath, { force: true });
      throw err;
    }
    await write(db.endpoint, true);
    let closed = false;
    return {
      dir,
      client: db.client,
      db,
      close: async () => {
        if (closed) return;
        closed = true;
        try {
          await db.close();
        } finally {
          const holder = await readLock(lockPath);
          if (holder?.pid === process.pid) await rm(lockPath, { force: true });
        }
      },
    };
  }
}

/** Refuses `--state` together with `--stack`, naming both. */
function checkBackendOptions(options: BackendOptions): void {
  if (options.state !== undefined && options.stack !== undefined) {
    throw new UsageError('--state and --stack name two different backends; give one of them');
  }
  if (options.region !== undefined && options.stack === undefined) {
    throw new UsageError('--region applies to a deployed stack; give --stack NAME with it');
  }
}

/** Opens the backend the options name; `create` allows making a new local state directory. */
async function openBackend(options: BackendOptions, { create }: { create: boolean }): Promise<Backend> {
  checkBackendOptions(options);
  if (options.stack !== undefined) {
    const region = options.region;
    const cfn = new CloudFormationClient(region ? { region } : {});
    let outputs;
    try {
      outputs = await readStackOutputs(cfn, options.stack);
    } finally {
      cfn.destroy();
    }
    const tables: TableNames = { targets: outputs.require(OUTPUT_KEYS.targetsTableName), state: outputs.require(OUTPUT_KEYS.stateTableName) };
    const client = new DynamoDBClient(region ? { region } : {});
    return {
      where: `stack ${options.stack}`,
      store: new DynamoDbStateStore(client, { tableName: tables.state }),
      targets: new DynamoDbTargets(client, tables.targets),
      close: async () => client.destroy(),
    };
  }
  const dir = options.state ?? DEFAULT_STATE_DIR;
  const local = await openLocalState(dir, 'cli', { create });
  return {
    where: `local state ${dir}`,
    store: new DynamoDbStateStore(local.client, { tableName: LOCAL_TABLES.state }),
    targets: new DynamoDbTargets(local.client, LOCAL_TABLES.targets),
    close: () => local.close(),
  };
}

/** Runs `fn` against the backend and always closes it, so the embedded database is never left open. */
export async function withBackend<T>(options: BackendOptions, create: boolean, fn: (backend: Backend) => Promise<T>): Promise<T> {
  const backend = await openBackend(options, { create });
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
