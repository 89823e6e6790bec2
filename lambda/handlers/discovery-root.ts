/**
 * Discovery's composition root: one run from typed settings and the clients its caller built. The
 * scheduled Lambda (discovery.ts) and `portwatch discover` both run discovery through here, so a
 * setting neither names gets the same default in both.
 */
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { STSClient } from '@aws-sdk/client-sts';
import { AccountAccess, callerAccount } from '../adapters/aws/account-access';
import { ApiCallCounter, DISCOVERY_RETRY, type CallCounts } from '../adapters/aws/api-calls';
import { AwsEndpointSource, DiscoveryClients, type ClientSettings } from '../adapters/aws/aws-endpoint-source';
import type { AccountScope } from '../contracts/discovery-env';
import type { DiscoveredTargetStore } from '../discovery/endpoint';
import { discover, type DiscoveryReport } from '../discovery/service';

export interface DiscoveryParts {
  readonly sts: Pick<STSClient, 'send'>;
  /** Needed only when `accounts` is `organization`. */
  readonly organizations: Pick<OrganizationsClient, 'send'> | null;
  readonly store: DiscoveredTargetStore;
  /** Retry and other settings of every service client. @default DISCOVERY_RETRY */
  readonly clientSettings?: ClientSettings;
  /** @default the system clock */
  readonly now?: () => Date;
}

export interface DiscoveryRunSettings {
  readonly regions: readonly string[];
  readonly accounts: AccountScope;
  readonly memberRoleName: string;
  readonly memberExternalId: string | null;
  readonly concurrency: number;
  readonly defaultPort: number;
  readonly dryRun: boolean;
  /** The caller's account; @default - asked of STS (GetCallerIdentity) */
  readonly homeAccount?: string;
}

export interface DiscoveryRun {
  readonly report: DiscoveryReport;
  readonly calls: CallCounts;
  readonly wallMs: number;
}

export async function runDiscovery(parts: DiscoveryParts, settings: DiscoveryRunSettings): Promise<DiscoveryRun> {
  const started = Date.now();
  const counter = new ApiCallCounter();
  const homeAccount = settings.homeAccount ?? (await callerAccount(parts.sts, counter));
  const access = new AccountAccess(
    parts.sts,
    parts.organizations,
    { homeAccount, accounts: settings.accounts, memberRoleName: settings.memberRoleName, externalId: settings.memberExternalId },
    counter,
  );
  const clients = new DiscoveryClients(access, parts.clientSettings ?? DISCOVERY_RETRY);
  try {
    const report = await discover(new AwsEndpointSource(access, clients, counter), parts.store, {
      regions: settings.regions,
      port: settings.defaultPort,
      concurrency: settings.concurrency,
      dryRun: settings.dryRun,
      now: parts.now ?? (() => new Date()),
    });
    return { report, calls: counter.snapshot(), wallMs: Date.now() - started };
  } finally {
    clients.destroy();
  }
}
