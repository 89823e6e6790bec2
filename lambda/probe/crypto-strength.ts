/**
 * Cryptographic strength of what a server shows: its leaf's key type and size, the algorithm its
 * issuer signed it with (read from the DER: Node 20's X509Certificate does not expose it), and
 * whether a TLS 1.2 cipher suite lacks forward secrecy or uses CBC. Pure: bytes and names in, facts
 * and verdicts out; findings.ts turns the verdicts into `weak-key`, `weak-signature`, `weak-cipher`.
 */
import type { X509Certificate } from 'node:crypto';

/**
 * The tag and extent of one DER element at `offset`: where its contents start and end. Only what a
 * certificate's outer structure needs: single-byte tags and definite lengths (DER forbids the
 * indefinite form). Null when the bytes do not hold a whole element, so a hostile certificate can
 * make us give up, never read past the buffer.
 */
function derElement(der: Uint8Array, offset: number): { readonly tag: number; readonly start: number; readonly end: number } | null {
  if (offset + 2 > der.length) return null;
  const tag = der[offset] as number;
  const first = der[offset + 1] as number;
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    // Long form: the low bits count the length bytes that follow (at most 4 here: certificates are small).
    const count = first & 0x7f;
    if (count === 0 || count > 4 || start + count > der.length) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] as number);
    start += count;
  }
  const end = start + length;
  return end > der.length ? null : { tag, start, end };
}

const SEQUENCE = 0x30;
const OBJECT_IDENTIFIER = 0x06;

/**
 * The signatureAlgorithm OID of a certificate, dotted (`1.2.840.113549.1.1.11`), or null when the DER
 * is not shaped as RFC 5280 says:
 *
 *   Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm AlgorithmIdentifier, signature BIT STRING }
 *   AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
 *
 * The outer signatureAlgorithm (the second element) is the one the issuer actually used; the copy
 * inside tbsCertificate must equal it, and reading the outer one spares walking the TBS fields.
 */
export function signatureAlgorithmOid(der: Uint8Array): string | null {
  const cert = derElement(der, 0);
  if (!cert || cert.tag !== SEQUENCE) return null;
  const tbs = derElement(der, cert.start);
  if (!tbs || tbs.tag !== SEQUENCE) return null;
  const algorithm = derElement(der, tbs.end);
  if (!algorithm || algorithm.tag !== SEQUENCE || algorithm.end > cert.end) return null;
  const oid = derElement(der, algorithm.start);
  if (!oid || oid.tag !== OBJECT_IDENTIFIER || oid.end > algorithm.end || oid.end === oid.start) return null;
  return decodeOid(der.subarray(oid.start, oid.end));
}

/** X.690 8.19: the first byte packs the first two arcs (40 * a + b); each later arc is base-128, high bit = more. */
function decodeOid(bytes: Uint8Array): string | null {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) return null;
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  // The last byte must end an arc.
  return (bytes[bytes.length - 1] as number) & 0x80 ? null : arcs.join('.');
}

/** Signature algorithms by OID, with the names OpenSSL prints (`openssl x509 -text`), so both tools agree. */
const SIGNATURE_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsaWithSHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa_with_SHA256',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};

/** Signatures over MD2, MD5 or SHA-1: collisions are practical, so such a certificate can be forged. */
const WEAK_SIGNATURES: ReadonlySet<string> = new Set(['md2WithRSAEncryption', 'md5WithRSAEncryption', 'sha1WithRSAEncryption', 'ecdsa-with-SHA1', 'dsaWithSHA1']);

/** The name of the algorithm that signed the certificate; the dotted OID when unknown; null when unreadable. */
export function signatureAlgorithm(der: Uint8Array): string | null {
  const oid = signatureAlgorithmOid(der);
  return oid === null ? null : (SIGNATURE_NAMES[oid] ?? oid);
}

export function isWeakSignature(name: string | null | undefined): boolean {
  return name !== null && name !== undefined && WEAK_SIGNATURES.has(name);
}

/** Field sizes of the named curves Node reports (`asymmetricKeyDetails.namedCurve`), in bits. */
const CURVE_BITS: Readonly<Record<string, number>> = {
  prime192v1: 192,
  secp192k1: 192,
  secp224r1: 224,
  secp224k1: 224,
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
};

export interface KeyFacts {
  /** `rsa`, `rsa-pss`, `ec`, `dsa`, `ed25519`, ... (Node's asymmetricKeyType); null when unknown. */
  readonly keyType: string | null;
  /** Modulus length (RSA, DSA), curve size (EC); null when Node does not say. */
  readonly keyBits: number | null;
}

export function keyFacts(cert: X509Certificate): KeyFacts {
  try {
    const key = cert.publicKey;
    const type = key.asymmetricKeyType ?? null;
    const details = key.asymmetricKeyDetails ?? {};
    if (details.modulusLength !== undefined) return { keyType: type, keyBits: details.modulusLength };
    if (details.namedCurve !== undefined) return { keyType: type, keyBits: CURVE_BITS[details.namedCurve] ?? null };
    if (type === 'ed25519') return { keyType: type, keyBits: 256 };
    if (type === 'ed448') return { keyType: type, keyBits: 456 };
    return { keyType: type, keyBits: null };
  } catch {
    // A key type this Node cannot load (an unusual curve): the certificate's other facts still stand.
    return { keyType: null, keyBits: null };
  }
}

/**
 * Keys below today's floor (NIST SP 800-57, CA/Browser Forum): RSA under 2048 bits, EC under 224,
 * and DSA of any size: no TLS 1.3 client accepts it and the CA/B Forum stopped issuing it, so a DSA
 * leaf means a key nobody has re-issued in a decade. Unknown sizes are not judged.
 */
export function isWeakKey(keyType: string | null | undefined, keyBits: number | null | undefined): boolean {
  if (keyType === 'dsa') return true;
  if (keyBits === null || keyBits === undefined) return false;
  if (keyType === 'rsa' || keyType === 'rsa-pss') return keyBits < 2048;
  if (keyType === 'ec') return keyBits < 224;
  return false;
}

/**
 * A TLS 1.2 suite (OpenSSL name) without forward secrecy (no ECDHE/DHE key exchange: a stolen server
 * key decrypts recorded sessions) or in CBC mode (Lucky13-type padding oracles): anything that is not
 * ECDHE/DHE with an AEAD cipher (GCM, CCM, ChaCha20-Poly1305). TLS 1.3 suites (`TLS_...`) are all
 * forward-secret AEAD.
 */
export function isWeakCipher(name: string | null | undefined): boolean {
  if (name === null || name === undefined || name.startsWith('TLS_')) return false;
  const forwardSecret = /^(?:ECDHE|DHE|EDH)-/.test(name);
  const aead = /GCM|CCM|CHACHA20/.test(name);
  return !forwardSecret || !aead;
}
