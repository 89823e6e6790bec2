/**
 * A small AWS organization served by the HTTP stand-in (aws-stand-in.ts) in each service's own wire
 * format: EC2 (query/XML, EC2 flavour), ELBv2 and STS (query/XML), Route 53 (REST/XML), Organizations
 * and CloudTrail (JSON 1.1 with X-Amz-Target). Answers are shaped after the services' documented
 * examples; every list is cut into pages of `pageSize` (NextToken, Marker, IsTruncated) whatever the
 * client asks, and the first N calls of an operation can be throttled, so the real clients' pagination
 * and retry paths run. The account of a request is read from its signature: the home account signs
 * with STAND_IN_CREDENTIALS, a member account with the keys AssumeRole handed out (`ASIA<account>`).
 */
import { jsonAnswer, jsonError, queryXml, queryXmlError, startAwsStandIn, STAND_IN_CREDENTIALS, xmlText, type AwsStandIn, type StandInRequest, type StandInResponse } from './aws-stand-in';

export interface WorldInterface {
  readonly id: string;
  readonly publicIp?: string;
  readonly ipv6?: readonly string[];
  readonly groups: readonly string[];
  readonly instanceId?: string;
  readonly interfaceType?: string;
  readonly tags?: Readonly<Record<string, string>>;
}
export interface WorldAddress {
  readonly allocationId: string;
  readonly publicIp: string;
  readonly networkInterfaceId?: string;
  readonly instanceId?: string;
  readonly tags?: Readonly<Record<string, string>>;
}
export interface WorldBalancer {
  readonly name: string;
  readonly dnsName: string;
  readonly scheme: 'internet-facing' | 'internal';
  readonly groups: readonly string[];
  readonly listeners: readonly { readonly protocol: string; readonly port: number }[];
  readonly tags?: Readonly<Record<string, string>>;
}
export interface WorldRule {
  readonly ruleId: string;
  readonly groupId: string;
  readonly isEgress?: boolean;
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
  readonly referencedGroupId?: string;
  readonly description?: string;
}
export interface WorldTrailEvent {
  readonly groupId: string;
  readonly eventName: string;
  readonly at: string;
  readonly username: string;
  readonly arn: string;
  readonly sourceIp: string;
}
export interface WorldRegion {
  interfaces: WorldInterface[];
  addresses: WorldAddress[];
  balancers: WorldBalancer[];
  rules: WorldRule[];
  trail: WorldTrailEvent[];
  instanceTags?: Record<string, Record<string, string>>;
}
export interface WorldZone {
  readonly id: string;
  readonly name: string;
  readonly private?: boolean;
  readonly records: readonly { readonly name: string; readonly type: string; readonly value?: string; readonly alias?: string }[];
}
export interface WorldAccount {
  readonly id: string;
  readonly name: string;
  regions: Record<string, WorldRegion>;
  zones: WorldZone[];
  /** AssumeRole into this account is refused (AccessDenied), as when the member role is missing. */
  deny?: boolean;
}
export interface World {
  readonly home: string;
  readonly accounts: WorldAccount[];
  readonly roleName: string;
  readonly externalId: string;
  /** Items per page of every list. */
  pageSize: number;
  /** Throttle the first N calls of an operation (`EC2.DescribeNetworkInterfaces`...). */
  throttle: Map<string, number>;
  /** Calls answered, by `Service.Operation` (throttled ones included). */
  readonly calls: Map<string, number>;
  /** Answer CloudTrail with AccessDenied. */
  trailDenied?: boolean;
}

export function emptyRegion(): WorldRegion {
  return { interfaces: [], addresses: [], balancers: [], rules: [], trail: [] };
}

