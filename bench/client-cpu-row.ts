/** The client-CPU row of the bench table: portwatch's deep probe against nmap and against the floor, per broker, from one run. */
import { DEFAULT_POSTURE_EVERY_MS, DEFAULT_SLOW_POSTURE_EVERY_MS, DEFAULT_TICK_MS, lookShares } from '../lambda/monitor/cadence';
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
  // Counted fairly: nmap's scan asks what a core look asks (the certificate, anonymous access); a full
  // look asks five more questions, which the stack asks hourly. Per deep look at the default cadence
  // (5-minute ticks, a deep look every tick, the slow questions hourly): 1 full look in 12.
  const shares = lookShares({ tickMs: DEFAULT_TICK_MS, postureEveryMs: DEFAULT_POSTURE_EVERY_MS, slowPostureEveryMs: DEFAULT_SLOW_POSTURE_EVERY_MS });
  const fullShare = shares.full / (shares.full + shares.core);
  const averageUs = fullShare * r.portwatchUs + (1 - fullShare) * r.coreUs;
  const verdicts = (us: number): string => {
    const ofNmap = r.nmap ? us / r.nmap.perBrokerUs : Number.NaN;
    const ofFloor = us / r.floorUs;
    return `${r.nmap ? `vs nmap ${fmtRatio(ofNmap)} ${ofNmap < CLIENT_CPU_GOAL.ofNmap ? 'met' : 'NOT MET'}` : 'vs nmap: not installed'}, vs floor ${fmtRatio(ofFloor)} ${ofFloor <= CLIENT_CPU_GOAL.ofFloor ? 'met' : 'NOT MET'}`;
  };
  const goals = [
    `goals (< 1/3 nmap, <= 1.5x floor): average look ${verdicts(averageUs)}`,
    `core look ${verdicts(r.coreUs)}`,
    `full look (every question) ${verdicts(r.portwatchUs)}`,
  ];
  return {
    row: [
      `Client CPU per broker, ${r.brokers} TLS MQTT brokers, each from its own process's accounting`,
      `${ms(averageUs)} per deep look at the default cadence (1 full in ${Math.round(1 / fullShare)}); full look ${ms(r.portwatchUs)}, core look ${ms(r.coreUs)} (depth mqtt, engine process)`,
      `${r.nmap ? `nmap --script ssl-cert,mqtt-subscribe ${ms(r.nmap.perBrokerUs)} (whole run / brokers; ${ms(r.nmap.marginalUs)} marginal)` : 'nmap not installed'}; floor ${ms(r.floorUs)} (Node TLS 1.3 + CONNECT/CONNACK)`,
      `nmap/portwatch ${r.nmap ? fmtRatio(r.nmap.perBrokerUs / averageUs) : '-'} average, ${r.nmap ? fmtRatio(r.nmap.perBrokerUs / r.portwatchUs) : '-'} full (marginal ${r.nmap ? fmtRatio(r.nmap.marginalUs / averageUs) : '-'} / ${r.nmap ? fmtRatio(r.nmap.marginalUs / r.portwatchUs) : '-'}); portwatch/floor ${fmtRatio(averageUs / r.floorUs)} average, ${fmtRatio(r.coreUs / r.floorUs)} core, ${fmtRatio(r.portwatchUs / r.floorUs)} full`,
      `portwatch ${r.portwatchCheck.correct}/${r.portwatchCheck.total}${r.nmap ? `, nmap ${r.nmap.check.correct}/${r.nmap.check.total}` : ''}, floor ${r.floorAccepted}; ${goals.join('; ')}`,
    ],
    failures,
  };
}
