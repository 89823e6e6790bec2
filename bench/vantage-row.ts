/** The vantage row of the bench table: a three-vantage local tick against a one-vantage tick on the same targets, from one run. */
import { fmtInt, fmtMs, fmtRatio } from './table';
import { runVantageBench } from './vantage';

export async function vantageRow(options: { quick: boolean; log: (line: string) => void }): Promise<{ row: string[]; failures: string[] }> {
  const open = options.quick ? 5 : 20;
  const closed = options.quick ? 45 : 180;
  const label = `Local tick from 3 vantage points (--vantage, a probe worker per network namespace) vs 1 (in-process), ${fmtInt(open + closed)} TCP targets on a veth address`;
  const r = await runVantageBench({ open, closed, rounds: options.quick ? 3 : 9, log: options.log });
  if ('skipped' in r) return { row: [label, `skipped: ${r.skipped}`, '-', '-', '-'], failures: [] };
  return {
    row: [
      label,
      `${fmtMs(r.threeMs)} per unchanged tick (median of ${r.rounds}); first tick ${fmtMs(r.threeFirstMs)}; ${fmtInt(r.threeProbes)} probes, ${fmtInt(r.threeWrites)} state writes (and one heartbeat per vantage point)`,
      `1 vantage point: ${fmtMs(r.oneMs)} per unchanged tick; first tick ${fmtMs(r.oneFirstMs)}; ${fmtInt(r.oneProbes)} probes, ${fmtInt(r.oneWrites)} state writes`,
      `3 / 1: ${fmtRatio(r.threeMs / r.oneMs)} unchanged, ${fmtRatio(r.threeFirstMs / r.oneFirstMs)} first tick`,
      r.problems.length === 0 ? `${r.open} open, ${r.targets - r.open} closed on both sides; no transition in unchanged ticks` : `WRONG: ${r.problems.join('; ')}`,
    ],
    failures: r.problems.map((p) => `vantage: ${p}`),
  };
}
