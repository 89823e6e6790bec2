import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Alert } from '../../lambda/monitor/model';
import type { Notifier } from '../../lambda/monitor/dependencies';

/** Seeded PRNG (mulberry32): a failing scenario is replayed exactly from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type FaultKind = 'throttle' | 'server-error' | 'timeout' | 'lost-response';

export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'server-error', 'timeout', 'lost-response'];

function faultError(kind: Exclude<FaultKind, 'lost-response'>, service: string): Error {
  switch (kind) {
    case 'throttle':
      return Object.assign(new Error(`${service}: Rate exceeded`), { name: service === 'dynamodb' ? 'ProvisionedThroughputExceededException' : 'ThrottledException', $fault: 'client' });
    case 'server-error':
      return Object.assign(new Error(`${service}: Internal server error`), { name: 'InternalServerError', $fault: 'server' });
    case 'timeout':
      return Object.assign(new Error(`${service}: socket timed out`), { name: 'TimeoutError' });
  }
}

/**
 * Decides, call by call, whether to inject a fault and which; counts what it injected. The other
 * fault kinds of the campaign (stale-reads.ts, skewed-clock.ts, deadline.ts) draw from the same
 * seeded stream and count here too, under `kind` or `kind detail` keys.
 */
export class FaultPlan {
  enabled = true;
  readonly injected = new Map<string, number>();
  constructor(
    readonly random: () => number,
    private readonly rate: number,
    /** The kinds `next` picks from, each as likely. */
    private readonly kinds: readonly FaultKind[] = FAULT_KINDS,
  ) {}

  next(): FaultKind | null {
    if (!this.enabled || this.random() >= this.rate) return null;
    return this.kinds[Math.floor(this.random() * this.kinds.length)] ?? null;
  }

  /** True with probability `rate` while the plan is enabled. */
  chance(rate: number): boolean {
    return this.enabled && this.random() < rate;
  }

  count(service: string, kind: string): void {
    const key = `${service} ${kind}`;
    this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
  }
}

/**
 * Injects faults into every DynamoDB call a client makes, inside the real SDK pipeline: the request
 * either never reaches the table (throttle, 5xx, timeout) or reaches it and the answer is lost.
 */
export function injectDynamoDbFaults(client: DynamoDBClient, plans: { readonly current: FaultPlan }): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const plan = plans.current;
      const kind = plan.next();
      if (kind === null) return next(args);
      plan.count('dynamodb', kind);
      if (kind === 'lost-response') {
        await next(args);
        throw faultError('timeout', 'dynamodb');
      }
      throw faultError(kind, 'dynamodb');
    },
    { step: 'deserialize', name: 'injectFaults', priority: 'low' },
  );
}

/**
 * SNS stand-in with faults. `accepted` counts deliveries SNS made; an accepted message whose answer
 * is lost is the one duplicate no publisher can rule out, so it is counted on its own.
 */
export class FaultyNotifier implements Notifier {
  readonly accepted: Alert[] = [];
  readonly acceptedButLost = new Set<string>();

  constructor(private readonly plan: FaultPlan) {}

  async publish(alert: Alert): Promise<void> {
    // SNS answers over the network: other probers' calls interleave with the publish.
    await new Promise((resolve) => setImmediate(resolve));
    const kind = this.plan.next();
    if (kind !== null) this.plan.count('sns', kind);
    if (kind === 'lost-response') {
      this.accepted.push(alert);
      this.acceptedButLost.add(alert.id);
      throw faultError('timeout', 'sns');
    }
    if (kind !== null) throw faultError(kind, 'sns');
    this.accepted.push(alert);
  }
}
