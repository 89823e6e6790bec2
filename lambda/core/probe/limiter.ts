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

  const acquire = (): Promise<void> => {
    if (active < limit) {
      active++;
      peak = Math.max(peak, active);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    // Hand the slot straight to the next waiter: `active` stays the same.
    if (next) next();
    else active--;
  };

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get peak() {
      return peak;
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
