/**
 * Runs probe jobs in a child `node` running the esbuild bundle of bench/engine-worker.ts, built the way
 * the stack builds the Lambda handlers (minified CommonJS, platform node). The child is started with
 * `--enable-source-maps`, as the deployed functions are (NODE_OPTIONS in PortwatchFunction): Node reads
 * the stack of every refused connect's error, so that flag is part of a closed port's cost (about 10 %;
 * BENCH_NO_SOURCE_MAPS=1 leaves it out, to see how much).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { EngineAnswer, EngineJob } from './engine-worker';

export const REPO_ROOT = resolve(__dirname, '..');

export interface EngineProcess {
  run(job: EngineJob): Promise<EngineAnswer>;
  close(): Promise<void>;
}

/** Bundles the worker once per call (about 0.3 s) and starts it. */
export async function startEngine(): Promise<EngineProcess> {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-bench-engine-'));
  const outfile = join(dir, 'engine-worker.js');
  await esbuild.build({
    entryPoints: [join(REPO_ROOT, 'bench', 'engine-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    minify: true,
    sourcemap: true,
    logLevel: 'error',
  });
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...(process.env.BENCH_NO_SOURCE_MAPS ? [] : ['--enable-source-maps']), outfile], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: { resolve: (a: EngineAnswer) => void; reject: (e: Error) => void }[] = [];
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line) as EngineAnswer));
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`engine worker exited with ${String(code)}: ${stderr.slice(-2000)}`));
  });
  return {
    run: (job) =>
      new Promise<EngineAnswer>((resolveAnswer, reject) => {
        waiting.push({ resolve: resolveAnswer, reject });
        child.stdin.write(`${JSON.stringify(job)}\n`);
      }),
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      if (child.exitCode === null) await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
