/**
 * Discovery's EndpointSource on AWS: the accounts from AccountAccess, and per account and region the
 * EC2, ELBv2 and Route 53 adapters on clients signed with that account's credentials. The clients
 * take their endpoints from the SDK's standard variables (AWS_ENDPOINT_URL_EC2 and the like): no
 * `endpoint` is set here, so tests and private endpoints reach them the same way.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { AccountRef, Endpoint, EndpointSource } from '../../discovery/endpoint';
import type { AccountAccess } from './account-access';
import { DISCOVERY_RETRY, type ApiCallCounter } from './api-calls';
import { Ec2Endpoints } from './ec2-endpoints';
import { Elbv2Endpoints } from './elbv2-endpoints';
import { Route53Endpoints } from './route53-endpoints';

/** Settings every client gets besides region and credentials (tests pass a quick retry strategy here). */
export type ClientSettings = Readonly<Record<string, unknown>>;

interface Destroyable {
  destroy(): void;
}

/** One client per service, account and region, made on first use and destroyed together. */
export class DiscoveryClients {
  private readonly made = new Map<string, Destroyable>();

  constructor(
    private readonly access: AccountAccess,
    private readonly settings: ClientSettings = DISCOVERY_RETRY,
  ) {}

  ec2(account: string, region: string): EC2Client {
    return this.client(`ec2/${account}/${region}`, (credentials) => new EC2Client({ ...this.settings, region, ...credentials }), account);
  }

  elbv2(account: string, region: string): ElasticLoadBalancingV2Client {
    return this.client(`elbv2/${account}/${region}`, (credentials) => new ElasticLoadBalancingV2Client({ ...this.settings, region, ...credentials }), account);
  }

  /** Route 53 is global; its API lives in us-east-1. */
  route53(account: string): Route53Client {
    return this.client(`route53/${account}`, (credentials) => new Route53Client({ ...this.settings, region: 'us-east-1', ...credentials }), account);
  }

  cloudtrail(account: string, region: string): CloudTrailClient {
    return this.client(`cloudtrail/${account}/${region}`, (credentials) => new CloudTrailClient({ ...this.settings, region, ...credentials }), account);
  }

  destroy(): void {
    for (const c of this.made.values()) c.destroy();
    this.made.clear();
  }

  private client<T extends Destroyable>(key: string, make: (credentials: { credentials?: AwsCredentialIdentityProvider }) => T, account: string): T {
    const existing = this.made.get(key);
    if (existing) return existing as T;
    const provider = this.access.credentialsFor(account);
    const client = make(provider ? { credentials: provider } : {});
    this.made.set(key, client);
    return client;
  }
}

export class AwsEndpointSource implements EndpointSource {
  constructor(
    private readonly access: AccountAccess,
    private readonly clients: DiscoveryClients,
    private readonly counter: ApiCallCounter,
  ) {}

  accounts(): Promise<readonly AccountRef[]> {
    return this.access.accounts();
  }

  async regional(account: AccountRef, region: string): Promise<readonly Endpoint[]> {
    const ec2 = new Ec2Endpoints(this.clients.ec2(account.id, region), account.id, region, this.counter);
    const elbv2 = new Elbv2Endpoints(this.clients.elbv2(account.id, region), account.id, region, this.counter);
    const [interfaces, addresses, balancers] = await Promise.all([ec2.interfaces(), ec2.addresses(), elbv2.loadBalancers()]);
    return [...interfaces, ...addresses, ...balancers];
  }

  dns(account: AccountRef): Promise<readonly Endpoint[]> {
    return new Route53Endpoints(this.clients.route53(account.id), account.id, this.counter).names();
  }
}
