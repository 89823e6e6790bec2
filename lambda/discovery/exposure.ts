/** The root-cause rules: which security-group rules admit a port and from where, who changed those groups, and the command that revokes them. */
import type { AdmittingRule, GroupChange, Origin, RootCause, RuleSource } from '../monitor/exposure-model';

/** A security-group rule as EC2 DescribeSecurityGroupRules reports it. */
export interface SecurityGroupRule {
  readonly groupId: string;
  readonly ruleId: string;
  readonly isEgress: boolean;
  /** `tcp`, `udp`, `icmp`, `-1` (all), or a protocol number (`6` is tcp). */
  readonly protocol: string;
  /** -1 (or absent) with protocol -1: every port. */
  readonly fromPort: number | null;
  readonly toPort: number | null;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
  readonly referencedGroupId?: string;
  readonly referencedAccount?: string;
  readonly description?: string;
}

/** Security-group changes CloudTrail records that can open or close a port. */
export const GROUP_CHANGE_EVENTS: readonly string[] = ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules', 'RevokeSecurityGroupIngress', 'CreateSecurityGroup', 'ModifyNetworkInterfaceAttribute'];

const ALL_PORTS = (r: SecurityGroupRule): boolean => r.protocol === '-1' || r.fromPort === null || r.fromPort === -1;

function portsText(r: SecurityGroupRule): string {
  if (r.protocol === '-1') return 'all traffic';
  if (ALL_PORTS(r)) return `${r.protocol} all ports`;
  return r.fromPort === r.toPort ? `${r.protocol} ${r.fromPort}` : `${r.protocol} ${r.fromPort}-${r.toPort}`;
}

function sourceOf(r: SecurityGroupRule): RuleSource | null {
  if (r.cidrIpv4 !== undefined) return { kind: 'cidr', cidr: r.cidrIpv4, anywhere: r.cidrIpv4 === '0.0.0.0/0' };
  if (r.cidrIpv6 !== undefined) return { kind: 'cidr', cidr: r.cidrIpv6, anywhere: r.cidrIpv6 === '::/0' };
  if (r.prefixListId !== undefined) return { kind: 'prefix-list', prefixListId: r.prefixListId };
  if (r.referencedGroupId !== undefined) return { kind: 'security-group', groupId: r.referencedGroupId, account: r.referencedAccount ?? null };
  return null;
}

/**
 * The ingress rules that admit TCP `port`: tcp (or 6) with the port in range, or all traffic; for an
 * address of one family (4 or 6) only the CIDRs of that family (0: a name, both). Widest sources first.
 */
export function admittingRules(rules: readonly SecurityGroupRule[], port: number, family: 0 | 4 | 6 = 0): AdmittingRule[] {
  const admits = (r: SecurityGroupRule): boolean => {
    if (r.isEgress) return false;
    if ((family === 4 && r.cidrIpv6 !== undefined) || (family === 6 && r.cidrIpv4 !== undefined)) return false;
    if (r.protocol === '-1') return true;
    if (r.protocol !== 'tcp' && r.protocol !== '6') return false;
    return ALL_PORTS(r) || ((r.fromPort ?? 0) <= port && port <= (r.toPort ?? 65535));
  };
  const rank = (s: RuleSource): number => (s.kind === 'cidr' && s.anywhere ? 0 : s.kind === 'cidr' ? 1 : s.kind === 'prefix-list' ? 2 : 3);
  return rules
    .filter(admits)
    .flatMap((r) => {
      const source = sourceOf(r);
      return source === null ? [] : [{ groupId: r.groupId, ruleId: r.ruleId, ports: portsText({ ...r, protocol: r.protocol === '6' ? 'tcp' : r.protocol }), source, description: r.description ?? null }];
    })
    .sort((a, b) => rank(a.source) - rank(b.source) || a.groupId.localeCompare(b.groupId) || a.ruleId.localeCompare(b.ruleId));
}

/** `0.0.0.0/0 (anywhere)`, `prefix list pl-...`, `security group sg-... (account 1234)`. */
export function sourceText(source: RuleSource): string {
  switch (source.kind) {
    case 'cidr':
      return source.anywhere ? `${source.cidr} (anywhere)` : source.cidr;
    case 'prefix-list':
      return `prefix list ${source.prefixListId}`;
    case 'security-group':
      return `security group ${source.groupId}${source.account ? ` (account ${source.account})` : ''}`;
  }
}

/**
 * One ready `aws ec2 revoke-security-group-ingress` per group (rule ids are per group), in the
 * resource's region. It runs with credentials of the resource's account, which the command cannot name.
 */
export function revokeCommands(rules: readonly AdmittingRule[], origin: Origin): string[] {
  const byGroup = new Map<string, string[]>();
  for (const r of rules) byGroup.set(r.groupId, [...(byGroup.get(r.groupId) ?? []), r.ruleId]);
  return [...byGroup].map(
    ([group, ids]) => `aws ec2 revoke-security-group-ingress --region ${origin.region} --group-id ${group} --security-group-rule-ids ${[...new Set(ids)].join(' ')}`,
  );
}

/** The changes of the admitting groups within `windowMs` before `at`, newest first; other groups' events are dropped. */
export function relevantChanges(changes: readonly GroupChange[], rules: readonly AdmittingRule[], at: string, windowMs = 24 * 3_600_000): GroupChange[] {
  const groups = new Set(rules.map((r) => r.groupId));
  const end = Date.parse(at);
  return changes
    .filter((c) => groups.has(c.groupId) && Date.parse(c.at) <= end + 60_000 && Date.parse(c.at) >= end - windowMs)
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

/** Assembles the root cause from what could be read; `notes` say what could not, and set the status. */
export function rootCauseOf(
  origin: Origin,
  port: number,
  family: 0 | 4 | 6,
  rules: readonly SecurityGroupRule[] | null,
  changes: readonly GroupChange[] | null,
  at: string,
  notes: readonly string[],
): RootCause {
  const admitting = rules === null ? [] : admittingRules(rules, port, family);
  const all = [...notes];
  if (rules !== null && admitting.length === 0) {
    all.push(
      origin.securityGroups.length === 0
        ? `no security group guards this ${origin.kind} (a Network Load Balancer without groups, or an address that moved): check its listeners and the target's own firewall`
        : `no ingress rule of ${origin.securityGroups.join(', ')} admits tcp ${port}: the port may be open through a group changed since the probe, or a network ACL/firewall`,
    );
  }
  const status = rules === null ? 'unavailable' : changes === null || all.length > 0 ? 'partial' : 'complete';
  return {
    status,
    origin,
    port,
    rules: admitting,
    changes: changes === null ? [] : relevantChanges(changes, admitting, at),
    remediation: revokeCommands(admitting, origin),
    notes: all,
  };
}
