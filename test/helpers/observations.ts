import type { Finding, ProbeResult, ProbeStatus } from '../../lambda/probe/types';
import type { Observation, TargetInfo } from '../../lambda/monitor/model';
import { DEFAULT_PROBER_CONFIG, type ProberConfig } from '../../lambda/monitor/prober/service';

/** A probe result as the probe engine would return it, for tests whose subject is the state rules. */
export function probeResult(target: string, status: ProbeStatus, findings: readonly Finding[] = [], at = '2026-11-24T10:00:00.000Z'): ProbeResult {
  const reason = status === 'open' ? 'connected' : status === 'closed' ? 'ECONNREFUSED' : status === 'filtered' ? 'timeout after 3000 ms' : 'ENOTFOUND';
  return {
    target,
    host: '127.0.0.1',
    port: 8883,
    transport: 'tcp',
    depth: 'tcp',
    status,
    reason,
    latencyMs: 2,
    at,
    addresses: status === 'error' ? [] : [{ address: '127.0.0.1', family: 4, status, reason, latencyMs: 2 }],
    tls: null,
    mqtt: null,
    plaintextListener: null,
    findings,
  };
}

export function observation(status: ProbeStatus, findings: readonly Finding[] = [], at = '2026-11-24T10:00:00.000Z'): Observation {
  const reason = status === 'open' ? 'connected' : status === 'closed' ? 'ECONNREFUSED' : status === 'filtered' ? 'timeout after 3000 ms' : 'ENOTFOUND';
  return { status, reason, findings, at, evidence: { reason, latencyMs: 2, addresses: [], tls: null, mqtt: null } };
}

export function info(expect: 'open' | 'closed' | null = null, target = 'broker.example.com'): TargetInfo {
  return { target, display: `${target}:8883`, expect, labels: { team: 'iot' }, description: null, remindEveryMs: null };
}

/**
 * The prober's configuration for tests of the service on dynalite: the deployed defaults, with short
 * probe deadlines, no pause before a re-probe (the clock is the test's) and fewer targets at once.
 */
export function testProberConfig(overrides: Partial<ProberConfig> = {}): ProberConfig {
  return { ...DEFAULT_PROBER_CONFIG, defaultPort: 8883, probeOptions: { timeoutMs: 500, certExpiringDays: 14 }, concurrency: 8, confirmDelayMs: 0, ...overrides };
}
