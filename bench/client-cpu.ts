/**
 * Client CPU per broker, each side from its own process's accounting, on the same 50 TLS MQTT brokers
 * (aedes, anonymous, self-signed) in a listener child, so the brokers' CPU is nobody's:
 * - portwatch's deep probe (depth mqtt, everything a deployed prober does per broker), in the engine
 *   process, process.cpuUsage around the job: the full look (every question, what the first look at a
 *   broker and the hourly one ask) and the core look (certificate, chain, anonymous access: the looks
 *   between, lambda/monitor/posture-carry.ts), each measured, and their mix at the default cadence;
 * - nmap -sT --script ssl-cert,mqtt-subscribe, the user and system time the kernel charged it
 *   (cutime + cstime of the shell that waited for it, /proc/<pid>/stat): the whole run, start-up and
 *   NSE loading included, and the marginal cost of a broker (50 brokers minus 10, over 40);
 * - the floor: a minimal Node.js TLS 1.3 handshake + CONNECT/CONNACK per broker (floor-worker.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ProbeSpec } from '../lambda/probe/types';
import { formatHostPort } from '../lambda/monitor/target';
import { checkDeepResults, checkNmapDeep, type DeepCheck } from './deep';
import { startEngine, startWorker } from './engine';
import { BROKER_CN } from './listeners';
import type { NmapInfo } from './nmap';
import { startListenerChild } from './ports';
import { median, worstCheck } from './table';

export interface ClientCpuResult {
  readonly brokers: number;
  /** A full deep look (every posture question). */
  readonly portwatchUs: number;
  /** A core deep look (posture 'core'): the slow questions carried. */
  readonly coreUs: number;
  readonly floorUs: number;
  readonly portwatchCheck: DeepCheck;
  readonly floorAccepted: string;
  /** Null without nmap. `perBrokerUs`: the whole run over the brokers; `marginalUs`: one more broker. */
  readonly nmap: { readonly perBrokerUs: number; readonly marginalUs: number; readonly check: DeepCheck } | null;
}

interface FloorAnswer {
  readonly cpuUs: number;
  readonly accepted: number;
  readonly total: number;
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Runs nmap under a shell that reports, once nmap has exited, the CPU the kernel charged its waited-for children. */
function nmapWithCpu(nmap: NmapInfo, args: readonly string[]): Promise<{ cpuUs: number; stdout: string }> {
  const hz = clockTicksPerSecond();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', '"$0" "$@"; s=$?; cat /proc/$$/stat >&2; exit $s', nmap.path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      // Fields after the command name's ")": state is field 3, cutime field 16, cstime field 17.
      const fields = stderr.slice(stderr.lastIndexOf(')') + 2).trim().split(/\s+/);
      const ticks = Number(fields[13]) + Number(fields[14]);
      if (code !== 0 || !Number.isFinite(ticks)) return reject(new Error(`nmap exited with ${String(code)}: ${stderr.slice(-500)}`));
      resolve({ cpuUs: (ticks / hz) * 1e6, stdout });
    });
  });
}

export async function runClientCpuBench(options: { brokers: number; rounds: number; nmap: NmapInfo | null; log: (line: string) => void }): Promise<ClientCpuResult> {
  const child = await startListenerChild({ brokers: { count: options.brokers, port: 8883 } });
  const engine = await startEngine();
  const floor = await startWorker<{ hosts: readonly string[]; port: number; rounds: number }, FloorAnswer>('floor-worker.ts');
  try {
    const hosts = child.brokers.map((b) => b.host);
    const specs: ProbeSpec[] = child.brokers.map((b) => ({ target: formatHostPort(b.host, b.port), host: b.host, port: b.port, transport: 'tcp', depth: 'mqtt' }));
    const job = { specs, concurrency: 512, timeoutMs: 3000 };
    const coreJob = { ...job, specs: specs.map((spec) => ({ ...spec, posture: 'core' as const })) };
    const floorJob = { hosts, port: 8883, rounds: 1 };
    const first = hosts[0] ?? '127.77.0.1';
    const prefix = first.slice(0, first.lastIndexOf('.'));
    const nmapArgs = (n: number): string[] => ['-Pn', '-n', '-sT', '-p', '8883', '--script', 'ssl-cert,mqtt-subscribe', '--script-args', 'mqtt-subscribe.listen-msgs=1,mqtt-subscribe.listen-time=5s', '-oX', '-', `${prefix}.1-${n}`];
    // Warm both processes (JIT, TLS contexts), as a warm Lambda is.
    await engine.run(job);
    await engine.run(coreJob);
    await floor.run(floorJob);
    const pw: number[] = [];
    const core: number[] = [];
    const fl: number[] = [];
    const nmAll: number[] = [];
    const nmFew: number[] = [];
    let pwCheck: DeepCheck | null = null;
    let nmCheck: DeepCheck | null = null;
    let accepted = 0;
    let total = 0;
    const few = Math.min(10, Math.max(1, Math.floor(hosts.length / 5)));
    for (let round = 0; round < options.rounds; round++) {
      const answer = await engine.run(job);
      pw.push(answer.cpuUs / hosts.length);
      pwCheck = worstCheck(pwCheck, checkDeepResults(answer.results));
      const coreAnswer = await engine.run(coreJob);
      core.push(coreAnswer.cpuUs / hosts.length);
      pwCheck = worstCheck(pwCheck, checkDeepResults(coreAnswer.results));
      const f = await floor.run(floorJob);
      fl.push(f.cpuUs / hosts.length);
      accepted += f.accepted;
      total += f.total;
      if (options.nmap) {
        const all = await nmapWithCpu(options.nmap, nmapArgs(hosts.length));
        nmAll.push(all.cpuUs);
        nmCheck = worstCheck(nmCheck, checkNmapDeep(all.stdout, hosts, BROKER_CN));
        nmFew.push((await nmapWithCpu(options.nmap, nmapArgs(few))).cpuUs);
      }
      options.log(`  client CPU round ${round + 1}: portwatch ${((pw.at(-1) ?? 0) / 1000).toFixed(2)} ms/broker full, ${((core.at(-1) ?? 0) / 1000).toFixed(2)} ms core, floor ${((fl.at(-1) ?? 0) / 1000).toFixed(2)} ms${options.nmap ? `, nmap ${((nmAll.at(-1) ?? 0) / hosts.length / 1000).toFixed(2)} ms` : ''}`);
    }
    return {
      brokers: hosts.length,
      portwatchUs: median(pw),
      coreUs: median(core),
      floorUs: median(fl),
      portwatchCheck: pwCheck as DeepCheck,
      floorAccepted: `${accepted}/${total} CONNACK 0`,
      nmap: options.nmap ? { perBrokerUs: median(nmAll) / hosts.length, marginalUs: (median(nmAll) - median(nmFew)) / (hosts.length - few), check: nmCheck as DeepCheck } : null,
    };
  } finally {
    await engine.close();
    await floor.close();
    await child.close();
  }
}
