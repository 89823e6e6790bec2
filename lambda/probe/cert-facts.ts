/**
 * Certificate facts: what a server's leaf certificate says (names, validity, issuer, fingerprint,
 * whether it signs itself) and whether it names the target. Pure: no socket, the same certificate and
 * clock always give the same facts, whether the certificate came from a completed handshake or from
 * a server's clear first flight.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import { keyFacts, signatureAlgorithm } from './crypto-strength';
import type { CertFacts, TlsEvidence } from './types';

const DAY_MS = 86_400_000;

/** What the facts are relative to: the name the user configured (or an IP literal), and the probe time. */
export interface CertTarget {
  readonly host: string;
  readonly now: Date;
}

/** A DER certificate from the wire, or null when it does not parse (a hostile or broken server). */
export function parseCertificate(der: Buffer): X509Certificate | null {
  try {
    return new X509Certificate(der);
  } catch {
    return null;
  }
}

/**
 * The certificate part of the TLS evidence. `authorizationError` is the chain verdict of the handshake
 * (null when none was made): Node's DEPTH_ZERO_SELF_SIGNED_CERT settles `selfSigned` without a
 * signature check.
 */
export function certEvidence(x509: X509Certificate | null, target: CertTarget, authorizationError: string | null): Pick<TlsEvidence, 'hostnameMatch' | 'cert'> {
  if (x509 === null) return { hostnameMatch: null, cert: null };
  const sans = splitSubjectAltNames(x509.subjectAltName);
  return { hostnameMatch: hostnameMatches(target.host, x509), cert: certFacts(x509, target.now, authorizationError, sans) };
}

/**
 * Name check with tls.checkServerIdentity, the same rules Node applies when it verifies (SAN first,
 * CN only without DNS SANs). An IP target (without a `serverName`) is checked as a client dialling
 * that address would check it: against the certificate's IP SANs only, so a certificate that names
 * only host names does not match it (`hostname-mismatch`; give the target a `serverName`).
 */
export function hostnameMatches(host: string, cert: X509Certificate): boolean {
  if (isIP(host) !== 0) {
    // An address matches an IP SAN byte for byte, as in checkServerIdentity; OpenSSL's check does that
    // without building the whole legacy certificate object (a large share of a deep probe's CPU).
    return cert.checkIP(host) !== undefined;
  }
  // Not cert.checkHost, which would spare the legacy object: OpenSSL's rules differ from Node's for
  // partial wildcards (b*z.example.com) and a trailing dot, and we report what a Node client accepts.
  return checkServerIdentity(host, cert.toLegacyObject()) === undefined;
}

function certFacts(cert: X509Certificate, now: Date, authorizationError: string | null, sans: readonly string[]): CertFacts {
  const f = factsOf(cert, sans);
  // In the order the facts have always been written (JSON output, stored evidence).
  return {
    subject: f.subject,
    issuer: f.issuer,
    subjectAltNames: f.subjectAltNames,
    validFrom: f.validFrom,
    validTo: f.validTo,
    daysLeft: Math.floor((f.validToMs - now.getTime()) / DAY_MS),
    fingerprint256: f.fingerprint256,
    ...(f.publicKeyFingerprint256 !== undefined ? { publicKeyFingerprint256: f.publicKeyFingerprint256 } : {}),
    selfSigned: authorizationError === 'DEPTH_ZERO_SELF_SIGNED_CERT' || f.selfSigned,
    keyType: f.keyType ?? null,
    keyBits: f.keyBits ?? null,
    signatureAlgorithm: f.signatureAlgorithm,
  };
}

/** What a certificate says whatever the clock and the handshake: a function of its DER bytes alone. */
type StaticFacts = Omit<CertFacts, 'daysLeft' | 'selfSigned'> & { readonly validToMs: number; readonly selfSigned: boolean };

/**
 * Facts of certificates seen lately, by SHA-256 fingerprint (of the DER: the same bytes give the same
 * facts). A deep probe completes up to four handshakes with one broker (the look, the TLS 1.2 suite,
 * two protocol levels) and each sees the same leaf; exporting and hashing its key, the key and
 * signature details and the self-signature check cost more CPU than a handshake's client side (bench:
 * client CPU per broker). Bounded: cleared when full.
 */
const recentFacts = new Map<string, StaticFacts>();
const MAX_RECENT_FACTS = 4096;

function factsOf(cert: X509Certificate, sans: readonly string[]): StaticFacts {
  const fingerprint256 = cert.fingerprint256;
  const known = recentFacts.get(fingerprint256);
  if (known !== undefined) return known;
  const facts: StaticFacts = {
    subject: readableName(cert.subject),
    issuer: readableName(cert.issuer),
    subjectAltNames: sans,
    validFrom: isoOrRaw(cert.validFrom),
    validTo: isoOrRaw(cert.validTo),
    validToMs: new Date(cert.validTo).getTime(),
    fingerprint256,
    ...publicKeyFingerprint(cert),
    selfSigned: signsItself(cert),
    ...keyFacts(cert),
    signatureAlgorithm: signatureAlgorithm(cert.raw),
  };
  if (recentFacts.size >= MAX_RECENT_FACTS) recentFacts.clear();
  recentFacts.set(fingerprint256, facts);
  return facts;
}

/**
 * The SPKI fingerprint, the usual name of a key (HPKP pins, `openssl x509 -pubkey | sha256`): a
 * certificate change that keeps it is a renewal of the same key (monitor/cert-change.ts). Omitted
 * when Node cannot export the key (an algorithm it does not know), rather than failing the facts.
 */
function publicKeyFingerprint(cert: X509Certificate): Pick<CertFacts, 'publicKeyFingerprint256'> {
  try {
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    const hex = createHash('sha256').update(spki).digest('hex').toUpperCase();
    return { publicKeyFingerprint256: hex.replace(/(..)(?!$)/g, '$1:') };
  } catch {
    return {};
  }
}

/** Subject equals issuer and the certificate's own key verifies its signature. */
function signsItself(cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** `C=US\nO=Org\nCN=name` (encoding order) -> `CN=name, O=Org, C=US` (RFC 4514 order). */
function readableName(multiline: string): string {
  return multiline
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .join(', ');
}

const SAN_KINDS = 'DNS|IP Address|email|URI|DirName|othername|Registered ID|X400Name|EdiPartyName';
const SAN_SPLIT = new RegExp(`, (?=(?:${SAN_KINDS}):)`);

function splitSubjectAltNames(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  return text.split(SAN_SPLIT);
}

function isoOrRaw(text: string): string {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}
