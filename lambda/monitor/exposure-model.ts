/**
 * Plain records of where a discovered target comes from (its origin in an AWS account) and why it is
 * exposed (the root cause of an opening alert), as types only: model.ts, the discovery rules, the
 * root-cause lookup and the alert text share them without importing each other.
 */

/** The kinds of public endpoint discovery finds. */
export type OriginKind = 'network-interface' | 'elastic-ip' | 'load-balancer' | 'dns-record';

/** A Targets item written by discovery carries this `origin`; items without it are the user's and are never changed by discovery. */
export interface Origin {
  readonly account: string;
  /** AWS region, or `global` for Route 53 names. */
  readonly region: string;
  readonly kind: OriginKind;
  /** `eni-...`, `eipalloc-...`, the load balancer name, or `ZONEID/name/type` for a record. */
  readonly resourceId: string;
  readonly arn: string;
  /** The resource's Name tag, or what best names it (instance id, load balancer name, record name). */
  readonly name: string;
  /** Security groups guarding the resource (none for an unassociated Elastic IP or a DNS record). */
  readonly securityGroups: readonly string[];
  /** The instance, task or service behind a network interface, when AWS says (`i-...`, `nat_gateway`, `ecs`...). */
  readonly attachedTo?: string;
  /** Listener ports of a load balancer (e.g. `TLS:8883`). */
  readonly listeners?: readonly string[];
}

/** Where an admitted packet may come from. */
export type RuleSource =
  | { readonly kind: 'cidr'; readonly cidr: string; readonly anywhere: boolean }
  | { readonly kind: 'prefix-list'; readonly prefixListId: string }
  | { readonly kind: 'security-group'; readonly groupId: string; readonly account: string | null };

/** One security-group ingress rule that admits the target's port. */
export interface AdmittingRule {
  readonly groupId: string;
  readonly ruleId: string;
  /** `tcp 8883`, `tcp 8000-9000`, `all traffic`. */
  readonly ports: string;
  readonly source: RuleSource;
  readonly description: string | null;
}

/** A CloudTrail record of a change to one of the admitting groups. */
export interface GroupChange {
  readonly groupId: string;
  readonly eventName: string;
  readonly at: string;
  /** The user or role that made the call (CloudTrail `Username`, or the ARN of the identity). */
  readonly who: string;
  readonly sourceIp: string | null;
}

/**
 * Why a discovered target is open: its resource, the rules that admit the port, who changed those
 * groups in the last 24 h, and the commands that revoke the rules. `status` says how much of it
 * could be read; an alert is never held back for it.
 */
export interface RootCause {
  readonly status: 'complete' | 'partial' | 'unavailable';
  readonly origin: Origin;
  readonly port: number;
  readonly rules: readonly AdmittingRule[];
  readonly changes: readonly GroupChange[];
  /** `aws ec2 revoke-security-group-ingress ...`, one per group with admitting rules. */
  readonly remediation: readonly string[];
  /** What could not be read, and why (e.g. CloudTrail access denied, the lookup timed out). */
  readonly notes: readonly string[];
}
