/**
 * TCP classification: portwatch's engine (probeMany at depth tcp) against `nmap -sT` on the same
 * loopback ports, open ones (listeners the bench starts) and closed ones (verified unused).
 */
import { probeMany } from '../lambda/probe/index';
import type { ProbeResult, ProbeSpec } from '../lambda/probe/types';
import { formatHostPort } from '../lambda/monitor/target';
import type { EngineProcess } from './engine';
import { nmapStates, runNmap, type NmapInfo } from './nmap';
import { findClosedPorts, nowListening, startListenerChild } from './ports';
import { median, worstCheck } from './table';

export type Expected = 'open' | 'closed';

export interface PortCase {
  readonly port: number;
  readonly expected: Expected;
}

export interface Mismatch {
  readonly port: number;
  readonly expected: Expected;
  readonly got: string;
  /** Something listens on a "closed" port now: the environment changed under the bench, not a misreading. */
  readonly takenMidRun?: boolean;
}

export interface Classification {
  readonly total: number;
  readonly correct: number;
  readonly mismatches: readonly Mismatch[];
}

/** Probe specs for the cases, depth tcp, on one loopback host. */
export function tcpSpecs(cases: readonly PortCase[], host = '127.0.0.1'): ProbeSpec[] {
  return cases.map((c) => ({ target: formatHostPort(host, c.port), host, port: c.port, transport: 'tcp', depth: 'tcp' }));
}

/**
 * Compares what a scanner said (`port` -> its word for the state) with what the port is. portwatch
 * and nmap both say `open` and `closed`; anything else (filtered, error, unreported) is a mismatch.
 */
export function checkClassification(cases: readonly PortCase[], got: ReadonlyMap<number, string>): Classification {
  const mismatches: Mismatch[] = [];
  for (const c of cases) {
    const state = got.get(c.port) ?? 'missing';
    if (state !== c.expected) mismatches.push({ port: c.port, expected: c.expected, got: state });
  }
  if (mismatches.length > 0) {
    const taken = new Set(nowListening(mismatches.filter((m) => m.expected === 'closed').map((m) => m.port)));
    for (let i = 0; i < mismatches.length; i++) {
      const m = mismatches[i] as Mismatch;
      if (taken.has(m.port)) mismatches[i] = { ...m, takenMidRun: true };
    }
  }
  return { total: cases.length, correct: cases.length - mismatches.length, mismatches };
}

/** The engine in this process (the tests use it; the bench uses the bundled worker). */
export async function classifyInProcess(cases: readonly PortCase[], concurrency: number, host = '127.0.0.1'): Promise<Map<number, string>> {
  const results = await probeMany(tcpSpecs(cases, host), { timeoutMs: 3000, certExpiringDays: 14, concurrency });
  return new Map(results.map((r) => [r.port, r.status]));
}

export interface TcpBenchOptions {
  readonly open: number;
  readonly closed: number;
  readonly rounds: number;
  readonly concurrency: number;
  readonly engine: EngineProcess;
  readonly nmap: NmapInfo | null;
  readonly log: (line: string) => void;
}

export interface ScannerTiming {
  readonly wallMs: readonly number[];
  readonly medianMs: number;
  readonly portsPerSecond: number;
  readonly classification: Classification;
}

export interface TcpBenchResult {
  readonly ports: number;
  readonly open: number;
  readonly closed: number;
  readonly concurrency: number;
  readonly portwatch: ScannerTiming & {
    readonly cpuUsPerProbe: number;
    readonly cpuUsPerOpen: number;
    readonly cpuUsPerClosed: number;
    /** One closed port's full result (the cost model sizes a state item from it). */
    readonly closedSample: ProbeResult | null;
  };
  readonly nmap: (ScannerTiming & { readonly reportedMedianMs: number | null }) | null;
}

