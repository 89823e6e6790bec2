/**
 * The legacy-tls check: would the server still agree to TLS 1.0/1.1? Two ways to ask, and the verdict
 * from each: OpenSSL's legacy ClientHello, recorded once and replayed, whose answer the server gives in
 * clear (legacyClientHello, helloFlight, legacyHelloVerdict); and a full handshake offering only TLS
 * 1.0/1.1 (tls-handshake.ts), whose outcome legacyHandshakeVerdict reads. Which connection asks when
 * is the deep probe's sequence (deep.ts).
 */
import { randomFillSync } from 'node:crypto';
import { isIP } from 'node:net';
import { Duplex } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';
import type { CertTarget } from './cert-facts';
import type { CappedStream } from './connection';
import { flightEvidence, isLocalRefusal, peerAlert, secureContextFor, type HandshakeOutcome } from './tls-handshake';
import { isTlsRecordStart, parseServerFlight, tlsVersionName, type ServerFlight } from './tls-records';

/**
 * The legacy-tls question asked without a handshake of our own: OpenSSL's legacy ClientHello (TLS 1.0/
 * 1.1 only, LEGACY_TLS_OPTIONS in tls-handshake.ts), captured once per SNI name from a client
 * handshake run against a stream that only records, then replayed with a fresh random. The server
 * sees the bytes our full legacy handshake would send, and answers them in clear (ServerHello, or an
 * alert) before any key exchange, so the verdict costs a write and a read instead of a TLSSocket and
 * its crypto.
 */
const legacyHellos = new Map<string, Buffer>();
/** Distinct SNI names kept (IP targets share one entry); a fleet of names refills it as it goes. */
const MAX_LEGACY_HELLOS = 256;
/** Record header (5), handshake header (4), client_version (2): then the 32-byte client random. */
const CLIENT_RANDOM_OFFSET = 11;

/**
 * A legacy ClientHello for `host` with a random of its own, or null when the local OpenSSL does not
 * produce one (it cannot offer TLS 1.0/1.1, or wrote something unexpected). `own` hands the capturing
 * socket to the caller's deadline.
 */
export async function legacyClientHello(host: string, own: (cleanup: () => void) => void): Promise<Buffer | null> {
  const servername = isIP(host) === 0 ? host : '';
  let template = legacyHellos.get(servername);
  if (template === undefined) {
    const captured = await captureLegacyHello(servername, own);
    if (captured === null) return null;
    if (legacyHellos.size >= MAX_LEGACY_HELLOS) legacyHellos.clear();
    legacyHellos.set(servername, captured);
    template = captured;
  }
  const hello = Buffer.from(template);
  randomFillSync(hello, CLIENT_RANDOM_OFFSET, 32);
  return hello;
}

function captureLegacyHello(servername: string, own: (cleanup: () => void) => void): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let socket: TLSSocket | null = null;
    const sink = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => {
        resolve(isClientHelloRecord(chunk) ? Buffer.from(chunk) : null);
        socket?.destroy();
        callback();
      },
    });
    try {
      socket = connect({
        socket: sink,
        ...(servername !== '' ? { servername } : {}),
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
        // The hello does not depend on the trust anchors (OpenSSL clients send no CA list).
        secureContext: secureContextFor({ legacy: true }),
      });
    } catch {
      resolve(null);
      return;
    }
    own(() => socket?.destroy());
    socket.on('error', () => resolve(null));
    socket.once('close', () => resolve(null));
  });
}

/** One complete handshake record holding a ClientHello. */
function isClientHelloRecord(bytes: Buffer): boolean {
  return bytes.length > CLIENT_RANDOM_OFFSET + 32 && bytes[0] === 0x16 && bytes[1] === 3 && bytes[5] === 1 && bytes.readUInt16BE(3) === bytes.length - 5;
}

/** Records read for an answer to the legacy ClientHello; real servers decide within a handful. */
const MAX_HELLO_RECORDS = 16;

/**
 * Sends a ClientHello and reads the server's answer in clear until it decides the question: an alert,
 * a ServerHello for a version we did not offer, the whole first flight (ServerHelloDone) after a
 * ServerHello for one we did; or until the connection ends, the bytes stop being TLS records, or
 * MAX_HELLO_RECORDS came without a decision (the caller then asks the full handshake). The bytes are
 * looked at twice per record (its header, its end), never per chunk, so a server dribbling bytes costs
 * no more than a fast one. The caller's deadline bounds the wait.
 */