const [EC2_NS, ELB_NS] = ['http://ec2.amazonaws.com/doc/2016-11-15/', 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/'];
const [STS_NS, R53_NS] = ['https://sts.amazonaws.com/doc/2011-06-15/', 'https://route53.amazonaws.com/doc/2013-04-01/'];

const x = (tag: string, value: string | number | boolean | undefined): string => (value === undefined ? '' : `<${tag}>${xmlText(value)}</${tag}>`);
const ec2Tags = (tags: Readonly<Record<string, string>> | undefined): string => `<tagSet>${Object.entries(tags ?? {}).map(([k, v]) => `<item>${x('key', k)}${x('value', v)}</item>`).join('')}</tagSet>`;

/** One page of `items` from the token (an offset as text). */
function page<T>(items: readonly T[], token: string | null, size: number): { items: T[]; next: string | undefined } {
  const start = token ? Number(token) : 0;
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}

/** The access key and region of a signed request (`Credential=KEY/date/region/service/aws4_request`). */
function signer(request: StandInRequest): { key: string; region: string; service: string } {
  const m = /Credential=([^/]+)\/\d+\/([^/]+)\/([^/]+)\//.exec(String(request.headers.authorization ?? ''));
  return { key: m?.[1] ?? '', region: m?.[2] ?? '', service: m?.[3] ?? '' };
}

/** Form values of a query-protocol list (`Prefix.1`, `Prefix.member.1`...). */
function formList(form: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; form.has(`${prefix}.${i}`); i++) out.push(form.get(`${prefix}.${i}`) ?? '');
  return out;
}

export async function startAwsWorld(world: World, other?: (request: StandInRequest) => StandInResponse | null): Promise<AwsStandIn> {
  return startAwsStandIn((request) => other?.(request) ?? answer(world, request));
}

