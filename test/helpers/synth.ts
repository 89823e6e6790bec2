import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PortwatchStack, type PortwatchStackProps } from '../../lib/infra/portwatch-stack';

/**
 * An App that skips asset bundling (no esbuild run per test) and CDK's built-in CloudFormation
 * validation, a WebAssembly linter that costs ~8 s of CPU on its first synth in every test file;
 * templates are otherwise complete. test/bin/portwatch-app.test.ts synthesizes the real app, validation
 * included, as `cdk synth` does.
 */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
}

/** A bare stack for testing one construct on its own. */
export function testStack(): Stack {
  return new Stack(testApp(), 'TestStack');
}

export function synthPortwatch(props: PortwatchStackProps = {}): { stack: PortwatchStack; template: Template } {
  const stack = new PortwatchStack(testApp(), 'Portwatch', props);
  return { stack, template: Template.fromStack(stack) };
}

/**
 * The single logical id of the resource built by the construct at `path` (its default child). A path
 * is relative to the stack, or to the PortwatchMonitor the portwatch stack holds under the id `Default`.
 */
export function logicalIdOf(stack: Stack, path: string): string {
  const paths = [`${stack.node.id}/${path}`, `${stack.node.id}/Default/${path}`];
  const construct = stack.node.findAll().find((c) => paths.includes(c.node.path));
  if (!construct) throw new Error(`no construct at ${path}`);
  const resource = construct.node.defaultChild ?? construct;
  return stack.getLogicalId(resource as CfnElement);
}

/** Every IAM policy statement of the template, with the logical id of the policy it belongs to. */
export function policyStatements(template: Template): { policy: string; statement: Record<string, unknown> }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies).flatMap(([policy, resource]) => {
    const doc = (resource as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
      .PolicyDocument;
    return doc.Statement.map((statement) => ({ policy, statement }));
  });
}

/** A statement's Action or Resource as an array. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}
