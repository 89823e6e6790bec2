/** The client-CPU row of the bench table: portwatch's deep probe against nmap and against the floor, per broker, from one run. */
import { runClientCpuBench } from './client-cpu';
import type { NmapInfo } from './nmap';
import { fmtRatio } from './table';

/** The goals (issue 17): under a third of nmap's client CPU per broker, within 1.5x the floor. */
export const CLIENT_CPU_GOAL = { ofNmap: 1 / 3, ofFloor: 1.5 } as const;

const ms = (us: number): string => `${(us / 1000).toFixed(2)} ms`;

export async function clientCpuRow(options: { brokers: number; rounds: number; nmap: NmapInfo | null; log: (line: string) => void }): Promise<{ row: string[]; failures: string[] }> {
  const r = await runClientCpuBench(options);
  const failures: string[] = [];
  if (r.portwatchCheck.problems.length > 0) failures.push(`client CPU: portwatch read ${r.portwatchCheck.problems.length} brokers wrong: ${r.portwatchCheck.problems.slice(0, 3).join(' | ')}`);
  if (r.nmap && r.nmap.check.problems.length > 0) failures.push(`client CPU: nmap read ${r.nmap.check.problems.length} brokers wrong`);
  const ofFloor = r.portwatchUs / r.floorUs;
  const ofNmap = r.nmap ? r.portwatchUs / r.nmap.perBrokerUs : Number.NaN;
  const goals = [
    r.nmap ? `vs nmap ${ofNmap < CLIENT_CPU_GOAL.ofNmap ? 'met' : 'NOT MET'} (goal < 1/3)` : 'vs nmap: nmap not installed',
    `vs floor ${ofFloor <= CLIENT_CPU_GOAL.ofFloor ? 'met' : 'NOT MET'} (goal <= 1.5x)`,
  ];
  return {
    row: [
      `Client CPU per broker, ${r.brokers} TLS MQTT brokers, each from its own process's accounting`,
      `${ms(r.portwatchUs)} (deep probe, depth mqtt, engine process)`,
      `${r.nmap ? `nmap --script ssl-cert,mqtt-subscribe ${ms(r.nmap.perBrokerUs)} (whole run / brokers; ${ms(r.nmap.marginalUs)} marginal)` : 'nmap not installed'}; floor ${ms(r.floorUs)} (Node TLS 1.3 + CONNECT/CONNACK)`,
      `nmap/portwatch ${r.nmap ? fmtRatio(r.nmap.perBrokerUs / r.portwatchUs) : '-'} (marginal ${r.nmap ? fmtRatio(r.nmap.marginalUs / r.portwatchUs) : '-'}); portwatch/floor ${fmtRatio(ofFloor)}`,
      `portwatch ${r.portwatchCheck.correct}/${r.portwatchCheck.total}${r.nmap ? `, nmap ${r.nmap.check.correct}/${r.nmap.check.total}` : ''}, floor ${r.floorAccepted}; ${goals.join('; ')}`,
    ],
    failures,
  };
}
