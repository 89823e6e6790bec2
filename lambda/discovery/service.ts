/** One discovery run: read every account and region (bounded, one failure never stops the others), plan against the Targets table, write only what changed. */
import { mapBounded } from '../probe/limiter';
import { desiredItems } from './desired';
import { GLOBAL_REGION, scopeKey, type AccountRef, type DiscoveredTargetStore, type Endpoint, type EndpointSource } from './endpoint';
import { planDiscovery, type DiscoveryPlan } from './plan';

export interface DiscoveryOptions {
  readonly regions: readonly string[];
  /** The port every discovered endpoint is watched on. */
  readonly port: number;
  /** Account/region scopes read at once. */
  readonly concurrency: number;
  /** Plan only: read AWS and the table, write nothing. */
  readonly dryRun: boolean;
  readonly now: () => Date;
}

export interface ScopeResult {
  readonly account: string;
  readonly region: string;
  readonly endpoints: number;
  /** Why the scope could not be read (its items are left as they are); null when it was read. */
  readonly error: string | null;
}

export interface AppliedCounts {
  readonly added: number;
  readonly updated: number;
  readonly disabled: number;
  /** Writes refused by their condition: a user target appeared under the key, or a discovered one was claimed by the user meanwhile. */
  readonly refused: number;
}

export interface DiscoveryReport {
  readonly at: string;
  readonly accounts: number;
  readonly scopes: readonly ScopeResult[];
  readonly plan: DiscoveryPlan;
  readonly skipped: readonly string[];
  readonly warnings: readonly string[];
  /** null on a dry run. */
  readonly applied: AppliedCounts | null;
}

/** Table writes in flight at once: a run that adds thousands of targets finishes in seconds without a burst that throttles a new table. */
const WRITE_CONCURRENCY = 8;

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
  return String(err);
}

export async function discover(source: EndpointSource, store: DiscoveredTargetStore, options: DiscoveryOptions): Promise<DiscoveryReport> {
  const at = options.now().toISOString();
  // Without the list of accounts there is nothing to compare against: that failure fails the run.
  const accounts = await source.accounts();
  const scopes: { account: AccountRef; region: string }[] = accounts.flatMap((account) => [
    ...options.regions.map((region) => ({ account, region })),
    { account, region: GLOBAL_REGION },
  ]);
  const endpoints: Endpoint[] = [];
  const results = await mapBounded(scopes, Math.max(1, options.concurrency), async ({ account, region }): Promise<ScopeResult> => {
    try {
      const found = region === GLOBAL_REGION ? await source.dns(account) : await source.regional(account, region);
      endpoints.push(...found);
      return { account: account.id, region, endpoints: found.length, error: null };
    } catch (err) {
      return { account: account.id, region, endpoints: 0, error: errorText(err) };
    }
  });
  const scanned = new Set(results.filter((r) => r.error === null).map((r) => scopeKey(r.account, r.region)));
  const desired = desiredItems(endpoints, options.port);
  const current = await store.listAll();
  const plan = planDiscovery(desired.items, current, scanned, at);
  const report = { at, accounts: accounts.length, scopes: results, plan, skipped: desired.skipped, warnings: desired.warnings };
  if (options.dryRun) return { ...report, applied: null };
  return { ...report, applied: await apply(store, plan, at) };
}

/** Writes the plan; each write is conditional, so a user target that appeared since the read is refused, never overwritten. */
async function apply(store: DiscoveredTargetStore, plan: DiscoveryPlan, at: string): Promise<AppliedCounts> {
  const counts = { added: 0, updated: 0, disabled: 0, refused: 0 };
  const count = (done: boolean, field: 'added' | 'updated' | 'disabled'): void => {
    if (done) counts[field]++;
    else counts.refused++;
  };
  type Write = () => Promise<void>;
  const writes: Write[] = [
    ...plan.add.map((item): Write => async () => count(await store.add(item), 'added')),
    ...plan.update.map((u): Write => async () => count(await store.update(u.item, u.changed.includes('enabled')), 'updated')),
    ...plan.disable.map((d): Write => async () => count(await store.disable(d.target, d.reason, at), 'disabled')),
  ];
  await mapBounded(writes, WRITE_CONCURRENCY, (write) => write());
  return counts;
}
