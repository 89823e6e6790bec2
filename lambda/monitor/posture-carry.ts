/**
 * Carrying the slow posture answers across core looks: a core deep look (posture 'core', deep.ts) asks
 * the certificate, the chain, anonymous access and the plaintext listener; legacy TLS, the TLS 1.2
 * suite and the protocol levels keep the answers of the last full look, so a finding never goes away
 * merely because its question was not asked this time (test/lambda/monitor/posture-carry.test.ts).
 */
import { computeFindings } from '../probe/findings';
import type { Finding } from '../probe/types';
import type { Evidence, Observation } from './model';
import { sameFindings } from './state';

/** Findings only the slow questions can raise; a core look can neither confirm nor clear them. */
const SLOW_FINDINGS: ReadonlySet<Finding> = new Set<Finding>(['legacy-tls', 'weak-cipher']);

/**
 * Whether a core look saw the same first-look facts as the last recorded look: the same certificate,
 * TLS version, client-certificate verdict and MQTT transport and level. Anything else (a new
 * certificate, a server that stopped speaking TLS 1.3, a refused handshake) may come with a new
 * configuration, so the caller asks the slow questions again at once rather than carry old answers.
 */
export function sameFirstLook(prev: Evidence, seen: Evidence): boolean {
  const a = prev.tls;
  const b = seen.tls;
  const sameMqtt = (prev.mqtt?.transport ?? null) === (seen.mqtt?.transport ?? null) && (prev.mqtt?.protocolVersion ?? null) === (seen.mqtt?.protocolVersion ?? null);
  if (a === null && b === null) return sameMqtt;
  // A failed modern handshake: a full look may take its certificate from the legacy one (deep.ts).
  if (a === null || b === null || b.version === null) return false;
  if (a.version !== b.version || a.clientCertRequired !== b.clientCertRequired || (a.cert?.fingerprint256 ?? null) !== (b.cert?.fingerprint256 ?? null)) return false;
  return sameMqtt;
}

/** A core look completed with the last full look's slow answers, its findings derived again from the whole. */
export function carrySlowPosture(seen: Observation, prev: Evidence, certExpiringDays: number): Observation {
  const tls = seen.evidence.tls && prev.tls ? { ...seen.evidence.tls, legacyTls: prev.tls.legacyTls, ...tls12Of(seen.evidence, prev) } : seen.evidence.tls;
  const mqtt = seen.evidence.mqtt
    ? { ...seen.evidence.mqtt, ...(prev.mqtt?.versions !== undefined ? { versions: prev.mqtt.versions } : {}), ...(prev.mqtt?.v5 !== undefined ? { v5: prev.mqtt.v5 } : {}) }
    : null;
  // Asked by the core look itself (deep.ts); the last full look's answer only where this look had none.
  const plaintextListener = seen.evidence.plaintextListener ?? prev.plaintextListener ?? null;
  const reason = `${seen.reason}; legacy TLS, TLS 1.2 suite and MQTT levels as of the last full look`;
  const evidence: Evidence = { ...seen.evidence, reason, tls, mqtt, plaintextListener };
  // Evidence only adds findings (findings.ts), so the union is the merged evidence's own list.
  const findings = [...new Set([...seen.findings, ...computeFindings(tls, mqtt, { certExpiringDays }, plaintextListener)])].sort();
  return { ...seen, reason, evidence, findings };
}

/** The TLS 1.2 suite: this look's when its own handshake was TLS 1.2, else the last full look's. */
function tls12Of(seen: Evidence, prev: Evidence): { tls12Cipher?: string | null } {
  if (seen.tls?.tls12Cipher !== undefined) return { tls12Cipher: seen.tls.tls12Cipher };
  return prev.tls?.tls12Cipher !== undefined ? { tls12Cipher: prev.tls.tls12Cipher } : {};
}

/**
 * Whether a core look's findings agree with a digest's (digest.ts), which records the findings of the
 * full look they carry: equal once the digest's slow findings are added. A digest whose
 * `anonymous-access` came from the plaintext listener does not settle a core look that lacks it; the
 * state read then carries it properly (one read, never a missed or invented finding).
 */
export function coreFindingsAgree(recorded: readonly Finding[], core: readonly Finding[]): boolean {
  const carried = recorded.filter((f) => SLOW_FINDINGS.has(f));
  return sameFindings(recorded, [...new Set([...core, ...carried])]);
}
