import { createLimiter, mapBounded } from '../../../lambda/probe/limiter';

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
