/**
 * A local state directory: the embedded DynamoDB of `portwatch local` on disk, the lock file naming
 * its owner, read-only access through a copy, damage detection and repair, and the delivery ledger
 * that keeps a rolled-back database from sending an alert twice.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { constants as fsConstants, existsSync } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDbStateStore } from '../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../lambda/adapters/aws/dynamodb-target-digests';
import { DeliveryLedger, findRolledBack, LEDGER_FILE, LedgerNotifier, restoreDelivered, type RolledBackTarget } from '../../lambda/adapters/local/delivery-ledger';
import {
  DamagedDatabaseError,
  DatabaseLockedError,
  checkDatabase,
  ensureTables,
  LOCAL_TABLES,
  repairDatabase,
  startEmbeddedDynamoDb,
  type EmbeddedDynamoDb,
} from '../../lambda/adapters/local/embedded-dynamodb';
import type { Notifier } from '../../lambda/monitor/dependencies';
import { UsageError } from './cli-io';
import { LOCK_FILE, localClient, servedEndpoint, StateBusyError, takeLock, WRITE_DENIED, type Lock } from './state-lock';


export const DEFAULT_STATE_DIR = '.portwatch';

const DB_DIR = 'dynamodb';
/** A state directory opened by this process: the embedded database it runs, or the one `portwatch local` serves. */
interface LocalState {
  readonly dir: string;
  readonly client: DynamoDBClient;
  /** Null when another process (`portwatch local`) serves the database and this one is its client. */
  readonly db: EmbeddedDynamoDb | null;
  /** True when the directory could not be written and a private copy of its database was opened. */
  readonly readOnly: boolean;
  /**
   * Wraps the notifier of `portwatch local` with the ledger of delivered alerts (delivery-ledger.ts);
   * returns it unchanged where there is no ledger to keep (a read-only copy).
   */
  withDeliveryLedger(notifier: Notifier): Notifier;
  close(): Promise<void>;
}

export interface OpenStateOptions {
  /** Make the directory when it holds no state yet. */
  readonly create: boolean;
  /**
   * `read`: the command only reads, so a directory it may not write is read through a private copy.
   * @default 'write'
   */
  readonly access?: 'read' | 'write';
  /** Where warnings go (a rollback found, an alert not sent twice). @default stderr, prefixed `portwatch: ` */
  readonly warn?: (message: string) => void;
}


function stderrWarn(message: string): void {
  process.stderr.write(`portwatch: ${message}\n`);
}

/** The errno code that keeps this process from writing `path`, or null when it may. */
async function writeDenied(path: string): Promise<string | null> {
  try {
    await access(path, fsConstants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EACCES';
    return WRITE_DENIED.has(code) ? code : null;
  }
}

function notWritable(dir: string, code: string): UsageError {
  return new UsageError(
    `--state: ${JSON.stringify(dir)} is not writable (${code}); this command writes there. Run it as the user who owns the directory, or give --state a directory you can write.`,
  );
}

/** The damaged database named, with the two ways out; exit 2 (see damagedOrThrow). */
function damaged(dir: string, err: DamagedDatabaseError): UsageError {
  const db = join(dir, DB_DIR);
  return new UsageError(
    [
      `--state: the database in ${db} is damaged and cannot be opened (${err.detail}). Nothing was changed.`,
      `  To rebuild it from the files that survive (the damaged files are kept in a copy): portwatch repair --state ${dir}`,
      `  Or start afresh: mv ${db} ${db}.damaged; the next \`portwatch local --targets FILE\` re-creates the targets; state and history are lost, and ${join(dir, LEDGER_FILE)} keeps alerts already delivered from being sent again.`,
    ].join('\n'),
    { help: false },
  );
}

/**
 * A damaged database is bad input (exit 2), not a failed run (exit 1): retrying cannot succeed, the
 * directory named by --state must be repaired or replaced first, and the message says how.
 */
function damagedOrThrow(dir: string, err: unknown): never {
  // Files of the database this user may not open are not damage: say whose they are to read.
  if (err instanceof DamagedDatabaseError && /permission denied/i.test(err.detail)) {
    throw new UsageError(`--state: cannot open the database in ${join(dir, DB_DIR)} (${err.detail}); run the command as the user who owns it`);
  }
  if (err instanceof DamagedDatabaseError) throw damaged(dir, err);
  if (err instanceof DatabaseLockedError) throw new StateBusyError(`${dir} is open in another process that holds no ${LOCK_FILE}; stop it and try again`);
  throw err;
}

/** Takes over the stored state when it went back in time (see delivery-ledger.ts), saying so. */
async function checkLedger(dir: string, client: DynamoDBClient, ledger: DeliveryLedger, restore: boolean, warn: (m: string) => void): Promise<void> {
  if (ledger.unreadable > 0) warn(`${ledger.name}: ${ledger.unreadable} unreadable line(s) skipped (a write cut short by a crash leaves one)`);
  const store = new DynamoDbStateStore(client, { tableName: LOCAL_TABLES.state });
  const behind = await findRolledBack(store, ledger);
  if (behind.length === 0) return;
  const first = behind[0] as RolledBackTarget;
  const count = behind.length === 1 ? '1 target is' : `${behind.length} targets are`;
  const example = `${first.target}: state version ${first.stateVersion ?? 'none'}, but an alert was delivered at version ${first.last.version} on ${first.last.deliveredAt}`;
  const what = `the state in ${dir} went back in time: ${count} behind the alerts already delivered (${example})`;
  if (!restore) {
    warn(`${what}. Shown as stored; the next command that can write ${dir} restores them from ${ledger.name}.`);
    return;
  }
  // Continue rather than refuse: the ledger holds exactly what the user was told, which is the
  // baseline the prober must compare with; refusing would leave only a fresh start or a repair, and
  // both end in the same older state.
  await restoreDelivered(store, new DynamoDbTargetDigests(client, LOCAL_TABLES.targets), behind, new Date());
  warn(`${what}. Each now starts from what its last delivered alert said (${ledger.name}), so no alert is sent twice; its history in between is lost.`);
}

/**
 * Copies the files of a LevelDB directory (it keeps no subdirectories of its own; a repair leaves a
 * `lost` one with what it could not place, which is not part of the database). LevelDB's LOCK is a
 * lock, not data: the copy gets its own.
 */
async function copyDatabaseFiles(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isFile() && entry.name !== 'LOCK') await copyFile(join(from, entry.name), join(to, entry.name));
  }
}


