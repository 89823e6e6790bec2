/** The time-to-alert rows of the bench table: the fast lane against the 1-minute schedule, Route 53 and an nmap cron job, each a ratio of this run's figures. */
import type { NmapInfo } from './nmap';
import { fmtRatio } from './table';
import { runTimeToAlertBench, type ComputedMeasure, type LaneMeasure } from './time-to-alert';

/** The goal of the fast lane (issue 17): an alert within 10 s at the median, 20 s at worst. */
export const FAST_LANE_GOAL = { p50Ms: 10_000, maxMs: 20_000 } as const;

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const figure = (m: { p50Ms: number; maxMs: number }): string => `p50 ${secs(m.p50Ms)}, max ${secs(m.maxMs)}`;

export async function timeToAlertRows(options: { quick: boolean; nmap: NmapInfo | null; log: (line: string) => void }): Promise<{ rows: string[][]; failures: string[] }> {
  const changes = options.quick ? 6 : 24;
  const result = await runTimeToAlertBench({ changes, brokers: options.quick ? 2 : 4, windowMs: options.quick ? 20_000 : 150_000, nmap: options.nmap, log: options.log });
  const { fast, minute } = result;
  const failures: string[] = [];
  const check = (m: LaneMeasure): string => {
    const alerted = `${m.latenciesMs.length}/${m.changes} changes alerted`;
    if (m.missed.length > 0) failures.push(`time to alert, ${m.label}: no alert for ${m.missed.join(', ')}`);
    if (m.unexpected.length > 0) failures.push(`time to alert, ${m.label}: alerts without a change: ${m.unexpected.join(', ')}`);
    return m.unexpected.length > 0 ? `${alerted}; ${m.unexpected.length} UNEXPECTED alerts` : alerted;
  };
  const met = fast.p50Ms < FAST_LANE_GOAL.p50Ms && fast.maxMs < FAST_LANE_GOAL.maxMs;
  const versus = (ref: ComputedMeasure): string[] => [
    `Time to alert vs ${ref.label}`,
    `fast lane ${figure(fast)}`,
    `${figure(ref)} (${ref.note})`,
    `${fmtRatio(ref.p50Ms / fast.p50Ms)} (p50), ${fmtRatio(ref.maxMs / fast.maxMs)} (max)`,
    '-',
  ];
  const kinds = `${changes - (options.quick ? 2 : 4)} ports opening or closing, ${options.quick ? 2 : 4} brokers turning anonymous`;
  return {
    rows: [
      [
        `Time to alert, local pipeline, fast lane (--every 10s, --interval 60s): ${kinds}, at random moments`,
        figure(fast),
        `1-minute schedule, same run: ${figure(minute)}`,
        `${fmtRatio(minute.p50Ms / fast.p50Ms)} (p50), ${fmtRatio(minute.maxMs / fast.maxMs)} (max)`,
        `${check(fast)}; 1-minute: ${check(minute)}; goal p50 < 10 s, max < 20 s: ${met ? 'met' : 'NOT MET'}`,
      ],
      versus(result.route53),
      versus(result.nmapCron),
    ],
    failures,
  };
}