function answer(world: World, request: StandInRequest): StandInResponse {
  const { key, region, service } = signer(request);
  const account = world.accounts.find((a) => (key === STAND_IN_CREDENTIALS.accessKeyId ? a.id === world.home : key === `ASIA${a.id}`));
  const op = `${service}.${request.action ?? restOperation(request)}`;
  world.calls.set(op, (world.calls.get(op) ?? 0) + 1);
  const throttled = world.throttle.get(op) ?? 0;
  if (throttled > 0) {
    world.throttle.set(op, throttled - 1);
    if (service === 'ec2') return queryXmlError('RequestLimitExceeded', 'Request limit exceeded.', { ec2: true, status: 503 });
    if (service === 'organizations') return jsonError('TooManyRequestsException', 'AWS Organizations can\'t complete your request because another request is already in progress.');
    if (service === 'cloudtrail') return jsonError('ThrottlingException', 'Rate exceeded');
    return queryXmlError('Throttling', 'Rate exceeded');
  }
  if (service === 'sts') return sts(world, request);
  if (account === undefined) return queryXmlError('AuthFailure', `unknown access key ${key}`, { status: 401 });
  const size = world.pageSize;
  const r = account.regions[region] ?? emptyRegion();
  switch (op) {
    case 'ec2.DescribeNetworkInterfaces': {
      const ids = formFilter(request.form, 'network-interface-id');
      const all = ids ? r.interfaces.filter((n) => ids.includes(n.id)) : r.interfaces;
      const p = page(all, request.form.get('NextToken'), size);
      const items = p.items
        .map(
          (n) =>
            `<item>${x('networkInterfaceId', n.id)}${x('ownerId', account.id)}${x('interfaceType', n.interfaceType ?? 'interface')}` +
            `<groupSet>${n.groups.map((g) => `<item>${x('groupId', g)}${x('groupName', g)}</item>`).join('')}</groupSet>` +
            (n.instanceId ? `<attachment>${x('instanceId', n.instanceId)}${x('status', 'attached')}</attachment>` : '') +
            (n.publicIp ? `<association>${x('publicIp', n.publicIp)}${x('ipOwnerId', 'amazon')}</association>` : '') +
            `<ipv6AddressesSet>${(n.ipv6 ?? []).map((a) => `<item>${x('ipv6Address', a)}</item>`).join('')}</ipv6AddressesSet>` +
            `${ec2Tags(n.tags)}</item>`,
        )
        .join('');
      return queryXml('DescribeNetworkInterfaces', EC2_NS, `<networkInterfaceSet>${items}</networkInterfaceSet>${x('nextToken', p.next)}`, { ec2: true });
    }
    case 'ec2.DescribeTags': {
      const ids = formFilter(request.form, 'resource-id') ?? [];
      const tags = ids.flatMap((id) => Object.entries(r.instanceTags?.[id] ?? {}).map(([k, v]) => ({ id, k, v })));
      const p = page(tags, request.form.get('NextToken'), size);
      const items = p.items.map((t) => `<item>${x('resourceId', t.id)}${x('resourceType', 'instance')}${x('key', t.k)}${x('value', t.v)}</item>`).join('');
      return queryXml('DescribeTags', EC2_NS, `<tagSet>${items}</tagSet>${x('nextToken', p.next)}`, { ec2: true });
    }
    case 'ec2.DescribeAddresses': {
      const items = r.addresses
        .map((a) => `<item>${x('publicIp', a.publicIp)}${x('allocationId', a.allocationId)}${x('domain', 'vpc')}${x('networkInterfaceId', a.networkInterfaceId)}${x('instanceId', a.instanceId)}${ec2Tags(a.tags)}</item>`)
        .join('');
      return queryXml('DescribeAddresses', EC2_NS, `<addressesSet>${items}</addressesSet>`, { ec2: true });
    }
    case 'ec2.DescribeSecurityGroupRules': {
      const groups = formFilter(request.form, 'group-id') ?? [];
      const p = page(r.rules.filter((rule) => groups.includes(rule.groupId)), request.form.get('NextToken'), size);
      const items = p.items
        .map(
          (rule) =>
            `<item>${x('securityGroupRuleId', rule.ruleId)}${x('groupId', rule.groupId)}${x('groupOwnerId', account.id)}${x('isEgress', rule.isEgress ?? false)}` +
            `${x('ipProtocol', rule.protocol)}${x('fromPort', rule.fromPort)}${x('toPort', rule.toPort)}${x('cidrIpv4', rule.cidrIpv4)}${x('cidrIpv6', rule.cidrIpv6)}` +
            `${x('prefixListId', rule.prefixListId)}${rule.referencedGroupId ? `<referencedGroupInfo>${x('groupId', rule.referencedGroupId)}${x('userId', account.id)}</referencedGroupInfo>` : ''}` +
            `${x('description', rule.description)}</item>`,
        )
        .join('');
      return queryXml('DescribeSecurityGroupRules', EC2_NS, `<securityGroupRuleSet>${items}</securityGroupRuleSet>${x('nextToken', p.next)}`, { ec2: true });
    }
    case 'elasticloadbalancing.DescribeLoadBalancers': {
      const p = page(r.balancers, request.form.get('Marker'), size);
      const arn = (b: WorldBalancer): string => balancerArn(account.id, region, b);
      const items = p.items
        .map(
          (b) =>
            `<member>${x('LoadBalancerArn', arn(b))}${x('DNSName', b.dnsName)}${x('LoadBalancerName', b.name)}${x('Scheme', b.scheme)}${x('Type', 'network')}` +
            `<SecurityGroups>${b.groups.map((g) => x('member', g)).join('')}</SecurityGroups></member>`,
        )
        .join('');
      return queryXml('DescribeLoadBalancers', ELB_NS, `<LoadBalancers>${items}</LoadBalancers>${x('NextMarker', p.next)}`);
    }
    case 'elasticloadbalancing.DescribeListeners': {
      const b = r.balancers.find((lb) => balancerArn(account.id, region, lb) === request.form.get('LoadBalancerArn'));
      const items = (b?.listeners ?? []).map((l, i) => `<member>${x('ListenerArn', `${request.form.get('LoadBalancerArn')}/l${i}`)}${x('Port', l.port)}${x('Protocol', l.protocol)}</member>`).join('');
      return queryXml('DescribeListeners', ELB_NS, `<Listeners>${items}</Listeners>`);
    }
    case 'elasticloadbalancing.DescribeTags': {
      const arns = formList(request.form, 'ResourceArns.member');
      const items = arns
        .map((a) => {
          const b = r.balancers.find((lb) => balancerArn(account.id, region, lb) === a);
          return `<member>${x('ResourceArn', a)}<Tags>${Object.entries(b?.tags ?? {}).map(([k, v]) => `<member>${x('Key', k)}${x('Value', v)}</member>`).join('')}</Tags></member>`;
        })
        .join('');
      return queryXml('DescribeTags', ELB_NS, `<TagDescriptions>${items}</TagDescriptions>`);
    }
    case 'route53.ListHostedZones': {
      const p = page(account.zones, request.query.get('marker'), size);
      const items = p.items
        .map((z) => `<HostedZone>${x('Id', `/hostedzone/${z.id}`)}${x('Name', `${z.name}.`)}${x('CallerReference', z.id)}<Config>${x('PrivateZone', z.private === true)}</Config>${x('ResourceRecordSetCount', z.records.length)}</HostedZone>`)
        .join('');
      const body = `<HostedZones>${items}</HostedZones>${x('Marker', request.query.get('marker') ?? undefined)}${x('IsTruncated', p.next !== undefined)}${x('NextMarker', p.next)}${x('MaxItems', size)}`;
      return { contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?><ListHostedZonesResponse xmlns="${R53_NS}">${body}</ListHostedZonesResponse>` };
    }
    case 'route53.ListResourceRecordSets': {
      const zoneId = /hostedzone\/([^/]+)\/rrset/.exec(request.path)?.[1] ?? '';
      const zone = account.zones.find((z) => z.id === zoneId);
      if (!zone) return { status: 404, contentType: 'text/xml', body: `<ErrorResponse xmlns="${R53_NS}"><Error><Type>Sender</Type><Code>NoSuchHostedZone</Code><Message>No hosted zone found with ID: ${zoneId}</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>` };
      const records = [{ name: `${zone.name}`, type: 'SOA', value: 'ns-1.example.' }, ...zone.records];
      const startName = request.query.get('name');
      const startIndex = startName ? records.findIndex((rec) => `${rec.name}.` === startName && rec.type === request.query.get('type')) : 0;
      const p = page(records, String(Math.max(0, startIndex)), size);
      const items = p.items
        .map(
          (rec) =>
            `<ResourceRecordSet>${x('Name', `${rec.name}.`)}${x('Type', rec.type)}` +
            (rec.alias ? `<AliasTarget>${x('HostedZoneId', 'Z215JYRZR1TBD5')}${x('DNSName', `${rec.alias}.`)}${x('EvaluateTargetHealth', false)}</AliasTarget>` : `${x('TTL', 300)}<ResourceRecords><ResourceRecord>${x('Value', rec.value ?? '')}</ResourceRecord></ResourceRecords>`) +
            `</ResourceRecordSet>`,
        )
        .join('');
      const next = p.next === undefined ? undefined : records[Number(p.next)];
      const tail = next ? `${x('NextRecordName', `${next.name}.`)}${x('NextRecordType', next.type)}` : '';
      return { contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?><ListResourceRecordSetsResponse xmlns="${R53_NS}"><ResourceRecordSets>${items}</ResourceRecordSets>${x('IsTruncated', next !== undefined)}${tail}${x('MaxItems', size)}</ListResourceRecordSetsResponse>` };
    }
    case 'organizations.ListAccounts': {
      const p = page(world.accounts, (request.json as { NextToken?: string } | null)?.NextToken ?? null, size);
      return jsonAnswer({
        Accounts: p.items.map((a) => ({ Id: a.id, Name: a.name, Arn: `arn:aws:organizations::${world.home}:account/o-example/${a.id}`, Email: `${a.id}@example.com`, Status: 'ACTIVE', State: 'ACTIVE' })),
        ...(p.next ? { NextToken: p.next } : {}),
      });
    }
    case 'cloudtrail.LookupEvents': {
      if (world.trailDenied) return jsonError('AccessDeniedException', 'User is not authorized to perform: cloudtrail:LookupEvents');
      const body = request.json as { LookupAttributes?: { AttributeValue?: string }[]; StartTime?: number; NextToken?: string };
      const group = body.LookupAttributes?.[0]?.AttributeValue;
      const since = (body.StartTime ?? 0) * 1000;
      const events = r.trail.filter((e) => e.groupId === group && Date.parse(e.at) >= since);
      const p = page(events, body.NextToken ?? null, size);
      return jsonAnswer({
        Events: p.items.map((e, i) => ({
          EventId: `ev-${i}`,
          EventName: e.eventName,
          EventTime: Date.parse(e.at) / 1000,
          EventSource: 'ec2.amazonaws.com',
          Username: e.username,
          Resources: [{ ResourceType: 'AWS::EC2::SecurityGroup', ResourceName: e.groupId }],
          CloudTrailEvent: JSON.stringify({ eventName: e.eventName, userIdentity: { type: 'AssumedRole', arn: e.arn }, sourceIPAddress: e.sourceIp }),
        })),
        ...(p.next ? { NextToken: p.next } : {}),
      });
    }
  }
  return queryXmlError('InvalidAction', `the stand-in does not answer ${op}`);
}

