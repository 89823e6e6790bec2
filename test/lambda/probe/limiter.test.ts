import { chainLimiters, createLimiter, createSoftLimiter, mapBounded } from '../../../lambda/probe/limiter';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('createLimiter', () => {
  it('never runs more than max tasks at once and runs them all', async () => {
    // Prepare
    const limiter = createLimiter(3);
    let running = 0;
    let most = 0;

    // Act
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          running++;
          most = Math.max(most, running);
          await tick();
          running--;
          return i;
        }),
      ),
    );

    // Assess
    expect(most).toBe(3);
    expect(limiter.peak).toBe(3);
    expect(limiter.active).toBe(0);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('frees the slot of a task that rejects', async () => {
    // Prepare
    const limiter = createLimiter(1);

    // Act
    const failed = limiter.run(async () => {
      throw new Error('boom');
    });
    const next = limiter.run(async () => 'next');

    // Assess
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    expect(limiter.active).toBe(0);
  });
});

describe('mapBounded', () => {
  it('keeps the input order with at most `concurrency` calls in flight', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const items = [30, 5, 20, 1, 10, 2];

    // Act
    const out = await mapBounded(items, 2, async (ms, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick(ms);
      inFlight--;
      return `${i}:${ms}`;
    });

    // Assess
    expect(out).toEqual(items.map((ms, i) => `${i}:${ms}`));
    expect(most).toBe(2);
  });

  it('returns an empty list for no items', async () => {
    // Act
    const out = await mapBounded([], 4, async () => 1);

    // Assess
    expect(out).toEqual([]);
  });
});

describe('chainLimiters: a per-call bound under a process-wide one', () => {
  it('never exceeds the smaller bound, across two callers sharing the process pool', async () => {
    // Prepare
    const pool = createLimiter(4);
    const a = chainLimiters(createLimiter(3), pool);
    const b = chainLimiters(createLimiter(3), pool);
    let running = 0;
    let most = 0;
    const task = async (): Promise<void> => {
      running++;
      most = Math.max(most, running);
      await tick(3);
      running--;
    };
    // Act
    await Promise.all([...Array.from({ length: 12 }, () => a.run(task)), ...Array.from({ length: 12 }, () => b.run(task))]);
    // Assess
    expect(most).toBe(4);
    expect(a.peak).toBe(3);
    expect(pool.active).toBe(0);
  });
});

describe('createSoftLimiter', () => {
  it('bounds tasks that can wait, and lets a task go ahead without a slot once it cannot wait longer', async () => {
    // Prepare
    const limiter = createSoftLimiter(2);
    const started: string[] = [];
    const hold = (name: string, ms: number) => async (): Promise<string> => {
      started.push(name);
      await tick(ms);
      return name;
    };
    // Act: two long tasks take both slots; one waiter can afford 500 ms, the other only 10 ms.
    const results = Promise.all([limiter.run(1000, hold('a', 80)), limiter.run(1000, hold('b', 80)), limiter.run(500, hold('patient', 1)), limiter.run(10, hold('hurried', 1))]);
    await tick(40);
    const startedBeforeSlotsFreed = [...started];
    // Assess
    expect(await results).toEqual(['a', 'b', 'patient', 'hurried']);
    expect(startedBeforeSlotsFreed).toEqual(['a', 'b', 'hurried']);
    expect(limiter.overflowed).toBe(1);
    expect(limiter.peak).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('releases its slot when a task throws or rejects', async () => {
    const limiter = createSoftLimiter(1);
    await expect(limiter.run(100, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(100, () => { throw new Error('sync'); })).rejects.toThrow('sync');
    expect(limiter.active).toBe(0);
    await expect(limiter.run(100, async () => 'next')).resolves.toBe('next');
  });
});
