/**
 * CDK app: the only place that reads context (`cdk deploy -c key=value`), through app-context.ts,
 * and passes it down as typed props.
 *
 *   npx cdk deploy -c alertEmail=security@example.com -c opsEmail=ops@example.com -c scheduleMinutes=1 -c allowedCidrs=10.0.0.0/8,fd00::/8
 *   npx cdk deploy -c securityHub=true -c eventBus=default -c chatTopic=true
 *   npx cdk deploy --all -c regions=us-east-1,eu-west-1,ap-southeast-2 -c account=123456789012 -c region=eu-central-1
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PortwatchConfigError } from '../lib/infra/constructs/config-validation';
import { DEFAULT_STACK_NAME } from '../lambda/contracts/stack-outputs';
import { addPortwatchStacks } from '../lib/infra/portwatch-stacks';
import { ENV_ADVICE, stackPropsFromContext } from './app-context';

function main(): void {
  // Synthesised explicitly below; without autoSynth a configuration error leaves no half-built assembly.
  const app = new App({ autoSynth: false });
  const defaults = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const props = {
    description: 'portwatch: monitors TCP port 8883 (MQTT over TLS) and alerts once per open/closed transition',
    ...stackPropsFromContext(app, defaults),
  };
  // With -c regions, a prober stack in each other region besides the home stack (lib/infra/portwatch-stacks.ts).
  const { home, probers } = addPortwatchStacks(app, DEFAULT_STACK_NAME, props, ENV_ADVICE);
  for (const stack of [home, ...probers]) Tags.of(stack).add('project', 'portwatch');

  // cdk-nag runs as a synth-time validation plugin: an unacknowledged finding fails `cdk synth`/`deploy`.
  // Acknowledgements (each with its reason) are also written into the template's resource Metadata
  // (`cdk_nag.rules_to_suppress`), so the audit trail travels with what is deployed.
  const nagProps = { writeSuppressionsToCloudFormation: true };
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, nagProps), new ServerlessChecks(app, nagProps));

  app.synth();
}

try {
  main();
} catch (error) {
  if (!(error instanceof PortwatchConfigError)) throw error;
  // A configuration mistake is not a crash: one line naming the setting, no stack trace.
  console.error(`portwatch: ${error.message}`);
  process.exitCode = 1;
}
