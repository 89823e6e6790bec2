/**
 * Each Lambda bundle as the stack builds it (PortwatchFunction: esbuild, CommonJS, platform node,
 * target node24, minified, source map without sources, @aws-sdk/* and @smithy/* left to the runtime)
 * and its module initialisation time: `require` of the bundle in a fresh `node`, with the deployed
 * NODE_OPTIONS (--enable-source-maps) and dummy configuration, the SDK resolved from node_modules as
 * the runtime provides it. A proxy for the init phase of a cold start, not the whole of one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISPATCHER_DEFAULTS, dispatcherEnvironment } from '../lambda/contracts/dispatcher-env';
import { PROBER_DEFAULTS, proberEnvironment } from '../lambda/contracts/prober-env';
import { REPO_ROOT } from './engine';
import { median } from './table';

export const HANDLERS = [
  { name: 'dispatcher', entry: 'lambda/handlers/dispatcher.ts' },
  { name: 'prober', entry: 'lambda/handlers/prober.ts' },
] as const;

/** What the stack sets or Lambda provides, with dummy values: enough for each handler's module scope. */
const LAMBDA_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'portwatch-bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NODE_OPTIONS: '--enable-source-maps',
  // Built as the constructs build them, so a renamed variable cannot leave a handler unconfigured here.
  ...dispatcherEnvironment({
    ...DISPATCHER_DEFAULTS,
    targetsTableName: 'portwatch-targets',
    probeQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/portwatch-probe',
  }),
  ...proberEnvironment({
    ...PROBER_DEFAULTS,
    stateTableName: 'portwatch-state',
    alertTopicArn: 'arn:aws:sns:us-east-1:123456789012:portwatch-alerts',
    targetsTableName: 'portwatch-targets',
    allowedCidrs: [],
  }),
};

const LOAD_SCRIPT = `
const t0 = process.hrtime.bigint();
const mod = require(process.argv[1]);
const t1 = process.hrtime.bigint();
if (typeof mod.handler !== 'function') throw new Error('bundle exports no handler');
process.stdout.write(JSON.stringify({ initMs: Number(t1 - t0) / 1e6, sinceStartMs: performance.now() }));
`;

export interface BundleMeasure {
  readonly name: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly initMs: readonly number[];
  readonly initMedianMs: number;
  /** Whole child: node start-up, then the require. */
  readonly processMedianMs: number;
  readonly error?: string;
}

export interface BundleBenchResult {
  readonly bundles: readonly BundleMeasure[];
  /** `node -e ''` in the same harness: the start-up every cold start pays before our code. */
  readonly nodeStartMedianMs: number;
}

function timeChild(args: readonly string[], env: NodeJS.ProcessEnv): { wallMs: number; stdout: string } {
  const started = performance.now();
  const stdout = execFileSync(process.execPath, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { wallMs: performance.now() - started, stdout };
}

export async function runBundleBench(repeat = 5): Promise<BundleBenchResult> {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-bench-bundles-'));
  // The SDK is external, as in Lambda, where the runtime provides it; here it comes from node_modules.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_PATH: join(REPO_ROOT, 'node_modules'), ...LAMBDA_ENV };
  try {
    const bundles: BundleMeasure[] = [];
    for (const h of HANDLERS) {
      const outfile = join(dir, h.name, 'index.js');
      try {
        await esbuild.build({
          entryPoints: [join(REPO_ROOT, h.entry)],
          outfile,
          bundle: true,
          platform: 'node',
          format: 'cjs',
          target: 'node24',
          minify: true,
          sourcemap: true,
          sourcesContent: false,
          external: ['@aws-sdk/*', '@smithy/*'],
          logLevel: 'silent',
        });
        const init: number[] = [];
        const whole: number[] = [];
        for (let i = 0; i < repeat; i++) {
          const run = timeChild(['-e', LOAD_SCRIPT, outfile], env);
          init.push((JSON.parse(run.stdout) as { initMs: number }).initMs);
          whole.push(run.wallMs);
        }
        bundles.push({
          name: h.name,
          bytes: statSync(outfile).size,
          mapBytes: statSync(`${outfile}.map`).size,
          initMs: init,
          initMedianMs: median(init),
          processMedianMs: median(whole),
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        bundles.push({ name: h.name, bytes: Number.NaN, mapBytes: Number.NaN, initMs: [], initMedianMs: Number.NaN, processMedianMs: Number.NaN, error: message.split('\n').slice(0, 3).join(' ') });
      }
    }
    const starts: number[] = [];
    for (let i = 0; i < repeat; i++) starts.push(timeChild(['-e', ''], env).wallMs);
    return { bundles, nodeStartMedianMs: median(starts) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
