/** The member-account template for CloudFormation StackSets: the read-only role and the forwarding of changes to the portwatch account. */
import { CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { reprobeEventPattern } from './constructs/discovery-permissions';
import { MemberAccountRole } from './constructs/member-account-role';

/**
 * The template CloudFormation StackSets deploys into every member account (`npx cdk synth --app
 * "npx tsx bin/portwatch-member-app.ts"`): the read-only MemberAccountRole, trusting the portwatch
 * account with an external id, and a rule that forwards the account's security-group, address and
 * listener changes to the portwatch account's default event bus, where the re-probe rule picks them
 * up. Parameters instead of context: one template serves every account of a StackSet.
 */
export class MemberAccountStack extends Stack {
  public readonly member: MemberAccountRole;

  public constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const portwatchAccount = new CfnParameter(this, 'PortwatchAccountId', { type: 'String', allowedPattern: '^\\d{12}$', description: 'The account portwatch runs in' });
    const portwatchRegion = new CfnParameter(this, 'PortwatchRegion', { type: 'String', allowedPattern: '^[a-z]{2}(-[a-z]+)+-\\d$', description: 'The region of the portwatch stack (its event bus)' });
    const externalId = new CfnParameter(this, 'ExternalId', { type: 'String', noEcho: true, minLength: 2, description: 'The external id portwatch sends (its -c discoveryExternalId)' });
    this.member = new MemberAccountRole(this, 'Member', { portwatchAccount: portwatchAccount.valueAsString, externalId: externalId.valueAsString });
    const bus = events.EventBus.fromEventBusArn(this, 'PortwatchBus', `arn:${this.partition}:events:${portwatchRegion.valueAsString}:${portwatchAccount.valueAsString}:event-bus/default`);
    new events.Rule(this, 'ForwardChanges', {
      description: 'portwatch: forward security-group, address and listener changes to the portwatch account for an immediate re-probe',
      eventPattern: reprobeEventPattern(),
      targets: [new targets.EventBus(bus)],
    });
  }
}
