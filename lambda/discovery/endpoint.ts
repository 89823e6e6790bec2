/** What discovery reads from an account, as plain records: a public endpoint with its origin and tags, the accounts to visit, and the ports the AWS adapters implement. */
import type { Origin } from '../monitor/exposure-model';

/** One public address or name of one AWS resource, as the adapters read it. */
export interface Endpoint {
  /** An IPv4 or IPv6 address, or a DNS name. */
  readonly host: string;
  readonly origin: Origin;
  /** The resource's tags (`portwatch:expect` among them); empty for DNS records, which have none. */
  readonly tags: Readonly<Record<string, string>>;
  /** A DNS record's values: the addresses or the alias target it names (its tags and groups come from there). */
  readonly pointsTo?: readonly string[];
}

export interface AccountRef {
  readonly id: string;
  readonly name: string;
}

/** Route 53 is global: its endpoints belong to this pseudo-region. */
export const GLOBAL_REGION = 'global';

/** An account and region read together: disabling is only ever decided for scopes read completely. */
export function scopeKey(account: string, region: string): string {
  return `${account}/${region}`;
}

/**
 * What discovery needs from AWS, implemented by lambda/adapters/aws (one adapter per service and an
 * account-access adapter that assumes the member role). Each call reads one scope completely or throws.
 */
export interface EndpointSource {
  /** The accounts to visit: the organization's active accounts, or the configured list. */
  accounts(): Promise<readonly AccountRef[]>;
  /** Network interfaces with a public address, Elastic IPs and internet-facing load balancers of one region. */
  regional(account: AccountRef, region: string): Promise<readonly Endpoint[]>;
  /** A/AAAA/alias records of the account's public hosted zones. */
  dns(account: AccountRef): Promise<readonly Endpoint[]>;
}

/**
 * The Targets table as discovery sees it: every item (the user's too, so that they are never
 * overwritten), and conditional writes that refuse to touch an item without an `origin`.
 */
export interface DiscoveredTargetStore {
  listAll(): Promise<readonly Record<string, unknown>[]>;
  /** Creates an item only where none exists. Resolves false when one does (a user target appeared meanwhile). */
  add(item: Readonly<Record<string, unknown>>): Promise<boolean>;
  /**
   * Sets the managed attributes of a discovered item (and, with `reenable`, enables it and removes the
   * reason it was disabled); resolves false when the item has no `origin` (a user's).
   */
  update(item: Readonly<Record<string, unknown>>, reenable: boolean): Promise<boolean>;
  /** Disables a discovered item with a reason, keeping it (and so its history); false when it has no `origin`. */
  disable(target: string, reason: string, at: string): Promise<boolean>;
}
