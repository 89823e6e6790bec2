/** Route 53 for discovery: the A, AAAA and alias names of the account's public hosted zones (the names clients use). */
import { ListHostedZonesCommand, ListResourceRecordSetsCommand, type HostedZone, type Route53Client } from '@aws-sdk/client-route-53';
import { GLOBAL_REGION, type Endpoint } from '../../discovery/endpoint';
import type { ApiCallCounter } from './api-calls';

/** Record types that name an address (an alias A/AAAA names a load balancer, a distribution...). */
const ADDRESS_TYPES = new Set(['A', 'AAAA']);

export class Route53Endpoints {
  constructor(
    private readonly client: Pick<Route53Client, 'send'>,
    private readonly account: string,
    private readonly counter: ApiCallCounter,
  ) {}

  async names(): Promise<Endpoint[]> {
    const zones: HostedZone[] = [];
    let marker: string | undefined;
    do {
      const out = await this.counter.count('Route53.ListHostedZones', () => this.client.send(new ListHostedZonesCommand({ Marker: marker })));
      zones.push(...(out.HostedZones ?? []).filter((z) => z.Config?.PrivateZone !== true && z.Id));
      marker = out.IsTruncated ? out.NextMarker : undefined;
    } while (marker);
    const endpoints: Endpoint[] = [];
    for (const zone of zones) endpoints.push(...(await this.records(zone)));
    return endpoints;
  }

  private async records(zone: HostedZone): Promise<Endpoint[]> {
    const zoneId = (zone.Id as string).replace(/^\/hostedzone\//, '');
    const endpoints: Endpoint[] = [];
    let start: { StartRecordName?: string; StartRecordType?: string; StartRecordIdentifier?: string } = {};
    for (;;) {
      const out = await this.counter.count('Route53.ListResourceRecordSets', () =>
        this.client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...(start as object) })),
      );
      for (const r of out.ResourceRecordSets ?? []) {
        if (!r.Name || !r.Type || !ADDRESS_TYPES.has(r.Type)) continue;
        // Route 53 writes `*` as the octal escape \052 in names it returns.
        const name = r.Name.replace(/\.$/, '').replace(/\\052/g, '*');
        const alias = r.AliasTarget?.DNSName?.replace(/\.$/, '').toLowerCase();
        const values = alias ? [alias] : (r.ResourceRecords ?? []).flatMap((v) => v.Value ?? []);
        endpoints.push({
          host: name,
          tags: {},
          pointsTo: values,
          origin: {
            account: this.account,
            region: GLOBAL_REGION,
            kind: 'dns-record',
            resourceId: `${zoneId}/${name}/${r.Type}${r.SetIdentifier ? `/${r.SetIdentifier}` : ''}`,
            arn: `arn:aws:route53:::hostedzone/${zoneId}`,
            name,
            securityGroups: [],
            ...(alias ? { attachedTo: alias } : {}),
          },
        });
      }
      if (!out.IsTruncated) break;
      start = { StartRecordName: out.NextRecordName, StartRecordType: out.NextRecordType, ...(out.NextRecordIdentifier ? { StartRecordIdentifier: out.NextRecordIdentifier } : {}) };
    }
    return endpoints;
  }
}