export function helloFlight(stream: CappedStream, hello: Buffer): Promise<ServerFlight> {
  return new Promise((answer) => {
    let answered = false;
    const resolve = (flight: ServerFlight): void => {
      answered = true;
      answer(flight);
    };
    const finish = (): void => {
      if (!answered) resolve(parseServerFlight(stream.received));
    };
    /** The record we wait for: where it starts, where it ends once its header came (-1 before). */
    let next = 0;
    let end = -1;
    let records = 0;
    stream.on('data', () => {
      while (!answered) {
        if (end < 0) {
          if (stream.bytesIn < next + 5) return;
          const bytes = stream.received;
          // Past the read cap (the stream is being destroyed) or not a record: what came is the answer.
          if (bytes.length < next + 5 || !isTlsRecordStart(bytes.subarray(next, next + 2))) return finish();
          end = next + 5 + bytes.readUInt16BE(next + 3);
        }
        if (stream.bytesIn < end) return;
        next = end;
        end = -1;
        records++;
        const flight = parseServerFlight(stream.received);
        const legacy = legacyVersionAccepted(flight);
        if (flight.alert !== null || legacy === false || (legacy === true && flight.serverHelloDone) || records >= MAX_HELLO_RECORDS) return resolve(flight);
      }
    });
    stream.once('end', finish);
    stream.once('close', finish);
    stream.on('error', finish);
    stream.write(hello);
  });
}

/** What the ServerHello says: true for TLS 1.0/1.1, false for a newer version, null without a ServerHello. */
function legacyVersionAccepted(flight: ServerFlight): boolean | null {
  if (flight.serverHelloVersion === null) return null;
  return flight.serverHelloVersion === 0x0301 || flight.serverHelloVersion === 0x0302;
}

export interface LegacyVerdict {
  readonly accepted: boolean | null;
  readonly reason: string;
  readonly handshake: HandshakeOutcome | null;
}

const REFUSED = 'legacy TLS 1.0/1.1 refused';

/** No verdict, and why (a timeout, a connection that could not be made, an answer that settles nothing). */
export function legacyNotDetermined(why: string, handshake: HandshakeOutcome | null = null): LegacyVerdict {
  return { accepted: null, reason: `legacy TLS not determined: ${why}`, handshake };
}

/**
 * The legacy verdict from the server's clear answer to OpenSSL's legacy ClientHello, when that answer
 * settles it as the full handshake would; null sends the probe to the full handshake: an answer that
 * is neither a ServerHello nor an alert, or a first flight cut short (the handshake's error text then
 * says what it was), or a CertificateRequest (only the handshake learns whether the certificate is
 * required).
 */
export function legacyHelloVerdict(flight: ServerFlight, target: CertTarget): LegacyVerdict | null {
  const accepted = legacyVersionAccepted(flight);
  if (accepted === true && flight.serverHelloDone && !flight.certificateRequested) {
    const reason = `legacy ${tlsVersionName(flight.serverHelloVersion ?? 0)} accepted`;
    return { accepted: true, reason, handshake: flightEvidence(flight, target, reason) };
  }
  if (accepted === false || (accepted === null && flight.alert !== null)) {
    return { accepted: false, reason: REFUSED, handshake: flightEvidence(flight, target, REFUSED) };
  }
  return null;
}

/**
 * The legacy verdict from a full legacy handshake. Decided on Node's error code, not the reason text:
 * a local refusal (our OpenSSL has no TLS 1.0/1.1 to offer, a build or policy without them) sent the
 * server nothing, so its text is about an empty reply, yet it says nothing about the server; an
 * `unsupported protocol` error is the server answering with a newer version: a refusal.
 */
export function legacyHandshakeVerdict(hs: HandshakeOutcome): LegacyVerdict {
  if (hs.completed) return { accepted: true, reason: `legacy ${hs.version ?? 'TLS'} accepted`, handshake: hs };
  if (isLocalRefusal(hs.errorCode)) {
    return { accepted: null, reason: `legacy TLS not tested: the local OpenSSL cannot offer TLS 1.0/1.1 (${hs.errorCode ?? ''})`, handshake: hs };
  }
  const byHello = legacyVersionAccepted(hs.flight);
  if (byHello === true) return { accepted: true, reason: `legacy ${tlsVersionName(hs.flight.serverHelloVersion ?? 0)} accepted (${hs.reason})`, handshake: hs };
  if (byHello === false || hs.flight.alert !== null || peerAlert(hs.errorCode) !== null) {
    return { accepted: false, reason: REFUSED, handshake: hs };
  }
  return legacyNotDetermined(hs.reason, hs);
}