/**
 * Opens a directory this process may not write, for reading. LevelDB has no read-only open: opening
 * takes its LOCK, starts a new log and MANIFEST and compacts the old log, all writes. So the database
 * files (a flat directory, small for local use) are copied to a private temporary directory and the
 * copy is opened; the original is never touched and no lock.json is written.
 */
async function openReadOnly(dir: string, absolute: string, warn: (m: string) => void): Promise<LocalState> {
  const endpoint = await servedEndpoint(dir, join(absolute, LOCK_FILE));
  const passThrough = (n: Notifier): Notifier => n;
  if (endpoint !== null) {
    const client = localClient(endpoint);
    return { dir, client, db: null, readOnly: true, withDeliveryLedger: passThrough, close: async () => client.destroy() };
  }
  const copy = await mkdtemp(join(tmpdir(), 'portwatch-read-'));
  let db: EmbeddedDynamoDb;
  try {
    await mkdir(join(copy, DB_DIR));
    try {
      await copyDatabaseFiles(join(absolute, DB_DIR), join(copy, DB_DIR));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') throw new UsageError(`--state: cannot read ${join(dir, DB_DIR)} (${code}); run the command as a user who can read it`);
      throw err;
    }
    db = await startEmbeddedDynamoDb({ path: join(copy, DB_DIR) }).catch((err: unknown) => damagedOrThrow(dir, err));
    await ensureTables(db.client, LOCAL_TABLES);
    await checkLedger(dir, db.client, await DeliveryLedger.open(join(absolute, LEDGER_FILE), join(dir, LEDGER_FILE)), false, warn);
  } catch (err) {
    await rm(copy, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    client: db.client,
    db,
    readOnly: true,
    withDeliveryLedger: passThrough,
    close: async () => {
      try {
        await db.close();
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    },
  };
}


/** Makes the state directory if allowed, and says whether this process may write it (null) or not (errno code). */
async function prepareDir(dir: string, absolute: string, create: boolean): Promise<string | null> {
  if (!existsSync(join(absolute, DB_DIR))) {
    if (!create) {
      throw new UsageError(`--state: ${JSON.stringify(dir)} holds no portwatch state (run \`portwatch local\` first, or pass --stack NAME for a deployed stack)`);
    }
    try {
      await mkdir(join(absolute, DB_DIR), { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (WRITE_DENIED.has(code)) throw new UsageError(`--state: cannot create ${JSON.stringify(dir)} (${code}); give --state a directory you can write`);
      if (code === 'EEXIST' || code === 'ENOTDIR') throw new UsageError(`--state: ${JSON.stringify(dir)} is a file, not a directory`);
      throw err;
    }
  }
  // Both the directory (lock.json, the ledger) and the database directory must take writes.
  return (await writeDenied(absolute)) ?? (await writeDenied(join(absolute, DB_DIR)));
}

/**
 * Opens the embedded database of a state directory (see takeLock for who may open it). A damaged
 * database is refused with exit 2 and the ways out; the ledger of delivered alerts is checked
 * against the database, and targets whose state went back in time are restored from it.
 */
export async function openLocalState(dir: string, role: 'local' | 'cli', options: OpenStateOptions): Promise<LocalState> {
  const absolute = resolve(dir);
  const warn = options.warn ?? stderrWarn;
  const readOnlyAllowed = role === 'cli' && options.access === 'read';
  const denied = await prepareDir(dir, absolute, options.create);
  const lock: Lock = denied !== null ? { kind: 'denied', code: denied } : await takeLock(dir, absolute, role);
  if (lock.kind === 'denied') {
    if (readOnlyAllowed) return openReadOnly(dir, absolute, warn);
    throw notWritable(dir, lock.code);
  }
  if (lock.kind === 'served') {
    const client = localClient(lock.endpoint);
    return { dir, client, db: null, readOnly: false, withDeliveryLedger: (n) => n, close: async () => client.destroy() };
  }
  let db: EmbeddedDynamoDb | null = null;
  let ledger: DeliveryLedger;
  try {
    db = await startEmbeddedDynamoDb({ path: join(absolute, DB_DIR) }).catch((err: unknown) => damagedOrThrow(dir, err));
    await ensureTables(db.client, LOCAL_TABLES);
    ledger = await DeliveryLedger.open(join(absolute, LEDGER_FILE), join(dir, LEDGER_FILE));
    await checkLedger(dir, db.client, ledger, true, warn);
    await lock.publish(db.endpoint);
  } catch (err) {
    await db?.close().catch(() => undefined);
    await lock.release();
    throw err;
  }
  const opened: EmbeddedDynamoDb = db;
  let closed = false;
  return {
    dir,
    client: opened.client,
    db: opened,
    readOnly: false,
    withDeliveryLedger: (notifier) => new LedgerNotifier(notifier, ledger, warn),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await opened.close();
      } finally {
        await lock.release();
      }
    },
  };
}

/** What `portwatch repair` did. */
export interface RepairReport {
  /** False when the database opened fine and nothing was changed. */
  readonly repaired: boolean;
  /** Where the damaged files were copied before the repair; null when nothing was repaired. */
  readonly backup: string | null;
  readonly detail: string | null;
}

/**
 * Rebuilds a damaged database of a state directory with LevelDB's repair, after copying the damaged
 * files aside; then opens it as every command does, so the ledger restores what the repair lost.
 */
export async function repairLocalState(dir: string, warn: (m: string) => void = stderrWarn): Promise<RepairReport> {
  const absolute = resolve(dir);
  const denied = await prepareDir(dir, absolute, false);
  const lock: Lock = denied !== null ? { kind: 'denied', code: denied } : await takeLock(dir, absolute, 'cli');
  if (lock.kind === 'denied') throw notWritable(dir, lock.code);
  if (lock.kind === 'served') throw new StateBusyError(`${dir} is open in portwatch local (pid ${lock.pid}), so its database is not damaged; nothing to repair`);
  const dbDir = join(absolute, DB_DIR);
  let report: RepairReport;
  try {
    let detail: string;
    try {
      await checkDatabase(dbDir);
      report = { repaired: false, backup: null, detail: null };
    } catch (err) {
      if (!(err instanceof DamagedDatabaseError)) damagedOrThrow(dir, err);
      detail = err.detail;
      const backup = `${DB_DIR}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await mkdir(join(absolute, backup));
      await copyDatabaseFiles(dbDir, join(absolute, backup));
      await repairDatabase(dbDir);
      await checkDatabase(dbDir).catch((again: unknown) => {
        if (again instanceof DamagedDatabaseError) {
          throw new Error(`the repair could not make ${join(dir, DB_DIR)} usable (${again.detail}); move it aside and start afresh: mv ${join(dir, DB_DIR)} ${join(dir, `${DB_DIR}.damaged`)}`);
        }
        throw again;
      });
      report = { repaired: true, backup: join(dir, backup), detail };
    }
  } finally {
    await lock.release();
  }
  // Opening creates tables the repair could not save and restores targets the ledger knows better.
  const local = await openLocalState(dir, 'cli', { create: false, warn });
  await local.close();
  return report;
}

