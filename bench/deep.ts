/**
 * Deep probe: portwatch at depth mqtt against nmap's ssl-cert and mqtt-subscribe scripts, on 50 TLS
 * MQTT brokers (aedes, anonymous allowed, self-signed certificate) on port 8883 of 50 loopback addresses.
 *
 * What each side does per broker, so the timing compares like with like:
 * - portwatch: TCP connect; TLS handshake + MQTT CONNECT (no credentials) + CONNACK + DISCONNECT; a
 *   second connection that sends OpenSSL's TLS 1.0/1.1-only ClientHello and reads the answer (the
 *   legacy-tls check, refused by these brokers with an alert; no handshake of ours follows it).
 *   It reports TLS version, cipher, chain verdict, certificate facts, the CONNACK and the legacy verdict.
 * - nmap -sT -p 8883 --script ssl-cert,mqtt-subscribe: TCP connect scan; ssl-cert: one TLS handshake,
 *   certificate printed; mqtt-subscribe: TLS (8883 is in nmap's list of TLS ports, so comm.tryssl tries
 *   TLS first) + CONNECT + SUBSCRIBE `#` and `$SYS/#` + waits for PUBLISH messages. The brokers hold one
 *   retained message and `mqtt-subscribe.listen-msgs=1` stops the script at the first one, so nmap does
 *   not sit out its default 5 s listen time. nmap's figure includes its start-up and NSE loading.
 */
import { execFileSync } from 'node:child_process';
import type { ProbeResult, ProbeSpec } from '../lambda/probe/types';
import { formatHostPort } from '../lambda/monitor/target';
import type { EngineProcess } from './engine';
import type { EngineResult } from './engine-worker';
import { BROKER_CN } from './listeners';
import { parseXmlScripts, runNmap, type NmapInfo } from './nmap';
import { startListenerChild } from './ports';
import { median, worstCheck } from './table';

export const DEEP_EXPECTED_FINDINGS = ['anonymous-access', 'self-signed-cert'];

export interface DeepCheck {
  readonly total: number;
  readonly correct: number;
  readonly problems: readonly string[];
}

/** A broker is read right when it is open, speaks TLS 1.2+, shows the self-signed certificate and let us in. */
export function checkDeepResults(results: readonly EngineResult[]): DeepCheck {
  const problems: string[] = [];
  for (const r of results) {
    const findings = [...r.findings].sort().join(',');
    const ok =
      r.status === 'open' &&
      (r.tlsVersion === 'TLSv1.3' || r.tlsVersion === 'TLSv1.2') &&
      r.selfSigned === true &&
      r.connack === 0 &&
      r.anonymous === true &&
      findings === DEEP_EXPECTED_FINDINGS.join(',');
    if (!ok) problems.push(`${r.target}: ${r.status} tls=${String(r.tlsVersion)} connack=${String(r.connack)} findings=[${findings}] (${r.reason})`);
  }
  return { total: results.length, correct: results.length - problems.length, problems };
}

/** nmap read a broker right when the port is open, ssl-cert printed our certificate and mqtt-subscribe was let in (it lists the topics it received). */
export function checkNmapDeep(xml: string, hosts: readonly string[], commonName: string): DeepCheck {
  const byHost = new Map(parseXmlScripts(xml).map((h) => [h.address, h]));
  const problems: string[] = [];
  for (const host of hosts) {
    const h = byHost.get(host);
    const cert = h?.scripts.get('ssl-cert') ?? '';
    const mqtt = h?.scripts.get('mqtt-subscribe') ?? '';
    // mqtt-subscribe prints the topics it received only after CONNACK 0 and SUBACK: anonymous access.
    if (h?.state !== 'open' || !cert.includes(`commonName=${commonName}`) || !mqtt.includes('Topics and their most recent payloads')) {
      problems.push(`${host}: state=${String(h?.state)} ssl-cert=${JSON.stringify(cert.split('\n')[0] ?? '')} mqtt-subscribe=${JSON.stringify(mqtt.slice(0, 80))}`);
    }
  }
  return { total: hosts.length, correct: hosts.length - problems.length, problems };
}

export interface DeepBenchOptions {
  readonly brokers: number;
  readonly rounds: number;
  readonly concurrency: number;
  readonly engine: EngineProcess;
  readonly nmap: NmapInfo | null;
  readonly log: (line: string) => void;
}

export interface DeepBenchResult {
  readonly brokers: number;
  readonly portwatch: {
    readonly wallMs: readonly number[];
    readonly medianMs: number;
    readonly check: DeepCheck;
    readonly cpuUsPerProbe: number;
    /** One broker's full result (the cost model sizes a state item from it). */
    readonly sample: ProbeResult | null;
    /** TCP payload a probe sends (the brokers' bytesRead), and the connections it opens (the TCP-phase connect included). */
    readonly payloadBytesOutPerProbe: number;
    readonly connectionsPerProbe: number;
    /** The same three of a core look (posture 'core': the slow questions carried, cadence.ts). */
    readonly core: { readonly cpuUsPerProbe: number; readonly payloadBytesOutPerProbe: number; readonly connectionsPerProbe: number };
  };
  readonly nmap: { readonly wallMs: readonly number[]; readonly medianMs: number; readonly reportedMedianMs: number | null; readonly check: DeepCheck; readonly args: string } | null;
  /** OpenSSL's name for the handshake the brokers negotiated (for the record). */
  readonly tlsVersion: string | null;
}

