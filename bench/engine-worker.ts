/**
 * The probe engine in a process of its own, as the prober Lambda runs it: bench/engine.ts bundles this
 * file with esbuild (minified CommonJS, like the deployed handlers) and runs it with plain `node`, so
 * timings are those of the deployed code, not of tsx's on-the-fly transpilation.
 *
 * Protocol: one JSON job per stdin line, one JSON answer per stdout line. The process stays up between
 * jobs, so later rounds run JIT-warm, as a warm Lambda does.
 */
import { createInterface } from 'node:readline';
import { probeMany } from '../lambda/probe/index';
import type { ProbeResult, ProbeSpec } from '../lambda/probe/types';

export interface EngineJob {
  readonly specs: readonly ProbeSpec[];
  readonly concurrency: number;
  readonly maxSockets?: number;
  readonly timeoutMs: number;
  /** Trust anchors for the TLS verdict (PEM); absent: the system store. */
  readonly ca?: string;
}

/** What the bench keeps of one result: enough to check the classification and the deep evidence. */
export interface EngineResult {
  readonly target: string;
  readonly port: number;
  readonly status: ProbeResult['status'];
  readonly reason: string;
  readonly findings: readonly string[];
  readonly tlsVersion: string | null;
  readonly selfSigned: boolean | null;
  readonly connack: number | null;
  readonly anonymous: boolean | null;
}

export interface EngineAnswer {
  readonly wallMs: number;
  /** Process CPU (user + system) spent in probeMany, in microseconds. */
  readonly cpuUs: number;
  readonly results: readonly EngineResult[];
  /** The first result in full: the cost model sizes a state item from it. */
  readonly sample: ProbeResult | null;
}

export async function runJob(job: EngineJob): Promise<EngineAnswer> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await probeMany(job.specs, {
    timeoutMs: job.timeoutMs,
    certExpiringDays: 14,
    concurrency: job.concurrency,
    ...(job.maxSockets !== undefined ? { maxSockets: job.maxSockets } : {}),
    ...(job.ca !== undefined ? { ca: job.ca } : {}),
  });
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(cpu0);
  return { wallMs, cpuUs: used.user + used.system, results: results.map(summarise), sample: results[0] ?? null };
}

export function summarise(r: ProbeResult): EngineResult {
  return {
    target: r.target,
    port: r.port,
    status: r.status,
    reason: r.reason,
    findings: r.findings,
    tlsVersion: r.tls?.version ?? null,
    selfSigned: r.tls?.cert?.selfSigned ?? null,
    connack: r.mqtt?.connack ?? null,
    anonymous: r.mqtt?.anonymous ?? null,
  };
}

if (require.main === module) {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    void runJob(JSON.parse(line) as EngineJob).then((answer) => process.stdout.write(`${JSON.stringify(answer)}\n`));
  });
}
