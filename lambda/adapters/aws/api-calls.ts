/** Counts the AWS API calls of a run by operation, and the retries the SDK made (throttling, 5xx), from each answer's metadata. */

export interface CallCounts {
  /** Calls by `Service.Operation`, retries not included. */
  readonly calls: Readonly<Record<string, number>>;
  /** Extra attempts the SDK made after a throttling or server error (its `$metadata.attempts` - 1). */
  readonly retries: number;
  /** Calls that failed after the SDK's retries; by error name. */
  readonly failures: Readonly<Record<string, number>>;
}

interface Metadata {
  readonly $metadata?: { readonly attempts?: number };
}

export class ApiCallCounter {
  private readonly calls = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private retries = 0;

  /** Sends through `send`, counting the call, its retries and a final failure. */
  async count<T extends Metadata>(operation: string, send: () => Promise<T>): Promise<T> {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    try {
      const out = await send();
      this.retries += Math.max(0, (out.$metadata?.attempts ?? 1) - 1);
      return out;
    } catch (err) {
      this.retries += Math.max(0, ((err as Metadata).$metadata?.attempts ?? 1) - 1);
      const name = err instanceof Error ? err.name : 'Error';
      this.failures.set(name, (this.failures.get(name) ?? 0) + 1);
      throw err;
    }
  }

  snapshot(): CallCounts {
    return { calls: Object.fromEntries([...this.calls].sort()), retries: this.retries, failures: Object.fromEntries(this.failures) };
  }

  get total(): number {
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }
}

/**
 * The retry settings of every discovery client: adaptive mode slows the client down when the service
 * throttles (EC2 and Route 53 limit the request rate per account), and ten attempts ride out a burst.
 */
export const DISCOVERY_RETRY = { retryMode: 'adaptive', maxAttempts: 10 } as const;

/** `[{Key, Value}]` (EC2, ELBv2) -> a map; keys without a value map to ''. */
export function tagMap(tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}
