/**
 * Reads what a server sent in clear during a TLS handshake (the bytes a CappedStream kept).
 *
 * Node reports a failed handshake as one error code, which cannot tell "the server demands a client
 * certificate" from any other handshake_failure alert, nor "the server agreed to TLS 1.0 and failed
 * later". Up to TLS 1.2 the server's first flight is plaintext, so the answer is on the wire:
 * ServerHello carries the chosen version, CertificateRequest the demand for a client certificate,
 * Certificate the chain (for evidence even when the handshake then fails). TLS 1.3 encrypts all but
 * ServerHello, which is why its client-certificate case is read from the alert instead (see
 * tls-handshake.ts).
 */

const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;
const CONTENT_APPLICATION_DATA = 23;
const HANDSHAKE_SERVER_HELLO = 2;
const HANDSHAKE_CERTIFICATE = 11;
const HANDSHAKE_CERTIFICATE_REQUEST = 13;
const HANDSHAKE_SERVER_HELLO_DONE = 14;

export interface ServerFlight {
  /** The server sent at least one byte. */
  readonly replied: boolean;
  /** The first bytes look like a TLS record (content type 20-23, major version 3). */
  readonly looksLikeTls: boolean;
  /** ServerHello legacy_version, e.g. 0x0301 for TLS 1.0; null when no ServerHello was seen. */
  readonly serverHelloVersion: number | null;
  readonly certificateRequested: boolean;
  /** ServerHelloDone arrived (TLS <= 1.2): the server's first flight is complete. */
  readonly serverHelloDone: boolean;
  /** DER certificates of a plaintext (TLS <= 1.2) Certificate message, leaf first. */
  readonly certificates: readonly Buffer[];
  /** First plaintext alert: [level, description]. */
  readonly alert: readonly [number, number] | null;
}

export function isTlsRecordStart(bytes: Buffer): boolean {
  const type = bytes[0];
  return type !== undefined && type >= CONTENT_CHANGE_CIPHER_SPEC && type <= CONTENT_APPLICATION_DATA && (bytes.length < 2 || bytes[1] === 3);
}

export function parseServerFlight(bytes: Buffer): ServerFlight {
  const handshake: Buffer[] = [];
  let alert: [number, number] | null = null;
  let offset = 0;
  while (offset + 5 <= bytes.length) {
    const type = bytes[offset];
    if (type === undefined || !isTlsRecordStart(bytes.subarray(offset, offset + 2))) break;
    const length = bytes.readUInt16BE(offset + 3);
    const payload = bytes.subarray(offset + 5, Math.min(bytes.length, offset + 5 + length));
    if (type === CONTENT_HANDSHAKE) handshake.push(payload);
    else if (type === CONTENT_ALERT && payload.length >= 2 && alert === null) alert = [payload[0] ?? 0, payload[1] ?? 0];
    // After ChangeCipherSpec (or once records are encrypted) nothing more is readable.
    else if (type === CONTENT_CHANGE_CIPHER_SPEC || type === CONTENT_APPLICATION_DATA) break;
    offset += 5 + length;
  }

  const messages = Buffer.concat(handshake);
  let serverHelloVersion: number | null = null;
  let certificateRequested = false;
  let serverHelloDone = false;
  let certificates: Buffer[] = [];
  let at = 0;
  while (at + 4 <= messages.length) {
    const kind = messages[at];
    const length = messages.readUIntBE(at + 1, 3);
    const body = messages.subarray(at + 4, at + 4 + length);
    if (body.length < length) break; // truncated: the cap or the connection cut it
    if (kind === HANDSHAKE_SERVER_HELLO && body.length >= 2) serverHelloVersion = body.readUInt16BE(0);
    else if (kind === HANDSHAKE_CERTIFICATE) certificates = readCertificateList(body);
    else if (kind === HANDSHAKE_CERTIFICATE_REQUEST) certificateRequested = true;
    else if (kind === HANDSHAKE_SERVER_HELLO_DONE) serverHelloDone = true;
    at += 4 + length;
  }
  return {
    replied: bytes.length > 0,
    looksLikeTls: bytes.length > 0 && isTlsRecordStart(bytes),
    serverHelloVersion,
    certificateRequested,
    serverHelloDone,
    certificates,
    alert,
  };
}

/** TLS <= 1.2 Certificate body: 3-byte list length, then (3-byte length, DER) per certificate. */
function readCertificateList(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  if (body.length < 3) return out;
  const end = Math.min(body.length, 3 + body.readUIntBE(0, 3));
  let at = 3;
  while (at + 3 <= end) {
    const length = body.readUIntBE(at, 3);
    if (at + 3 + length > end) break;
    out.push(body.subarray(at + 3, at + 3 + length));
    at += 3 + length;
  }
  return out;
}

export function tlsVersionName(version: number): string {
  switch (version) {
    case 0x0300:
      return 'SSLv3';
    case 0x0301:
      return 'TLSv1';
    case 0x0302:
      return 'TLSv1.1';
    case 0x0303:
      return 'TLSv1.2';
    case 0x0304:
      return 'TLSv1.3';
    default:
      return `0x${version.toString(16).padStart(4, '0')}`;
  }
}