/** The values of an EC2 `Filter.N.Name=name` filter, or null when the request has none. */
function formFilter(form: URLSearchParams, name: string): string[] | null {
  for (let i = 1; form.has(`Filter.${i}.Name`); i++) if (form.get(`Filter.${i}.Name`) === name) return formList(form, `Filter.${i}.Value`);
  return null;
}

function restOperation(request: StandInRequest): string {
  if (request.path.endsWith('/rrset')) return 'ListResourceRecordSets';
  if (request.path.endsWith('/hostedzone')) return 'ListHostedZones';
  return `${request.method} ${request.path}`;
}

export function balancerArn(account: string, region: string, b: WorldBalancer): string {
  return `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/net/${b.name}/50dc6c495c0c9188`;
}

function sts(world: World, request: StandInRequest): StandInResponse {
  if (request.action === 'GetCallerIdentity') {
    return queryXml('GetCallerIdentity', STS_NS, `${x('Arn', `arn:aws:iam::${world.home}:user/portwatch`)}${x('UserId', 'AIDAEXAMPLE')}${x('Account', world.home)}`);
  }
  if (request.action !== 'AssumeRole') return queryXmlError('InvalidAction', `the stand-in does not answer sts.${request.action}`);
  const arn = request.form.get('RoleArn') ?? '';
  const m = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(arn);
  const account = world.accounts.find((a) => a.id === m?.[1]);
  if (!m || !account || account.deny || m[2] !== world.roleName || request.form.get('ExternalId') !== world.externalId) {
    return queryXmlError('AccessDenied', `User: arn:aws:sts::${world.home}:assumed-role/portwatch is not authorized to perform: sts:AssumeRole on resource: ${arn}`, { status: 403 });
  }
  const expiration = new Date(Date.now() + 3_600_000).toISOString();
  return queryXml(
    'AssumeRole',
    STS_NS,
    `<Credentials>${x('AccessKeyId', `ASIA${account.id}`)}${x('SecretAccessKey', 'stand-in')}${x('SessionToken', 'stand-in-token')}${x('Expiration', expiration)}</Credentials>` +
      `<AssumedRoleUser>${x('Arn', `arn:aws:sts::${account.id}:assumed-role/${world.roleName}/portwatch-discovery`)}${x('AssumedRoleId', 'AROAEXAMPLE:portwatch-discovery')}</AssumedRoleUser>`,
  );
}

