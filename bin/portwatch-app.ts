/**
 * CDK app: the only place that reads context (`cdk deploy -c key=value`), through app-context.ts,
 * and passes it down as typed props.
 *
 *   npx cdk deploy -c alertEmail=security@example.com -c opsEmail=ops@example.com -c scheduleMinutes=1 -c allowedCidrs=10.0.0.0/8,fd00::/8
 *   npx cdk deploy -c securityHub=true -c eventBus=default -c chatTopic=true
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PortwatchConfigError } from '../lib/infra/constructs/config-validation';
import { DEFAULT_STACK_NAME } from '../lambda/contracts/stack-outputs';
import { PortwatchStack } from '../lib/infra/portwatch-stack';
import { stackPropsFromContext } from './app-context';

function main(): void {
  // Synthesised explicitly below; without autoSynth a configuration error leaves no half-built assembly.
  const app = new App({ autoSynth: false });
  const stack = new PortwatchStack(app, DEFAULT_STACK_NAME, {
    description: 'portwatch: monitors TCP port 8883 (MQTT over TLS) and alerts once per open/closed transition',
    ...stackPropsFromContext(app),
  });
  Tags.of(stack).add('project', 'portwatch');

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