export async function runDeepBench(options: DeepBenchOptions): Promise<DeepBenchResult> {
  const { engine, nmap, log } = options;
  const child = await startListenerChild({ brokers: { count: options.brokers, port: 8883 } });
  try {
    const hosts = child.brokers.map((b) => b.host);
    const specs: ProbeSpec[] = child.brokers.map((b) => ({ target: formatHostPort(b.host, b.port), host: b.host, port: b.port, transport: 'tcp', depth: 'mqtt' }));
    const job = { specs, concurrency: options.concurrency, timeoutMs: 3000 };
    const first = hosts[0] ?? '127.77.0.1';
    const range = `${first.slice(0, first.lastIndexOf('.'))}.1-${hosts.length}`;
    const args = [
      '-Pn', '-n', '-sT', '-p', '8883',
      '--script', 'ssl-cert,mqtt-subscribe',
      '--script-args', 'mqtt-subscribe.listen-msgs=1,mqtt-subscribe.listen-time=5s',
      '-oX', '-', range,
    ];

    await engine.run(job);
    const pw: number[] = [];
    const nm: number[] = [];
    const nmReported: number[] = [];
    let pwCheck: DeepCheck | null = null;
    let nmCheck: DeepCheck | null = null;
    let tlsVersion: string | null = null;
    for (let round = 0; round < options.rounds; round++) {
      const answer = await engine.run(job);
      pw.push(answer.wallMs);
      pwCheck = worstCheck(pwCheck, checkDeepResults(answer.results));
      tlsVersion = answer.results[0]?.tlsVersion ?? tlsVersion;
      if (nmap) {
        const run = await runNmap(nmap, args);
        nm.push(run.wallMs);
        const elapsed = /elapsed="([\d.]+)"/.exec(run.stdout)?.[1];
        if (elapsed !== undefined) nmReported.push(Number(elapsed) * 1000);
        nmCheck = worstCheck(nmCheck, checkNmapDeep(run.stdout, hosts, BROKER_CN));
      }
      log(`  deep round ${round + 1}: portwatch ${answer.wallMs.toFixed(0)} ms${nmap ? `, nmap ${(nm[nm.length - 1] ?? 0).toFixed(0)} ms` : ''}`);
    }
    // What one probe sends: the brokers count the TCP payload they receive, and the connections.
    child.resetTraffic();
    await engine.run(job);
    await new Promise((r) => setTimeout(r, 300));
    const traffic = await child.traffic();
    // CPU of one depth-mqtt probe (a TLS handshake, a refused legacy ClientHello): many probes, one figure.
    const many = Array.from({ length: 6 }, () => specs).flat();
    const cpu = await engine.run({ specs: many, concurrency: options.concurrency, timeoutMs: 3000 });
    // And of a core look, its traffic and CPU measured the same way.
    const coreSpecs = specs.map((spec) => ({ ...spec, posture: 'core' as const }));
    child.resetTraffic();
    await engine.run({ ...job, specs: coreSpecs });
    await new Promise((r) => setTimeout(r, 300));
    const coreTraffic = await child.traffic();
    const coreCpu = await engine.run({ specs: Array.from({ length: 6 }, () => coreSpecs).flat(), concurrency: options.concurrency, timeoutMs: 3000 });
    return {
      brokers: hosts.length,
      portwatch: {
        wallMs: pw,
        medianMs: median(pw),
        check: pwCheck as DeepCheck,
        cpuUsPerProbe: cpu.cpuUs / many.length,
        sample: cpu.sample,
        payloadBytesOutPerProbe: traffic.bytesIn / hosts.length,
        connectionsPerProbe: traffic.connections / hosts.length,
        core: { cpuUsPerProbe: coreCpu.cpuUs / many.length, payloadBytesOutPerProbe: coreTraffic.bytesIn / hosts.length, connectionsPerProbe: coreTraffic.connections / hosts.length },
      },
      nmap: nmap
        ? { wallMs: nm, medianMs: median(nm), reportedMedianMs: nmReported.length > 0 ? median(nmReported) : null, check: nmCheck as DeepCheck, args: `nmap ${args.join(' ')}` }
        : null,
      tlsVersion,
    };
  } finally {
    await child.close();
  }
}

/** Whether this OpenSSL can make the bench's certificate (the deep section needs the CLI). */
export function opensslAvailable(): boolean {
  try {
    execFileSync(process.env.OPENSSL ?? 'openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
