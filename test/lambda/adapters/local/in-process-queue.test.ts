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
});
