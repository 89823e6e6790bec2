/**
 * The certificate-change rule, pure: whether the leaf certificate a look saw is news against the
 * state, and whether that news is a renewal (recorded) or a change (alerted). decide() calls it.
 *
 * A renewal keeps the public key and the issuer and moves the expiry later. Anything else (a new key,
 * a new issuer, an expiry no later than before) is a change: the broker was replaced, re-keyed, or
 * someone between us and it presents their own certificate. Certbot and some ACME clients make a new
 * key on every renewal unless told to reuse it (`--reuse-key`); such renewals alert once, as the
 * issue asks: a new key is exactly what interception looks like from outside.
 *
 * What is not a change:
 * - no certificate now (a connect-only look, a failed handshake, a closed port): nothing was seen;
 * - no certificate recorded before (first deep look, or the state last written while the handshake
 *   failed or the port was closed): there is nothing to compare with, and the transition that
 *   reopened the port is alerted on its own, with the new certificate in its evidence;
 * - a certificate among the few recently recorded (`knownCerts`): a load balancer whose backends
 *   serve different certificates would otherwise alert each time the looks land on the other one.
 *   Each certificate alerts once, the first time it is confirmed (every look of the confirmation must
 *   see the same new certificate, so a pool alternating A/B may need a few ticks to confirm B); after
 *   that, alternating between known certificates writes and alerts nothing.
 * A connect-only look carries the last deep look's TLS evidence (prober/look.ts), so its certificate is
 * always the recorded one: it can never look like a change.
 */
import type { CertFacts, TlsEvidence } from '../probe/types';
import type { CertChange, CertChangeReason, TargetState } from './model';

/** How many recent leaf certificates a state remembers: a pool of a few backends, plus one renewal. */
export const MAX_KNOWN_CERTS = 4;

/** The certificates a state knows: those recorded recently, and always the one in its evidence. */
export function knownCertsOf(state: Pick<TargetState, 'evidence' | 'knownCerts'>): readonly string[] {
  const current = state.evidence.tls?.cert?.fingerprint256;
  const known = state.knownCerts ?? [];
  return current === undefined || known.includes(current) ? known : [current, ...known];
}

/** The certificate change a look shows against the state, or null when there is none to report. */
export function certChange(prev: Pick<TargetState, 'evidence' | 'knownCerts'>, now: TlsEvidence | null): CertChange | null {
  const before = prev.evidence.tls?.cert ?? null;
  const after = now?.cert ?? null;
  if (before === null || after === null) return null;
  if (knownCertsOf(prev).includes(after.fingerprint256)) return null;
  return { before, reasons: changeReasons(before, after) };
}

/**
 * Why `after` is not a renewal of `before`; empty when it is. The key is compared only when both
 * certificates name it (evidence recorded before key fingerprints were collected does not): then
 * issuer and expiry alone decide, for the one deep look after an upgrade.
 */
export function changeReasons(before: CertFacts, after: CertFacts): CertChangeReason[] {
  const reasons: CertChangeReason[] = [];
  const keyBefore = before.publicKeyFingerprint256;
  const keyAfter = after.publicKeyFingerprint256;
  if (keyBefore !== undefined && keyAfter !== undefined && keyBefore !== keyAfter) reasons.push('new-key');
  if (before.issuer !== after.issuer) reasons.push('new-issuer');
  const was = Date.parse(before.validTo);
  const is = Date.parse(after.validTo);
  if (was === is || before.validTo === after.validTo) reasons.push('same-expiry');
  // An unreadable date cannot show the expiry moved later, so it does not make a renewal.
  else if (!(is > was)) reasons.push('earlier-expiry');
  return reasons;
}

/** The known certificates after a look: the one it saw moves to the front; without one, unchanged. */
export function nextKnownCerts(prev: Pick<TargetState, 'evidence' | 'knownCerts'> | null, now: TlsEvidence | null): readonly string[] | undefined {
  const known = prev === null ? [] : knownCertsOf(prev);
  const seen = now?.cert?.fingerprint256;
  if (seen === undefined) return known.length > 0 ? known : undefined;
  return [seen, ...known.filter((f) => f !== seen)].slice(0, MAX_KNOWN_CERTS);
}

/**
 * A fingerprint as the digest keeps it: its first 64 bits in hex. The digest only ever concludes
 * "nothing to do"; forging a certificate whose SHA-256 shares 64 bits with a known one is a 2^64
 * search, and even that would be caught at the target's hourly state check (digest.ts).
 */
export function shortFingerprint(fingerprint256: string): string {
  return fingerprint256.replace(/:/g, '').slice(0, 16).toUpperCase();
}

/** The words for a change's reasons, for alerts and the CLI: `new key, new issuer`. */
export function reasonsText(reasons: readonly CertChangeReason[]): string {
  return reasons.map((r) => r.replace('-', ' ')).join(', ');
}
