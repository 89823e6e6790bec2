/**
 * The lock of a state directory (lock.json): who holds it, taking it, and finding the database a
 * running `portwatch local` serves. LevelDB allows one process per directory; the lock is how the
 * others learn where to talk instead.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { readFileSync, rmSync } from 'node:fs';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const WRITE_DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);
/** Who holds a state directory: `local` serves its database to other commands; `cli` is a short command. */
interface LockInfo {
  readonly pid: number;
  readonly role: 'local' | 'cli';
  readonly endpoint: string | null;
  readonly startedAt: string;
}

export const LOCK_FILE = 'lock.json';
/** How long a short command waits for another short command to release the directory. */
export const LOCK_WAIT_MS = 15_000;

export class StateBusyError extends Error {
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

export function localClient(endpoint: string): DynamoDBClient {
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

function parseLock(text: string): LockInfo | null {
  try {
    const info = JSON.parse(text) as LockInfo;
    return typeof info.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

async function readLock(path: string): Promise<LockInfo | null> {
  return parseLock(await readFile(path, 'utf8').catch(() => ''));
}

/** For the 'exit' handler, which cannot wait for a promise. */
function readLockSync(path: string): LockInfo | null {
  try {
    return parseLock(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Who holds the directory now, for a process that cannot write it: a `portwatch local` serving its
 * database (use that), or a short command (wait for it, so its writes are not copied half done).
 */
export async function servedEndpoint(dir: string, lockPath: string): Promise<string | null> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const holder = await readLock(lockPath);
    if (holder === null || !isAlive(holder.pid)) return null;
    if (holder.role === 'local' && holder.endpoint !== null) return (await reachable(holder.endpoint)) ? holder.endpoint : null;
    if (Date.now() > deadline) throw new StateBusyError(`${dir} is in use by process ${holder.pid}; try again when it finishes`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** What taking the lock of a state directory gave. */
export type Lock =
  /** This process holds lock.json; `publish` names the endpoint it serves, `release` removes the lock. */
  | { readonly kind: 'held'; publish(endpoint: string): Promise<void>; release(): Promise<void> }
  /** `portwatch local` holds the directory and serves its database at `endpoint`. */
  | { readonly kind: 'served'; readonly endpoint: string; readonly pid: number }
  /** The directory does not take writes (errno code). */
  | { readonly kind: 'denied'; readonly code: string };

/**
 * Takes lock.json of a state directory. LevelDB allows one process per directory, so the lock names
 * the owner: while `portwatch local` runs, other commands talk to the database it serves (its
 * endpoint is in the lock) instead of opening the directory a second time; a short command waits for another.
 */
export async function takeLock(dir: string, absolute: string, role: 'local' | 'cli'): Promise<Lock> {
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
      const code = (err as NodeJS.ErrnoException).code ?? '';
      // access() said yes but the write says no (an ACL, a read-only mount).
      if (WRITE_DENIED.has(code)) return { kind: 'denied', code };
      if (code !== 'EEXIST') throw err;
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
        return { kind: 'served', endpoint: holder.endpoint, pid: holder.pid };
      }
      if (Date.now() > deadline) {
        throw new StateBusyError(`${dir} is in use by process ${holder.pid}; if no portwatch runs, delete ${lockPath}`);
      }
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    // Whatever ends this process from here on (dynalite throws inside its HTTP server when LevelDB
    // fails, which kills it), the lock must not outlive it: 'exit' runs even after an uncaught exception.
    const dropLock = (): void => {
      try {
        if (readLockSync(lockPath)?.pid === process.pid) rmSync(lockPath, { force: true });
      } catch {
        // Exiting anyway; a stale lock is taken over by the next command (its pid is gone).
      }
    };
    process.on('exit', dropLock);
    return {
      kind: 'held',
      publish: (endpoint) => write(endpoint, true),
      release: async () => {
        try {
          if ((await readLock(lockPath))?.pid === process.pid) await rm(lockPath, { force: true });
        } finally {
          process.off('exit', dropLock);
        }
      },
    };
  }
}
