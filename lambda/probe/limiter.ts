/** Bounding concurrency: sockets open at once, and targets in flight at once. */

export interface Limiter {
  /** Runs `task` once a slot is free; the slot is held until the task settles. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Most tasks ever running at once (for tests and metrics). */
  readonly peak: number;
}

/** A FIFO semaphore. `max` is clamped to at least 1. */
export function createLimiter(max: number): Limiter {
  const limit = Math.max(1, Math.floor(max));
  const waiting: (() => void)[] = [];
  let active = 0;
  let peak = 0;

  const release = (): void => {
    const next = waiting.shift();
    // Hand the slot straight to the next waiter: `active` stays the same.
    if (next) next();
    else active--;
  };
  const start = <T>(task: () => Promise<T>): Promise<T> => runReleasing(task, release);

  return {
    // No async/await here: a free slot starts the task in the same tick (this runs once per socket).
    run<T>(task: () => Promise<T>): Promise<T> {
      if (active < limit) {
        active++;
        if (active > peak) peak = active;
        return start(task);
      }
      return new Promise<void>((resolve) => waiting.push(resolve)).then(() => start(task));
    },
    get active() {
      return active;
    },
    get peak() {
      return peak;
    },
  };
}

/**
 * A limiter that takes a slot of `first`, then one of `second`, for each task: a per-call bound under
 * a process-wide one. `active` and `peak` are those of `first`. A task may hold a slot of `first`
 * while it waits for one of `second`, but never the other way round, so the chain cannot deadlock.
 */
export function chainLimiters(first: Limiter, second: Limiter): Limiter {
  return {
    run: <T>(task: () => Promise<T>): Promise<T> => first.run(() => second.run(task)),
    get active() {
      return first.active;
    },
    get peak() {
      return first.peak;
    },
  };
}

/** Maps with at most `concurrency` calls in flight; results keep the input order. */
export async function mapBounded<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  const workers = Array.from({ length: Math.min(items.length, Math.max(1, Math.floor(concurrency))) }, () => worker());
  await Promise.all(workers);
  return results;
}

/**
 * A semaphore whose waiters stop waiting after a while and go ahead without a slot. Its timer bounds
 * queueing, like the socket limiter's slots; it is not a probe deadline (those stay in deadline.ts).
 */
export interface SoftLimiter {
  /**
   * Runs `task` once a slot is free, or after `maxWaitMs` without one (it then does not count as
   * active): the limit shapes bursts, it never holds a task back for longer than its caller can afford.
   */
  run<T>(maxWaitMs: number, task: () => Promise<T>): Promise<T>;
  /** Tasks holding a slot now. */
  readonly active: number;
  /** Most tasks ever holding a slot at once. */
  readonly peak: number;
  /** Tasks that went ahead without a slot. */
  readonly overflowed: number;
}

export function createSoftLimiter(max: number): SoftLimiter {
  const limit = Math.max(1, Math.floor(max));
  const waiting: ((slotted: boolean) => void)[] = [];
  let active = 0;
  let peak = 0;
  let overflowed = 0;

  const release = (): void => {
    const next = waiting.shift();
    if (next) next(true);
    else active--;
  };
  const start = <T>(slotted: boolean, task: () => Promise<T>): Promise<T> => (slotted ? runReleasing(task, release) : runSafely(task));

  return {
    run<T>(maxWaitMs: number, task: () => Promise<T>): Promise<T> {
      if (active < limit) {
        active++;
        if (active > peak) peak = active;
        return start(true, task);
      }
      return new Promise<boolean>((resolve) => {
        const entry = (slotted: boolean): void => {
          clearTimeout(timer);
          resolve(slotted);
        };
        const timer = setTimeout(() => {
          const at = waiting.indexOf(entry);
          if (at >= 0) waiting.splice(at, 1);
          overflowed++;
          resolve(false);
        }, Math.max(0, maxWaitMs));
        waiting.push(entry);
      }).then((slotted) => start(slotted, task));
    },
    get active() {
      return active;
    },
    get peak() {
      return peak;
    },
    get overflowed() {
      return overflowed;
    },
  };
}

/** Starts `task` and calls `release` once when it settles, also when it throws before returning a promise. */
function runReleasing<T>(task: () => Promise<T>, release: () => void): Promise<T> {
  let running: Promise<T>;
  try {
    running = task();
  } catch (err) {
    release();
    return Promise.reject(err);
  }
  return running.then(
    (value) => {
      release();
      return value;
    },
    (err: unknown) => {
      release();
      throw err;
    },
  );
}

function runSafely<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (err) {
    return Promise.reject(err);
  }
}
