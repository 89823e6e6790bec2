/**
 * The package's entry point (`import { PortwatchMonitor } from 'portwatch'`): the monitor as a
 * construct to embed in any CDK app, its props, and the stack the portwatch app deploys.
 *
 * The package is TypeScript-first: `main`, `types` and `exports` name this file, which a CDK app run by
 * tsx (today's `cdk init` template: `npx tsx bin/app.ts`) or ts-node loads and type-checks as it is.
 * The constructs read no context and no environment; the Lambda code they bundle comes from this
 * package's own `lambda/` folder (PortwatchFunction resolves entries from the package root).
 */
export { PortwatchMonitor } from './infra/portwatch-monitor';
export type { MonitorDiscoveryProps, PortwatchMonitorProps } from './infra/portwatch-monitor-props';
export { PortwatchStack, type PortwatchStackProps } from './infra/portwatch-stack';
export { PortwatchConfigError } from './infra/constructs/config-validation';
// Several regions: the home stack and a prober stack per other region, or a prober stack on its own.
export { addPortwatchStacks, type PortwatchStacks } from './infra/portwatch-stacks';
export { PortwatchProberStack, type PortwatchProberStackProps, type HomeResources } from './infra/portwatch-prober-stack';
// Discovery's member side: the read-only role for each member account, and the template StackSets deploy.
export { MemberAccountRole, type MemberAccountRoleProps } from './infra/constructs/member-account-role';
export { MemberAccountStack } from './infra/member-account-stack';
