/** From a probe result to the observation the state rules read, and the small comparisons they share. */
import type { Finding, ProbeResult } from '../probe/types';
import type { Observation } from './model';

/** Caps what one item stores so a host with hundreds of addresses cannot push it past 400 KB. */
const MAX_STORED_ADDRESSES = 16;

export function observationFromProbe(result: ProbeResult): Observation {
  return {
    status: result.status,
    reason: result.reason,
    findings: [...result.findings].sort(),
    at: result.at,
    evidence: {
      reason: result.reason,
      latencyMs: result.latencyMs,
      addresses: result.addresses.slice(0, MAX_STORED_ADDRESSES),
      tls: result.tls,
      mqtt: result.mqtt,
      plaintextListener: result.plaintextListener,
    },
  };
}

/** The observation recorded for an item that cannot be probed because it failed validation. */
export function invalidTargetObservation(reason: string, at: string): Observation {
  return {
    status: 'error',
    reason,
    findings: [],
    at,
    evidence: { reason, latencyMs: 0, addresses: [], tls: null, mqtt: null },
  };
}

export function sameFindings(a: readonly Finding[], b: readonly Finding[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((f) => set.has(f));
}

export function eventItemId(target: string, version: number): string {
  return `${target}@${version}`;
}
