/**
 * Which accounts discovery visits and with which credentials: the organization's active accounts
 * (Organizations ListAccounts) or a given list, and per member account the read-only member role,
 * assumed with STS (external id) and cached until shortly before it expires.
 */
import { ListAccountsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AccountRef } from '../../discovery/endpoint';
import type { ApiCallCounter } from './api-calls';

export interface AccountAccessConfig {
  /** The account portwatch runs in: read with the function's own role, never assumed. */
  readonly homeAccount: string;
  /** `organization`: every active account of the organization; or the account ids to visit. */
  readonly accounts: 'organization' | readonly string[];
  readonly memberRoleName: string;
  /** Sent with every AssumeRole; the member role's trust policy requires it. */
  readonly externalId: string | null;
  /** @default the system clock */
  readonly now?: () => number;
}

/** Renew assumed credentials this long before they expire, so no call is signed with credentials about to lapse. */
const RENEW_BEFORE_MS = 5 * 60_000;
const SESSION_SECONDS = 3600;

export class AccountAccess {
  private readonly cache = new Map<string, Promise<AwsCredentialIdentity>>();

  constructor(
    private readonly sts: Pick<STSClient, 'send'>,
    private readonly organizations: Pick<OrganizationsClient, 'send'> | null,
    private readonly config: AccountAccessConfig,
    private readonly counter: ApiCallCounter,
  ) {}

  async accounts(): Promise<AccountRef[]> {
    if (this.config.accounts !== 'organization') {
      const ids = new Set([this.config.homeAccount, ...this.config.accounts]);
      return [...ids].map((id) => ({ id, name: id === this.config.homeAccount ? 'portwatch account' : id }));
    }
    const org = this.organizations;
    if (org === null) throw new Error('discovery of the organization needs an Organizations client');
    const accounts: AccountRef[] = [];
    let token: string | undefined;
    do {
      const out = await this.counter.count('Organizations.ListAccounts', () => org.send(new ListAccountsCommand({ NextToken: token })));
      for (const a of out.Accounts ?? []) if (a.Id && (a.State ?? a.Status) === 'ACTIVE') accounts.push({ id: a.Id, name: a.Name ?? a.Id });
      token = out.NextToken || undefined;
    } while (token);
    return accounts;
  }

  /** undefined for the home account (the default credential chain); the member role's credentials otherwise. */
  credentialsFor(account: string): AwsCredentialIdentityProvider | undefined {
    if (account === this.config.homeAccount) return undefined;
    return () => this.assumed(account);
  }

  roleArn(account: string): string {
    return `arn:aws:iam::${account}:role/${this.config.memberRoleName}`;
  }

  private assumed(account: string): Promise<AwsCredentialIdentity> {
    const now = this.config.now ?? Date.now;
    const cached = this.cache.get(account);
    const fresh = cached?.then((c) => (c.expiration === undefined || c.expiration.getTime() - RENEW_BEFORE_MS > now() ? c : null));
    const next = (fresh ?? Promise.resolve(null)).then((c) => c ?? this.assume(account));
    this.cache.set(account, next);
    // A refused AssumeRole is not cached: the next call asks again.
    next.catch(() => this.cache.delete(account));
    return next;
  }

  private async assume(account: string): Promise<AwsCredentialIdentity> {
    const out = await this.counter.count('STS.AssumeRole', () =>
      this.sts.send(
        new AssumeRoleCommand({
          RoleArn: this.roleArn(account),
          RoleSessionName: 'portwatch-discovery',
          DurationSeconds: SESSION_SECONDS,
          ...(this.config.externalId ? { ExternalId: this.config.externalId } : {}),
        }),
      ),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${this.roleArn(account)} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }
}

/** The account the caller's credentials belong to (GetCallerIdentity needs no permission). */
export async function callerAccount(sts: Pick<STSClient, 'send'>, counter: ApiCallCounter): Promise<string> {
  let out;
  try {
    out = await counter.count('STS.GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
  } catch (err) {
    // The first call of a run: a missing profile or an unreachable endpoint shows here, so say what was asked.
    throw new Error(`could not learn which AWS account these credentials belong to (STS GetCallerIdentity): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!out.Account) throw new Error('GetCallerIdentity returned no account');
  return out.Account;
}
