/** The read-only role portwatch assumes in a member account, trusting only the portwatch account with an external id or organization condition. */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PortwatchConfigError } from './config-validation';
import { DISCOVERY_READ_ACTIONS, IAM5_READ_REASON, readStatement, ROOT_CAUSE_READ_ACTIONS } from './discovery-permissions';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../../lambda/contracts/discovery-env';

/** Props of {@link MemberAccountRole}. */
export interface MemberAccountRoleProps {
  /** The account portwatch runs in: the only principal the role trusts. */
  readonly portwatchAccount: string;
  /**
   * Required in the AssumeRole call (`sts:ExternalId`). At least one of `externalId` and `organizationId`.
   * @default - none
   */
  readonly externalId?: string;
  /**
   * The caller must belong to this organization (`aws:PrincipalOrgID`).
   * @default - none
   */
  readonly organizationId?: string;
  /**
   * The role's name: the discovery function may assume only this name.
   * @default DEFAULT_MEMBER_ROLE_NAME
   */
  readonly roleName?: string;
}

/**
 * The read-only role portwatch assumes in a member account: what discovery reads (interfaces,
 * addresses, load balancers, public zones) and what a root cause reads (security-group rules,
 * CloudTrail's event history). Trusts only the portwatch account, and only with the external id or
 * from within the organization, so no other principal of that account, and no other account, can use it.
 */
export class MemberAccountRole extends Construct {
  public readonly role: iam.Role;

  public constructor(scope: Construct, id: string, props: MemberAccountRoleProps) {
    super(scope, id);
    if (props.externalId === undefined && props.organizationId === undefined) {
      throw new PortwatchConfigError('MemberAccountRole needs externalId or organizationId: a role trusting a whole account without either is a confused-deputy risk');
    }
    const conditions: Record<string, Record<string, string>> = {};
    if (props.externalId !== undefined) conditions.StringEquals = { 'sts:ExternalId': props.externalId };
    if (props.organizationId !== undefined) conditions.StringEquals = { ...conditions.StringEquals, 'aws:PrincipalOrgID': props.organizationId };
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName ?? DEFAULT_MEMBER_ROLE_NAME,
      description: 'portwatch discovery: read-only view of public endpoints, security-group rules and their CloudTrail history',
      assumedBy: new iam.AccountPrincipal(props.portwatchAccount).withConditions(conditions),
    });
    this.role.addToPolicy(readStatement([...DISCOVERY_READ_ACTIONS, ...ROOT_CAUSE_READ_ACTIONS]));
    Validations.of(this.role.node.findChild('DefaultPolicy')).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: IAM5_READ_REASON });
  }
}