export async function runTcpBench(options: TcpBenchOptions): Promise<TcpBenchResult> {
  const { engine, nmap, log } = options;
  const closed = await findClosedPorts(options.closed);
  const listeners = await startListenerChild({ tcp: { hosts: ['127.0.0.1'], perHost: options.open } });
  try {
    const open = listeners.tcp['127.0.0.1'] ?? [];
    const cases: PortCase[] = [...open.map((port) => ({ port, expected: 'open' as const })), ...closed.map((port) => ({ port, expected: 'closed' as const }))].sort(
      (a, b) => a.port - b.port,
    );
    const specs = tcpSpecs(cases);
    const job = { specs, concurrency: options.concurrency, timeoutMs: 3000 };
    const portList = cases.map((c) => c.port).join(',');
    const nmapArgs = ['-sT', '-Pn', '-n', '-p', portList, '-oG', '-', '127.0.0.1'];

    // Warm-up (JIT for the engine, as in a warm Lambda; page cache for nmap), then alternating rounds,
    // so both see the same background load of this shared machine.
    for (let i = 0; i < 3; i++) await engine.run(job);
    if (nmap) await runNmap(nmap, nmapArgs);
    const pw: number[] = [];
    const pwCpuUs: number[] = [];
    const nm: number[] = [];
    const nmReported: number[] = [];
    let pwClass: Classification | null = null;
    let nmClass: Classification | null = null;
    for (let round = 0; round < options.rounds; round++) {
      const answer = await engine.run(job);
      pw.push(answer.wallMs);
      pwCpuUs.push(answer.cpuUs);
      pwClass = worstCheck(pwClass, checkClassification(cases, new Map(answer.results.map((r) => [r.port, r.status]))));
      if (nmap) {
        const run = await runNmap(nmap, nmapArgs);
        nm.push(run.wallMs);
        if (run.reportedMs !== null) nmReported.push(run.reportedMs);
        nmClass = worstCheck(nmClass, checkClassification(cases, nmapStates(run.stdout, cases.map((c) => c.port))));
      }
      log(`  tcp round ${round + 1}: portwatch ${answer.wallMs.toFixed(0)} ms${nmap ? `, nmap ${(nm[nm.length - 1] ?? 0).toFixed(0)} ms` : ''}`);
    }

    // CPU per probe, open and closed apart (the cost model weighs them by the fleet's mix).
    const cpuOf = async (subset: readonly PortCase[], repeat: number): Promise<{ cpuUs: number; sample: ProbeResult | null }> => {
      const many = Array.from({ length: repeat }, () => tcpSpecs(subset)).flat();
      const answer = await engine.run({ specs: many, concurrency: options.concurrency, timeoutMs: 3000 });
      return { cpuUs: answer.cpuUs / many.length, sample: answer.sample };
    };
    const closedCpu = await cpuOf(cases.filter((c) => c.expected === 'closed'), 2);
    const openCpu = await cpuOf(cases.filter((c) => c.expected === 'open'), 10);

    const pwMedian = median(pw);
    const nmMedian = median(nm);
    return {
      ports: cases.length,
      open: open.length,
      closed: closed.length,
      concurrency: options.concurrency,
      portwatch: {
        wallMs: pw,
        medianMs: pwMedian,
        portsPerSecond: (cases.length / pwMedian) * 1000,
        classification: pwClass as Classification,
        cpuUsPerProbe: median(pwCpuUs) / cases.length,
        cpuUsPerOpen: openCpu.cpuUs,
        cpuUsPerClosed: closedCpu.cpuUs,
        closedSample: closedCpu.sample,
      },
      nmap: nmap
        ? {
            wallMs: nm,
            medianMs: nmMedian,
            portsPerSecond: (cases.length / nmMedian) * 1000,
            classification: nmClass as Classification,
            reportedMedianMs: nmReported.length > 0 ? median(nmReported) : null,
          }
        : null,
    };
  } finally {
    await listeners.close();
  }
}
