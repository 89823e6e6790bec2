/** ELBv2 for discovery: internet-facing load balancers with their listeners and tags. */
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Endpoint } from '../../discovery/endpoint';
import { tagMap, type ApiCallCounter } from './api-calls';

/** DescribeLoadBalancers pages hold at most 400; DescribeTags takes at most 20 ARNs. */
const PAGE = 400;
const TAG_BATCH = 20;

export class Elbv2Endpoints {
  constructor(
    private readonly client: Pick<ElasticLoadBalancingV2Client, 'send'>,
    private readonly account: string,
    private readonly region: string,
    private readonly counter: ApiCallCounter,
  ) {}

  async loadBalancers(): Promise<Endpoint[]> {
    const balancers: LoadBalancer[] = [];
    let marker: string | undefined;
    do {
      const out = await this.counter.count('ELBv2.DescribeLoadBalancers', () => this.client.send(new DescribeLoadBalancersCommand({ PageSize: PAGE, Marker: marker })));
      balancers.push(...(out.LoadBalancers ?? []).filter((lb) => lb.Scheme === 'internet-facing' && lb.DNSName && lb.LoadBalancerArn));
      marker = out.NextMarker || undefined;
    } while (marker);
    const tags = await this.tags(balancers.map((lb) => lb.LoadBalancerArn as string));
    const endpoints: Endpoint[] = [];
    for (const lb of balancers) {
      const arn = lb.LoadBalancerArn as string;
      const t = tags.get(arn) ?? {};
      endpoints.push({
        host: lb.DNSName as string,
        tags: t,
        origin: {
          account: this.account,
          region: this.region,
          kind: 'load-balancer',
          resourceId: lb.LoadBalancerName ?? arn,
          arn,
          name: t.Name || lb.LoadBalancerName || arn,
          securityGroups: [...(lb.SecurityGroups ?? [])].sort(),
          listeners: await this.listeners(arn),
          ...(lb.Type ? { attachedTo: lb.Type } : {}),
        },
      });
    }
    return endpoints;
  }

  /** `TLS:8883`, `HTTPS:443`: one entry per listener, paginated. */
  private async listeners(arn: string): Promise<string[]> {
    const out: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.counter.count('ELBv2.DescribeListeners', () => this.client.send(new DescribeListenersCommand({ LoadBalancerArn: arn, PageSize: PAGE, Marker: marker })));
      out.push(...(page.Listeners ?? []).map((l) => `${l.Protocol ?? '?'}:${l.Port ?? '?'}`));
      marker = page.NextMarker || undefined;
    } while (marker);
    return out.sort();
  }

  private async tags(arns: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const byArn = new Map<string, Record<string, string>>();
    for (let i = 0; i < arns.length; i += TAG_BATCH) {
      const out = await this.counter.count('ELBv2.DescribeTags', () => this.client.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + TAG_BATCH) })));
      for (const d of out.TagDescriptions ?? []) if (d.ResourceArn) byArn.set(d.ResourceArn, tagMap(d.Tags));
    }
    return byArn;
  }
}
