/** Sample AWS organizations for the stand-in (aws-world.ts): a small one with each kind of endpoint and failure, and a large one for scale runs. */
import { emptyRegion, type World, type WorldAccount, type WorldRegion } from './aws-world';

export const HOME = '111122223333';
export const MEMBER = '444455556666';
export const DENIED = '777788889999';
export const ROLE = 'portwatch-discovery-read';
export const EXTERNAL_ID = 'portwatch-example-external-id';

/**
 * Three accounts: home (a web instance with an interface open to the world and an Elastic IP, an
 * instance tagged `portwatch:expect=open`, an internet-facing and an internal balancer, a public
 * zone), a member (one Fargate task interface), and one whose member role is missing.
 */
export function sampleWorld(): World {
  const home: WorldRegion = {
    ...emptyRegion(),
    interfaces: [
      { id: 'eni-0a1b2c3d4e5f00001', publicIp: '203.0.113.10', groups: ['sg-0web'], instanceId: 'i-0web1', tags: {} },
      { id: 'eni-0a1b2c3d4e5f00002', publicIp: '203.0.113.20', ipv6: ['2001:db8::20'], groups: ['sg-0broker'], instanceId: 'i-0broker', tags: {} },
      { id: 'eni-0a1b2c3d4e5f00003', groups: ['sg-0web'], instanceId: 'i-0private' },
    ],
    instanceTags: { 'i-0web1': { Name: 'web-1', team: 'shop' }, 'i-0broker': { Name: 'broker', 'portwatch:expect': 'open' } },
    addresses: [
      { allocationId: 'eipalloc-0001', publicIp: '203.0.113.10', networkInterfaceId: 'eni-0a1b2c3d4e5f00001', instanceId: 'i-0web1', tags: { env: 'prod' } },
      { allocationId: 'eipalloc-0002', publicIp: '203.0.113.30', tags: { Name: 'spare' } },
    ],
    balancers: [
      { name: 'mqtt-nlb', dnsName: 'mqtt-nlb-1234.elb.eu-west-1.amazonaws.com', scheme: 'internet-facing', groups: ['sg-0nlb'], listeners: [{ protocol: 'TLS', port: 8883 }], tags: { 'portwatch:expect': 'open' } },
      { name: 'internal-nlb', dnsName: 'internal-nlb-1.elb.eu-west-1.amazonaws.com', scheme: 'internal', groups: [], listeners: [] },
    ],
    rules: [
      { ruleId: 'sgr-0world8883', groupId: 'sg-0web', protocol: 'tcp', fromPort: 8883, toPort: 8883, cidrIpv4: '0.0.0.0/0', description: 'demo' },
      { ruleId: 'sgr-0world6', groupId: 'sg-0web', protocol: 'tcp', fromPort: 8000, toPort: 9000, cidrIpv6: '::/0' },
      { ruleId: 'sgr-0ssh', groupId: 'sg-0web', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '198.51.100.0/24' },
      { ruleId: 'sgr-0egress', groupId: 'sg-0web', isEgress: true, protocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' },
    ],
    trail: [
      { groupId: 'sg-0web', eventName: 'AuthorizeSecurityGroupIngress', at: '2026-12-01T09:12:00.000Z', username: 'alice', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', sourceIp: '198.51.100.7' },
      { groupId: 'sg-0web', eventName: 'AuthorizeSecurityGroupIngress', at: '2026-11-20T09:00:00.000Z', username: 'bob', arn: 'arn:aws:iam::111122223333:user/bob', sourceIp: '198.51.100.8' },
    ],
  };
  const member: WorldRegion = {
    ...emptyRegion(),
    interfaces: [{ id: 'eni-0f00000000000task', publicIp: '198.51.100.44', groups: ['sg-0task'], interfaceType: 'interface', tags: { 'aws:ecs:serviceName': 'ingest', Name: 'ingest-task' } }],
  };
  return {
    home: HOME,
    roleName: ROLE,
    externalId: EXTERNAL_ID,
    pageSize: 2,
    throttle: new Map(),
    calls: new Map(),
    accounts: [
      {
        id: HOME,
        name: 'portwatch',
        regions: { 'eu-west-1': home },
        zones: [
          { id: 'Z0PUBLIC', name: 'example.com', records: [{ name: 'broker.example.com', type: 'A', value: '203.0.113.20' }, { name: 'mqtt.example.com', type: 'A', alias: 'mqtt-nlb-1234.elb.eu-west-1.amazonaws.com' }, { name: '\\052.example.com', type: 'A', value: '203.0.113.40' }, { name: 'www.example.com', type: 'CNAME', value: 'example.com' }] },
          { id: 'Z0PRIVATE', name: 'corp.internal', private: true, records: [{ name: 'db.corp.internal', type: 'A', value: '10.0.0.5' }] },
        ],
      },
      { id: MEMBER, name: 'workloads', regions: { 'eu-west-1': member }, zones: [] },
      { id: DENIED, name: 'sandbox', regions: {}, zones: [], deny: true },
    ],
  };
}

/**
 * An organization for scale runs: `accounts` accounts (the first is home), each with `interfaces`
 * public interfaces (IPv6 addresses in 2001:db8::/32, each on a tagged instance behind one group),
 * two internet-facing load balancers with two listeners, and a public zone of 20 AAAA names.
 * Pages of 1000 items, as EC2's MaxResults.
 */
export function scaleWorld(accounts: number, interfaces: number): World {
  const list: WorldAccount[] = [];
  for (let a = 0; a < accounts; a++) {
    const id = String(100000000000 + a);
    const region: WorldRegion = { ...emptyRegion(), instanceTags: {} };
    for (let i = 0; i < interfaces; i++) {
      const instance = `i-${a.toString(16)}x${i.toString(16)}`;
      region.interfaces.push({ id: `eni-${a.toString(16)}x${i.toString(16)}`, ipv6: [`2001:db8:${a.toString(16)}::${i.toString(16)}`], groups: [`sg-${a}web`], instanceId: instance });
      (region.instanceTags as Record<string, Record<string, string>>)[instance] = { Name: `node-${i}`, team: `team-${i % 7}` };
    }
    for (let b = 0; b < 2; b++) {
      region.balancers.push({ name: `lb-${a}-${b}`, dnsName: `lb-${a}-${b}.elb.eu-west-1.amazonaws.com`, scheme: 'internet-facing', groups: [`sg-${a}lb`], listeners: [{ protocol: 'TLS', port: 8883 }, { protocol: 'TCP', port: 443 }] });
    }
    const records = Array.from({ length: 20 }, (_, r) => ({ name: `host-${r}.a${a}.example.com`, type: 'AAAA', value: `2001:db8:${a.toString(16)}::${r.toString(16)}` }));
    list.push({ id, name: `account-${a}`, regions: { 'eu-west-1': region }, zones: [{ id: `Z${a}`, name: `a${a}.example.com`, records }] });
  }
  return { home: list[0]?.id ?? HOME, accounts: list, roleName: ROLE, externalId: EXTERNAL_ID, pageSize: 1000, throttle: new Map(), calls: new Map() };
}
