import { InProcessQueue } from '../../../../lambda/adapters/local/in-process-queue';

describe('InProcessQueue', () => {
  it('queues messages in memory, in order, until drained', async () => {
    // Prepare
    const queue = new InProcessQueue();
    // Act
    await queue.send([{ v: 1, tick: 't', targets: [{ target: 'a' }] }]);
    await queue.send([{ v: 1, tick: 't', targets: [{ target: 'b' }] }]);
    // Assess
    expect(queue.drain().map((m) => m.targets)).toEqual([[{ target: 'a' }], [{ target: 'b' }]]);
    expect(queue.drain()).toEqual([]);
  });

  it('holds a delayed message until its delay has passed, as SQS DelaySeconds does', async () => {
    // Prepare: a clock the test moves
    let now = 1_000_000;
    const queue = new InProcessQueue(() => now);
    await queue.send([
      { v: 1, tick: 't', targets: [{ target: 'now' }] },
      { v: 1, tick: 't', targets: [{ target: 'later' }], delayS: 10, everyS: 10 },
    ]);
    // Act / Assess
    expect(queue.drainDue().map((m) => m.targets[0]?.target)).toEqual(['now']);
    expect(queue.nextDueAt()).toBe(1_010_000);
    now += 9_999;
    expect(queue.drainDue()).toEqual([]);
    now += 1;
    expect(queue.drainDue().map((m) => m.targets[0]?.target)).toEqual(['later']);
    expect(queue.nextDueAt()).toBeNull();
  });
});
