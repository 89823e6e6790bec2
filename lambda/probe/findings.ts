/**
 * Findings: the stable codes alerts and the CLI speak, derived from evidence only. Pure: the same
 * evidence always gives the same sorted, de-duplicated list, so a change in the list is a real
 * posture change.
 */
import { isWeakCipher, isWeakKey, isWeakSignature } from './crypto-strength';
import type { Finding, MqttEvidence, PlaintextListenerEvidence, TlsEvidence } from './types';

export interface FindingOptions {
  /** `cert-expiring` when fewer whole days than this remain. */
  readonly certExpiringDays: number;
}

/**
 * Verification errors that another, more precise finding already names: the chain "does not verify"
 * because the leaf signs itself (`self-signed-cert`) or has expired (`cert-expired`). Any other reason
 * (unknown CA, a private root sent in the chain, not yet valid, bad signature) is `untrusted-cert`.
 */
const EXPLAINED_VERIFY_ERRORS: ReadonlySet<string> = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED']);

export function computeFindings(tls: TlsEvidence | null, mqtt: MqttEvidence | null, options: FindingOptions, plaintextListener: PlaintextListenerEvidence | null = null): Finding[] {
  // Depth tcp, and every port that is not open: no evidence, no findings (the common case at scale).
  if (tls === null && mqtt === null && plaintextListener === null) return [];
  const found = new Set<Finding>();
  // A CONNACK of any kind on the plaintext port: credentials (if any) would cross it in clear. One
  // that lets anonymous clients in opens the host's broker to anyone, whichever port they pick, so
  // it is `anonymous-access` too, and critical as that is (transition.ts); otherwise a warning.
  if (plaintextListener && plaintextListener.connack !== null) {
    found.add('plaintext-listener');
    if (plaintextListener.anonymous) found.add('anonymous-access');
  }
  if (mqtt && mqtt.connack !== null) {
    if (mqtt.anonymous) found.add('anonymous-access');
    // A CONNACK of any kind in clear proves the port speaks MQTT without TLS.
    if (mqtt.transport === 'plain') found.add('plaintext-mqtt');
  }
  if (tls) {
    const cert = tls.cert;
    if (cert) {
      if (cert.selfSigned) found.add('self-signed-cert');
      if (cert.daysLeft < 0) found.add('cert-expired');
      else if (cert.daysLeft < options.certExpiringDays) found.add('cert-expiring');
    }
    if (tls.hostnameMatch === false) found.add('hostname-mismatch');
    // Only a completed handshake has a verification verdict; a refused one has no chain to judge.
    const verified = tls.version !== null;
    const error = tls.authorizationError;
    if (verified && !tls.authorized && !(error !== null && EXPLAINED_VERIFY_ERRORS.has(error))) found.add('untrusted-cert');
    if (tls.legacyTls === true) found.add('legacy-tls');
    if (cert && isWeakKey(cert.keyType, cert.keyBits)) found.add('weak-key');
    if (cert && isWeakSignature(cert.signatureAlgorithm)) found.add('weak-signature');
    // The main handshake's suite when it was TLS 1.2 is the same answer tls12Cipher records; either says it.
    if (isWeakCipher(tls.tls12Cipher) || (tls.version === 'TLSv1.2' && isWeakCipher(tls.cipher))) found.add('weak-cipher');
  }
  return [...found].sort();
}
