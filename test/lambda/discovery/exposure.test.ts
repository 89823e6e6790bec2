import { admittingRules, revokeCommands, rootCauseOf, type SecurityGroupRule } from '../../../lambda/discovery/exposure';
import type { Origin } from '../../../lambda/monitor/exposure-model';

const rule = (over: Partial<SecurityGroupRule>): SecurityGroupRule => ({ groupId: 'sg-1', ruleId: 'sgr-x', isEgress: false, protocol: 'tcp', fromPort: 8883, toPort: 8883, cidrIpv4: '0.0.0.0/0', ...over });
const origin: Origin = { account: '111122223333', region: 'eu-west-1', kind: 'network-interface', resourceId: 'eni-1', arn: 'arn', name: 'web', securityGroups: ['sg-1', 'sg-2'] };

describe('admittingRules: which rules admit tcp 8883', () => {
  it.each([
    ['tcp 8883 from anywhere', rule({}), 4, true],
    ['a range around it', rule({ fromPort: 8000, toPort: 9000 }), 4, true],
    ['protocol number 6', rule({ protocol: '6' }), 4, true],
    ['all traffic', rule({ protocol: '-1', fromPort: -1, toPort: -1 }), 4, true],
    ['another port', rule({ fromPort: 1883, toPort: 1883 }), 4, false],
    ['udp', rule({ protocol: 'udp' }), 4, false],
    ['an egress rule', rule({ isEgress: true }), 4, false],
    ['an IPv6 source for an IPv4 address', rule({ cidrIpv4: undefined, cidrIpv6: '::/0' }), 4, false],
    ['an IPv6 source for an IPv6 address', rule({ cidrIpv4: undefined, cidrIpv6: '::/0' }), 6, true],
    ['an IPv4 source for a name (either family)', rule({}), 0, true],
    ['a prefix list', rule({ cidrIpv4: undefined, prefixListId: 'pl-1' }), 4, true],
    ['another group', rule({ cidrIpv4: undefined, referencedGroupId: 'sg-9' }), 4, true],
  ] as const)('%s', (_name, r, family, admits) => {
    // Act
    const rules = admittingRules([r], 8883, family);
    // Assess
    expect(rules.length === 1).toBe(admits);
  });

  it('lists the widest sources first and names each source', () => {
    // Act
    const rules = admittingRules(
      [rule({ ruleId: 'sgr-c', cidrIpv4: undefined, referencedGroupId: 'sg-9', referencedAccount: '444455556666' }), rule({ ruleId: 'sgr-b', cidrIpv4: '198.51.100.0/24' }), rule({ ruleId: 'sgr-a' })],
      8883,
    );
    // Assess
    expect(rules.map((r) => [r.ruleId, r.source])).toEqual([
      ['sgr-a', { kind: 'cidr', cidr: '0.0.0.0/0', anywhere: true }],
      ['sgr-b', { kind: 'cidr', cidr: '198.51.100.0/24', anywhere: false }],
      ['sgr-c', { kind: 'security-group', groupId: 'sg-9', account: '444455556666' }],
    ]);
  });
});

describe('revokeCommands and rootCauseOf', () => {
  it('gives one command per group, with every admitting rule of it', () => {
    // Act
    const commands = revokeCommands(admittingRules([rule({ ruleId: 'sgr-1' }), rule({ ruleId: 'sgr-2', fromPort: 0, toPort: 65535 }), rule({ groupId: 'sg-2', ruleId: 'sgr-3' })], 8883), origin);
    // Assess
    expect(commands).toEqual([
      'aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-1 --security-group-rule-ids sgr-1 sgr-2',
      'aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-2 --security-group-rule-ids sgr-3',
    ]);
  });

  it('is partial when CloudTrail could not be read, unavailable without rules, and says when no rule admits the port', () => {
    // Act
    const noTrail = rootCauseOf(origin, 8883, 4, [rule({})], null, '2026-12-01T10:00:00Z', ['CloudTrail not readable']);
    const noRules = rootCauseOf(origin, 8883, 4, null, null, '2026-12-01T10:00:00Z', ['rules not readable']);
    const closedGroups = rootCauseOf(origin, 8883, 4, [rule({ fromPort: 22, toPort: 22 })], [], '2026-12-01T10:00:00Z', []);
    // Assess
    expect([noTrail.status, noRules.status, closedGroups.status]).toEqual(['partial', 'unavailable', 'partial']);
    expect(closedGroups.notes).toEqual(['no ingress rule of sg-1, sg-2 admits tcp 8883: the port may be open through a group changed since the probe, or a network ACL/firewall']);
    expect(closedGroups.remediation).toEqual([]);
  });

  it('keeps the changes of the admitting groups within 24 h of the alert, newest first', () => {
    // Prepare
    const change = (groupId: string, at: string) => ({ groupId, eventName: 'AuthorizeSecurityGroupIngress', at, who: 'alice', sourceIp: null });
    // Act
    const rc = rootCauseOf(origin, 8883, 4, [rule({})], [change('sg-1', '2026-12-01T01:00:00Z'), change('sg-1', '2026-12-01T09:00:00Z'), change('sg-1', '2026-11-29T09:00:00Z'), change('sg-2', '2026-12-01T09:30:00Z')], '2026-12-01T10:00:00Z', []);
    // Assess
    expect(rc.changes.map((c) => c.at)).toEqual(['2026-12-01T09:00:00Z', '2026-12-01T01:00:00Z']);
    expect(rc.status).toBe('complete');
  });
});
