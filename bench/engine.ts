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

/** A bundled worker in its own process: one JSON job in, one JSON answer out, in order. */
export interface WorkerProcess<Job, Answer> {
  run(job: Job): Promise<Answer>;
  /** The child's process id: its CPU can be read from /proc. */
  readonly pid: number | undefined;
  close(): Promise<void>;
}

export type EngineProcess = WorkerProcess<EngineJob, EngineAnswer>;

/** Bundles the probe engine's worker once per call (about 0.3 s) and starts it. */
export function startEngine(): Promise<EngineProcess> {
  return startWorker<EngineJob, EngineAnswer>('engine-worker.ts');
}

/** Bundles `bench/<file>` as the stack bundles a handler and starts it under plain `node`. */
export async function startWorker<Job, Answer>(file: string): Promise<WorkerProcess<Job, Answer>> {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-bench-worker-'));
  const outfile = join(dir, file.replace(/\.ts$/, '.js'));
  await esbuild.build({
    entryPoints: [join(REPO_ROOT, 'bench', file)],
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
  const waiting: { resolve: (a: Answer) => void; reject: (e: Error) => void }[] = [];
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line) as Answer));
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${file} exited with ${String(code)}: ${stderr.slice(-2000)}`));
  });
  return {
    pid: child.pid,
    run: (job) =>
      new Promise<Answer>((resolveAnswer, reject) => {
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