/**
 * Starts `make()`'s world before the file's tests and points the SDK at it (endpoints, a region and
 * the home account's stand-in credentials); stops it and restores the environment after them.
 */
export function useAwsWorld(make: () => World, other?: (request: StandInRequest) => StandInResponse | null): () => { world: World; standIn: AwsStandIn } {
  let running: { world: World; standIn: AwsStandIn } | null = null;
  const saved = { ...process.env };
  beforeAll(async () => {
    const world = make();
    const standIn = await startAwsWorld(world, other);
    Object.assign(process.env, standInEnvironment(standIn.endpoint));
    running = { world, standIn };
  });
  afterAll(async () => {
    process.env = saved;
    await running?.standIn.close();
  });
  return () => {
    if (running === null) throw new Error('useAwsWorld: the world runs only inside the tests');
    return running;
  };
}

/** What a process needs to reach the stand-in as the home account: endpoints, region, credentials. */
export function standInEnvironment(endpoint: string): Record<string, string> {
  return { ...endpointVariables(endpoint), AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: STAND_IN_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: STAND_IN_CREDENTIALS.secretAccessKey };
}

/** The SDK's endpoint variables of every service discovery uses, pointed at the stand-in. */
export function endpointVariables(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_EC2: endpoint,
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: endpoint,
    AWS_ENDPOINT_URL_ROUTE_53: endpoint,
    AWS_ENDPOINT_URL_STS: endpoint,
    AWS_ENDPOINT_URL_ORGANIZATIONS: endpoint,
    AWS_ENDPOINT_URL_CLOUDTRAIL: endpoint,
  };
}
