/**
 * The read-only API actions discovery and the root-cause lookup call, listed once: the discovery
 * function and the prober hold them in the portwatch account, the member role in every other one.
 * None of them supports resource-level permissions (the service authorization reference lists no
 * resource type for them), so each statement has Resource "*"; each is a Describe, List or Lookup.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { REPROBE_EVENTS } from '../../../lambda/discovery/reprobe';

/** What discovery reads in an account (adapters: ec2-endpoints, elbv2-endpoints, route53-endpoints). */
export const DISCOVERY_READ_ACTIONS = [
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeAddresses',
  'ec2:DescribeTags',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeTags',
  'route53:ListHostedZones',
  'route53:ListResourceRecordSets',
] as const;

/** What the root-cause lookup reads (aws-root-cause.ts): an interface's groups, their rules, who changed them. */
export const ROOT_CAUSE_READ_ACTIONS = ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroupRules', 'cloudtrail:LookupEvents'] as const;

export function readStatement(actions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: [...new Set(actions)], resources: ['*'] });
}

/** Only the member role, by name, in any account: the name is the contract (discovery-env.ts). */
export function assumeMemberRoleStatement(roleName: string): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [`arn:aws:iam::*:role/${roleName}`] });
}

/** The EventBridge pattern of the changes that trigger a re-probe (CloudTrail management events). */
export function reprobeEventPattern(): { source: string[]; detailType: string[]; detail: { eventName: string[] } } {
  return {
    source: Object.keys(REPROBE_EVENTS),
    detailType: ['AWS API Call via CloudTrail'],
    detail: { eventName: Object.values(REPROBE_EVENTS).flat() },
  };
}

export const IAM5_READ_REASON =
  'Describe/List/LookupEvents actions of EC2, ELBv2, Route 53, Organizations and CloudTrail support no resource-level permissions ' +
  '(the service authorization reference lists no resource type for them): AWS requires Resource "*". Every action is read-only ' +
  '(asserted in test/lib); sts:AssumeRole is limited to the member role by name.';
