/**
 * The RootCauseLookup on AWS: the resource's current security groups, their rules (EC2
 * DescribeSecurityGroupRules) and their changes in the last 24 h (CloudTrail LookupEvents), read in
 * the resource's account through the member role. Each part that cannot be read becomes a note.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { isIP } from 'node:net';
import { admittingRules, rootCauseOf, type SecurityGroupRule } from '../../discovery/exposure';
import type { RootCauseLookup } from '../../monitor/dependencies';
import type { GroupChange, Origin, RootCause } from '../../monitor/exposure-model';
import { AccountAccess, callerAccount } from './account-access';
import { ApiCallCounter, DISCOVERY_RETRY } from './api-calls';
import { DiscoveryClients, type ClientSettings } from './aws-endpoint-source';
import { CloudTrailChanges } from './cloudtrail-changes';
import { Ec2Endpoints } from './ec2-endpoints';

const DAY_MS = 24 * 3_600_000;

export interface AwsRootCauseOptions {
  readonly roleName: string;
  readonly externalId: string | null;
  /** @default DISCOVERY_RETRY */
  readonly clientSettings?: ClientSettings;
  /** The prober's own account; @default - asked of STS once (GetCallerIdentity) */
  readonly homeAccount?: string;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
}

export class AwsRootCause implements RootCauseLookup {
  readonly counter = new ApiCallCounter();
  private clients: Promise<DiscoveryClients> | null = null;

  constructor(
    private readonly sts: Pick<STSClient, 'send'>,
    private readonly options: AwsRootCauseOptions,
  ) {}

  async explain(origin: Origin, host: string, port: number, at: string): Promise<RootCause> {
    const family = isIP(host) as 0 | 4 | 6;
    const clients = await this.clientsOnce();
    const ec2 = new Ec2Endpoints(clients.ec2(origin.account, origin.region), origin.account, origin.region, this.counter);
    const notes: string[] = [];
    let groups = origin.securityGroups;
    if (origin.kind === 'network-interface') {
      try {
        const now = await ec2.groupsOf(origin.resourceId);
        if (now === null) notes.push(`network interface ${origin.resourceId} no longer exists; the groups recorded at discovery are shown`);
        else groups = now;
      } catch (err) {
        notes.push(`current groups of ${origin.resourceId} not readable (${reasonOf(err)}); the groups recorded at discovery are shown`);
      }
    }
    const current: Origin = { ...origin, securityGroups: groups };
    let rules: SecurityGroupRule[] | null = [];
    if (groups.length > 0) {
      try {
        rules = await ec2.rules(groups);
      } catch (err) {
        rules = null;
        notes.push(`security group rules not readable: ${reasonOf(err)}`);
      }
    }
    let changes: GroupChange[] | null = [];
    const admitting = rules === null ? [] : [...new Set(admittingRules(rules, port, family).map((r) => r.groupId))];
    if (admitting.length > 0) {
      try {
        const trail = new CloudTrailChanges(clients.cloudtrail(origin.account, origin.region), this.counter);
        changes = await trail.changes(admitting, new Date(Date.parse(at) - DAY_MS));
      } catch (err) {
        changes = null;
        notes.push(`CloudTrail not readable, so who changed the group is unknown: ${reasonOf(err)}`);
      }
    }
    return rootCauseOf(current, port, family, rules, changes, at, notes);
  }

  private clientsOnce(): Promise<DiscoveryClients> {
    this.clients ??= (async () => {
      const home = this.options.homeAccount ?? (await callerAccount(this.sts, this.counter));
      const access = new AccountAccess(this.sts, null, { homeAccount: home, accounts: [], memberRoleName: this.options.roleName, externalId: this.options.externalId }, this.counter);
      return new DiscoveryClients(access, this.options.clientSettings ?? DISCOVERY_RETRY);
    })();
    // A failed first attempt (STS unreachable) is tried again by the next alert.
    this.clients.catch(() => {
      this.clients = null;
    });
    return this.clients;
  }
}
