/**
 * CDK app of the member-account template: `npx cdk synth --app "npx tsx bin/portwatch-member-app.ts"`
 * writes cdk.out/PortwatchMemberAccount.template.json, the template a CloudFormation StackSet deploys
 * into each member account (parameters PortwatchAccountId, PortwatchRegion, ExternalId). A separate
 * app, so that `cdk deploy` of the main app still names one stack.
 */
import { App, DefaultStackSynthesizer, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MemberAccountStack } from '../lib/infra/member-account-stack';

// No bootstrap in member accounts: the template has no assets, and StackSets deploy it as is.
const app = new App({ defaultStackSynthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
new MemberAccountStack(app, 'PortwatchMemberAccount', { description: 'portwatch member account: read-only discovery role and change forwarding' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
