/** EC2 for discovery and root causes: public network interfaces (with their instance's tags), Elastic IPs, and the rules of security groups. */
import {
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeTagsCommand,
  type EC2Client,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { Endpoint } from '../../discovery/endpoint';
import type { SecurityGroupRule } from '../../discovery/exposure';
import type { Origin } from '../../monitor/exposure-model';
import { tagMap, type ApiCallCounter } from './api-calls';

/** EC2's largest page for these calls. */
const PAGE = 1000;
/** Values one filter takes (EC2 allows 200 per filter). */
const FILTER_VALUES = 200;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class Ec2Endpoints {
  constructor(
    private readonly client: Pick<EC2Client, 'send'>,
    private readonly account: string,
    private readonly region: string,
    private readonly counter: ApiCallCounter,
  ) {}

  /** Every interface with a public IPv4 association (primary or secondary) or an IPv6 address, one endpoint per address. */
  async interfaces(): Promise<Endpoint[]> {
    const found: NetworkInterface[] = [];
    let token: string | undefined;
    do {
      const out = await this.counter.count('EC2.DescribeNetworkInterfaces', () => this.client.send(new DescribeNetworkInterfacesCommand({ MaxResults: PAGE, NextToken: token })));
      found.push(...(out.NetworkInterfaces ?? []).filter((n) => publicAddresses(n).length > 0));
      token = out.NextToken || undefined;
    } while (token);
    // A user tags the instance, not its interface: its tags apply, the interface's own win.
    const instanceTags = await this.tagsOf([...new Set(found.flatMap((n) => n.Attachment?.InstanceId ?? []))]);
    return found.flatMap((n) => {
      const id = n.NetworkInterfaceId ?? '';
      const tags = { ...(instanceTags.get(n.Attachment?.InstanceId ?? '') ?? {}), ...tagMap(n.TagSet) };
      const attachedTo = n.Attachment?.InstanceId ?? n.InterfaceType ?? n.RequesterId;
      const origin: Origin = {
        account: this.account,
        region: this.region,
        kind: 'network-interface',
        resourceId: id,
        arn: `arn:aws:ec2:${this.region}:${this.account}:network-interface/${id}`,
        name: tags.Name || n.Attachment?.InstanceId || n.Description || id,
        securityGroups: (n.Groups ?? []).flatMap((g) => g.GroupId ?? []).sort(),
        ...(attachedTo ? { attachedTo } : {}),
      };
      return publicAddresses(n).map((host) => ({ host, origin, tags }));
    });
  }

  /** Every Elastic IP of the region; an associated one names the interface and instance it is on. */
  async addresses(): Promise<Endpoint[]> {
    const out = await this.counter.count('EC2.DescribeAddresses', () => this.client.send(new DescribeAddressesCommand({})));
    return (out.Addresses ?? []).flatMap((a) => {
      if (!a.PublicIp || !a.AllocationId) return [];
      const tags = tagMap(a.Tags);
      const attachedTo = a.InstanceId || a.NetworkInterfaceId;
      const origin: Origin = {
        account: this.account,
        region: this.region,
        kind: 'elastic-ip',
        resourceId: a.AllocationId,
        arn: `arn:aws:ec2:${this.region}:${this.account}:elastic-ip/${a.AllocationId}`,
        name: tags.Name || a.PublicIp,
        securityGroups: [],
        ...(attachedTo ? { attachedTo } : {}),
      };
      return [{ host: a.PublicIp, origin, tags }];
    });
  }

  /** Tags of many resources, 200 ids per filter, paginated. */
  private async tagsOf(ids: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const byId = new Map<string, Record<string, string>>();
    for (const chunk of chunks(ids, FILTER_VALUES)) {
      let token: string | undefined;
      do {
        const out = await this.counter.count('EC2.DescribeTags', () =>
          this.client.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: chunk }], MaxResults: PAGE, NextToken: token })),
        );
        for (const t of out.Tags ?? []) {
          if (!t.ResourceId || t.Key === undefined) continue;
          byId.set(t.ResourceId, { ...(byId.get(t.ResourceId) ?? {}), [t.Key]: t.Value ?? '' });
        }
        token = out.NextToken || undefined;
      } while (token);
    }
    return byId;
  }

  /** The current security groups of an interface (they may have changed since discovery); null when it is gone. */
  async groupsOf(interfaceId: string): Promise<string[] | null> {
    const out = await this.counter.count('EC2.DescribeNetworkInterfaces', () =>
      this.client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: [interfaceId] }] })),
    );
    const eni = out.NetworkInterfaces?.[0];
    return eni ? (eni.Groups ?? []).flatMap((g) => g.GroupId ?? []).sort() : null;
  }

  /** Every rule of the groups (ingress and egress), paginated. */
  async rules(groupIds: readonly string[]): Promise<SecurityGroupRule[]> {
    const rules: SecurityGroupRule[] = [];
    for (const chunk of chunks(groupIds, FILTER_VALUES)) {
      let token: string | undefined;
      do {
        const out = await this.counter.count('EC2.DescribeSecurityGroupRules', () =>
          this.client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: chunk }], MaxResults: PAGE, NextToken: token })),
        );
        for (const r of out.SecurityGroupRules ?? []) {
          if (!r.GroupId || !r.SecurityGroupRuleId) continue;
          rules.push({
            groupId: r.GroupId,
            ruleId: r.SecurityGroupRuleId,
            isEgress: r.IsEgress === true,
            protocol: r.IpProtocol ?? '-1',
            fromPort: r.FromPort ?? null,
            toPort: r.ToPort ?? null,
            ...(r.CidrIpv4 ? { cidrIpv4: r.CidrIpv4 } : {}),
            ...(r.CidrIpv6 ? { cidrIpv6: r.CidrIpv6 } : {}),
            ...(r.PrefixListId ? { prefixListId: r.PrefixListId } : {}),
            ...(r.ReferencedGroupInfo?.GroupId ? { referencedGroupId: r.ReferencedGroupInfo.GroupId } : {}),
            ...(r.ReferencedGroupInfo?.UserId ? { referencedAccount: r.ReferencedGroupInfo.UserId } : {}),
            ...(r.Description ? { description: r.Description } : {}),
          });
        }
        token = out.NextToken || undefined;
      } while (token);
    }
    return rules;
  }
}

/** The public addresses of an interface: its IPv4 associations and its IPv6 addresses (globally routable in AWS). */
function publicAddresses(n: NetworkInterface): string[] {
  const v4 = [n.Association?.PublicIp, ...(n.PrivateIpAddresses ?? []).map((p) => p.Association?.PublicIp)];
  const v6 = (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address);
  return [...new Set([...v4, ...v6].filter((a): a is string => typeof a === 'string' && a !== ''))];
}
