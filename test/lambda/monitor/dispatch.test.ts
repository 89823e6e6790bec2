import { PROBE_MESSAGE_VERSION, type ProbeMessage } from '../../../lambda/contracts/probe-message';
import type { ProbeQueue } from '../../../lambda/monitor/dependencies';
import { VantageFanOut } from '../../../lambda/monitor/dispatch';

/*
 * VantageFanOut, the rule that spreads one tick over every vantage point's queue, on in-memory queues
 * (the real SQS adapter against SQS stand-ins is test/lambda/handlers/dispatcher-vantages.test.ts).
 */

class MemoryQueue implements ProbeQueue {
  public readonly sent: ProbeMessage[][] = [];
  /** Refuses from the `refuseFrom`-th send on (0: every send). */
  public constructor(private readonly refuseFrom = Infinity) {}
  public async send(messages: readonly ProbeMessage[]): Promise<void> {
    if (this.sent.length >= this.refuseFrom) throw new Error(`refused send ${this.sent.length + 1}`);
    this.sent.push([...messages]);
  }
}

const batch = (n: number): ProbeMessage[] => [{ v: PROBE_MESSAGE_VERSION, tick: '2026-12-02T06:00:00Z', targets: [{ target: `host-${n}.example.com` }] }];

describe('VantageFanOut', () => {
  test('a queue that refuses mid-tick is left out for the rest of the tick, named once; the others get every batch', async () => {
    // Prepare
    const home = new MemoryQueue();
    const east = new MemoryQueue(1);
    const fanOut = new VantageFanOut([
      { vantage: 'eu-central-1', queue: home },
      { vantage: 'us-east-1', queue: east },
    ]);

    // Act
    for (let n = 0; n < 3; n++) await fanOut.send(batch(n));

    // Assess
    expect(home.sent).toEqual([batch(0), batch(1), batch(2)]);
    expect(east.sent).toEqual([batch(0)]);
    expect(fanOut.failures()).toEqual([{ vantage: 'us-east-1', error: 'Error: refused send 2' }]);
  });

  test('only when every queue has refused does a send throw, with the first refusal', async () => {
    // Prepare
    const fanOut = new VantageFanOut([
      { vantage: 'eu-central-1', queue: new MemoryQueue(1) },
      { vantage: 'us-east-1', queue: new MemoryQueue(0) },
    ]);

    // Act / Assess
    await expect(fanOut.send(batch(0))).resolves.toBeUndefined();
    await expect(fanOut.send(batch(1))).rejects.toThrow('refused send 1');
    expect(fanOut.failures().map((f) => f.vantage)).toEqual(['eu-central-1', 'us-east-1']);
  });
});
