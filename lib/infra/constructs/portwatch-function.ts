import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Repository root: the esbuild project root and the home of package-lock.json. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const OWN_LOCK_FILE = path.join(REPO_ROOT, 'package-lock.json');

/**
 * The one Lambda runtime of portwatch, with the esbuild target that matches it.
 *
 * nodejs24.x rather than nodejs22.x: it is the newest runtime Lambda offers (supported into 2028),
 * so cdk-nag's AwsSolutions-L1 and Serverless-LambdaLatestVersion pass without an acknowledgement,
 * and the handlers use nothing that differs between the two. Change both lines together.
 */
const PORTWATCH_RUNTIME = lambda.Runtime.NODEJS_24_X;
const ESBUILD_TARGET = 'node24';

/** Variables every portwatch function gets besides its own: stack traces mapped to the TypeScript sources. */
export const HOUSE_ENVIRONMENT: Readonly<Record<string, string>> = { NODE_OPTIONS: '--enable-source-maps' };

/** Props of {@link PortwatchFunction}. */
export interface PortwatchFunctionProps {
  /** Handler file, relative to the repository root (e.g. `lambda/handlers/prober.ts`); it must export `handler`. */
  readonly entry: string;
  /** Shown in the Lambda console. */
  readonly description: string;
  /** Memory in MiB; stated by every caller because CPU share, and so probe throughput, scale with it. */
  readonly memorySize: number;
  /** Hard limit of one invocation; stated by every caller because queue and retry settings derive from it. */
  readonly timeout: Duration;
  /**
   * Function-specific environment (HOUSE_ENVIRONMENT is always added).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logGroupRetention?: logs.RetentionDays;
  /**
   * Where an asynchronous invocation goes once its retries are spent.
   * @default - none (only for functions that are never invoked asynchronously)
   */
  readonly onFailure?: lambda.IDestination;
  /**
   * Retries of a failed asynchronous invocation (0-2).
   * @default - the Lambda default, 2
   */
  readonly retryAttempts?: number;
  /**
   * Age after which an asynchronous event is sent to `onFailure` instead of being run (60 s - 6 h).
   * @default - the Lambda default, 6 hours
   */
  readonly maxEventAge?: Duration;
}

/**
 * The house Lambda function: every portwatch function is built the same way.
 *
 * - ARM64 and an explicit runtime (tests do not read cdk.json feature flags, so nothing is left to them).
 * - An explicit log group with a retention (no `logRetention` custom resource); it is a sibling
 *   construct `<id>LogGroup` because a subclass cannot create children before `super()`.
 * - An explicit role `<id>ServiceRole` without the AWS managed AWSLambdaBasicExecutionRole: the
 *   function may write to its own log group and nothing else (cdk-nag AwsSolutions-IAM4 passes).
 * - X-Ray active tracing; a minified CommonJS bundle with source maps, built by the local esbuild
 *   (a direct devDependency, so CDK never falls back to Docker).
 */
export class PortwatchFunction extends NodejsFunction {
  public constructor(scope: Construct, id: string, props: PortwatchFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logGroupRetention ?? logs.RetentionDays.ONE_MONTH,
      // Logs are diagnostics, not data: they go with the stack. The tables are the retained state.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}ServiceRole`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of portwatch ${id}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: PORTWATCH_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      projectRoot: REPO_ROOT,
      // npm never publishes a package-lock.json: in a CDK app that installed portwatch, CDK finds the app's own lock file.
      ...(existsSync(OWN_LOCK_FILE) ? { depsLockFilePath: OWN_LOCK_FILE } : {}),
      environment: { ...props.environment, ...HOUSE_ENVIRONMENT },
      onFailure: props.onFailure,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      bundling: {
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        // Stack traces only need line mappings; embedding the sources would triple the map's size.
        sourcesContent: false,
        target: ESBUILD_TARGET,
        // The runtime ships AWS SDK v3; leaving it (and its @smithy dependencies, as the
        // sdkV3ExcludeSmithyPackages flag in cdk.json does) out of the bundle keeps cold starts
        // small. Stated here so that tests, which do not read cdk.json, bundle the same way.
        externalModules: ['@aws-sdk/*', '@smithy/*'],
        forceDockerBundling: false,
      },
    });

    // Scoped to the one policy holding the statement, so that no later child of the role inherits it.
    Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement added by tracing: Active uses Resource "*": xray:PutTraceSegments and ' +
        'xray:PutTelemetryRecords support no resource-level permissions (AWS requires "*"). ' +
        'Every other statement of this role is scoped to one table, queue, topic or log group (asserted in test/lib).',
    });
  }
}
