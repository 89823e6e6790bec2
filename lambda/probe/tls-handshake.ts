/**
 * Depth `tls`: one TLS handshake over an already connected, byte-capped stream, the TLS contexts it
 * offers, and what its failure means. Facts are collected whatever the verdict: an expired or
 * self-signed certificate is the very evidence we are after, so verification never aborts the
 * handshake (rejectUnauthorized: false) and the verdict is read from the socket afterwards. What the
 * certificate says is cert-facts.ts; the legacy-tls check built on these handshakes is legacy-tls.ts.
 */
import { isIP } from 'node:net';
import { connect, createSecureContext, DEFAULT_CIPHERS, rootCertificates, type ConnectionOptions, type SecureContext, type TLSSocket } from 'node:tls';
import { certEvidence, parseCertificate } from './cert-facts';
import { describeBytes, READ_CAP_BYTES, READ_CAP_CODE, type CappedStream } from './connection';
import { parseServerFlight, type ServerFlight } from './tls-records';
import type { ProbeOptions, TlsEvidence } from './types';

/**
 * What the legacy-tls check (legacy-tls.ts) offers: TLS 1.0/1.1 only. OpenSSL 3 refuses to even offer them
 * at its default security level (no SHA-1 signatures), so the probe lowers the level for this one
 * handshake: we want to know what the server accepts, not to protect data.
 */
const LEGACY_TLS_OPTIONS: Pick<ConnectionOptions, 'minVersion' | 'maxVersion' | 'ciphers'> = {
  minVersion: 'TLSv1',
  maxVersion: 'TLSv1.1',
  ciphers: 'DEFAULT@SECLEVEL=0',
};

/**
 * What the weak-cipher check offers when the main handshake went to TLS 1.3: TLS 1.2 only, with Node's
 * default list unchanged in order (ECDHE AEAD suites first, then CBC and static-RSA ones through HIGH),
 * so the suite the server picks is the one a TLS 1.2 client offering both gets. Why not the weak suites
 * first: an OpenSSL server follows the client's order unless SSL_OP_CIPHER_SERVER_PREFERENCE is set
 * (mosquitto 2.0 sets it; many brokers and Node's tls.createSecureContext do not), so a weak-first list
 * would make every such server that merely still accepts CBC look as if it preferred it. With the strong suites first a weak pick means the server ranks weak
 * above strong or has nothing strong: it prefers them. One handshake answers that. The security level
 * is lowered for this handshake only, as for legacy TLS, so a 1024-bit server key does not stop it.
 */
const TLS12_OPTIONS: Pick<ConnectionOptions, 'minVersion' | 'maxVersion' | 'ciphers'> = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.2',
  ciphers: `${DEFAULT_CIPHERS}:@SECLEVEL=0`,
};

type ContextKind = 'modern' | 'legacy' | 'tls12';
type ContextSlot = Partial<Record<ContextKind, SecureContext>>;

interface HandshakeParams {
  /** The target's host: a DNS name (sent as SNI, checked against the certificate) or an IP literal. */
  readonly host: string;
  readonly now: Date;
  /** Extra trust anchors, trusted besides the public roots (a private PKI; tests). */
  readonly ca?: ProbeOptions['ca'];
  /** Offer only TLS 1.0/1.1 (the legacy-tls check). */
  readonly legacy?: boolean;
  /** Offer only TLS 1.2, Node's default suites (the weak-cipher check). */
  readonly tls12?: boolean;
  /**
   * Replaces the context `ca` and `legacy` select. For tests: the only way to make the local OpenSSL
   * refuse a handshake on demand is to hand it a context whose protocols and ciphers cannot meet.
   */
  readonly secureContext?: SecureContext;
}

/**
 * Error codes of a handshake the local OpenSSL refused to start: nothing fit to offer (a build or
 * policy without the versions or ciphers asked for). Nothing reached the server, so they say nothing
 * about it: not "no TLS", not a refusal.
 */
const LOCAL_REFUSAL_CODES: ReadonlySet<string> = new Set(['ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_NO_CIPHERS_AVAILABLE', 'ERR_SSL_NO_CIPHER_MATCH']);

export function isLocalRefusal(code: string | null): boolean {
  return code !== null && LOCAL_REFUSAL_CODES.has(code);
}

/** The evidence one handshake yields (legacy TLS is a second handshake), plus what the caller acts on. */
export interface HandshakeOutcome
  extends Pick<TlsEvidence, 'version' | 'cipher' | 'authorized' | 'authorizationError' | 'hostnameMatch' | 'cert' | 'clientCertRequired'> {
  readonly completed: boolean;
  /** What the server sent in clear. */
  readonly flight: ServerFlight;
  /** The server answered with something that is not TLS, or hung up without a word: try MQTT in clear. */
  readonly notTls: boolean;
  /** Node's code for why the handshake failed (see isLocalRefusal); null when it completed or was not run. */
  readonly errorCode: string | null;
  readonly reason: string;
  /** The live TLS socket when the handshake completed (owned by the caller's deadline). */
  readonly socket: TLSSocket | null;
}

/**
 * Runs one handshake. Resolves when it completes or fails, never rejects; the caller's deadline bounds
 * it and `own` hands the TLS socket to that deadline.
 */
export function tlsHandshake(stream: CappedStream, params: HandshakeParams, own: (cleanup: () => void) => void): Promise<HandshakeOutcome> {
  return new Promise<HandshakeOutcome>((resolve) => {
    let socket: TLSSocket;
    try {
      socket = connect({
        socket: stream,
        // SNI is the name the user configured: virtual-hosted brokers pick the certificate by it. An IP
        // target sends none (RFC 6066 forbids IP literals in SNI).
        ...(isIP(params.host) === 0 ? { servername: params.host } : {}),
        rejectUnauthorized: false,
        // Node folds a hostname mismatch into authorizationError; we report chain and name separately.
        checkServerIdentity: () => undefined,
        secureContext: params.secureContext ?? secureContextFor(params),
      });
    } catch (err) {
      // A local OpenSSL that cannot build the context (no cipher matches) throws here, before any byte is sent.
      resolve(failed(stream, params, { ...errorInfo(err), local: true }));
      return;
    }
    own(() => socket.destroy());
    let settled = false;
    socket.on('error', (err: unknown) => {
      if (settled) return;
      settled = true;
      resolve(failed(stream, params, errorInfo(err)));
    });
    socket.once('close', () => {
      if (settled) return;
      settled = true;
      resolve(failed(stream, params, { code: 'ECONNRESET', reason: 'connection closed' }));
    });
    socket.once('secureConnect', () => {
      if (settled) return;
      settled = true;
      resolve(completed(socket, stream, params));
    });
  });
}

/**
 * TLS contexts, made once and shared by every handshake with the same trust anchors and versions.
 * Building one per connection (what tls.connect does when given `ca`, `ciphers` or versions) costs
 * about as much CPU as the client's side of a handshake. A shared context does not make handshakes
 * resume each other: Node's client contexts keep no session cache, and the probe passes no `session`.
 */
const systemContexts: ContextSlot = {};
const caContexts = new WeakMap<object, ContextSlot>();
const pemContexts = new Map<string, ContextSlot>();
/** Distinct PEM strings kept; callers pass one or two (the system store, a private CA), so this never fills. */
const MAX_PEM_CONTEXTS = 16;

export function secureContextFor(params: Pick<HandshakeParams, 'ca' | 'legacy' | 'tls12'>): SecureContext {
  const ca = params.ca;
  let slot: ContextSlot;
  if (ca === undefined) slot = systemContexts;
  else if (typeof ca === 'string') {
    slot = pemContexts.get(ca) ?? {};
    if (!pemContexts.has(ca)) {
      if (pemContexts.size >= MAX_PEM_CONTEXTS) pemContexts.clear();
      pemContexts.set(ca, slot);
    }
  } else {
    slot = caContexts.get(ca) ?? {};
    caContexts.set(ca, slot);
  }
  const kind: ContextKind = params.legacy ? 'legacy' : params.tls12 ? 'tls12' : 'modern';
  const cached = slot[kind];
  if (cached) return cached;
  // Throws when the local OpenSSL cannot offer the versions asked for; the caller reports that.
  const made = createSecureContext({
    ...(ca !== undefined ? { ca: trustAnchors(ca) } : {}),
    ...(kind === 'legacy' ? LEGACY_TLS_OPTIONS : kind === 'tls12' ? TLS12_OPTIONS : {}),
  });
  slot[kind] = made;
  return made;
}

/**
 * What a context given `ca` trusts: the public roots and the caller's certificates. Node's `ca` option
 * replaces its bundled Mozilla roots rather than adding to them, so they are listed again here (as
 * Node's documentation prescribes): a private CA must not turn every publicly trusted broker into
 * `untrusted-cert`. Certificates from NODE_EXTRA_CA_CERTS join only the default context and are not
 * trusted once `ca` is given (checked on Node 20); the bundle is the place for them.
 */
export function trustAnchors(ca: NonNullable<ProbeOptions['ca']>): (string | Buffer)[] {
  const extra = typeof ca === 'string' || Buffer.isBuffer(ca) ? [ca] : ca;
  return [...rootCertificates, ...extra];
}

function completed(socket: TLSSocket, stream: CappedStream, params: HandshakeParams): HandshakeOutcome {
  const authorizationError = verifyErrorCode(socket.authorizationError as unknown);
  const x509 = socket.getPeerX509Certificate();
  const version = socket.getProtocol();
  const cipher = socket.getCipher()?.name ?? null;
  return {
    completed: true,
    version,
    cipher,
    authorized: socket.authorized,
    authorizationError: socket.authorized ? null : authorizationError,
    ...certEvidence(x509 ?? null, params, authorizationError),
    clientCertRequired: false,
    flight: parseServerFlight(stream.received),
    notTls: false,
    errorCode: null,
    reason: `${version ?? 'TLS'} handshake completed (${cipher ?? 'unknown cipher'})`,
    socket,
  };
}

interface ErrorInfo {
  readonly code: string;
  readonly reason: string;
  /** Raised on our side before anything was sent, whatever the code. */
  readonly local?: boolean;
}

/**
 * Node's error code for an alert the server sent is OpenSSL's reason text in capitals, and OpenSSL 3.2
 * renamed the family of the oldest alerts: ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE ("sslv3 alert
 * handshake failure") on OpenSSL 3.0 (Node 20), ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE ("ssl/tls alert
 * handshake failure") on 3.5 (Node 24). The alert's own name, after ALERT_, is the same on both.
 */
const PEER_ALERT_CODE = /^ERR_SSL_(?:SSLV3|SSL\/TLS|TLSV1|TLSV13)_ALERT_([A-Z0-9_]+)$/;

/** The TLS name of the alert the server sent (`handshake_failure`), from Node's error code; else null. */
export function peerAlert(code: string | null): string | null {
  const match = code === null ? null : PEER_ALERT_CODE.exec(code);
  return match?.[1] ? match[1].toLowerCase() : null;
}

/**
 * The code and a reason to show for an error on a TLS connection. A server's alert is named from the
 * code, as TLS names it (`handshake_failure alert`), not with OpenSSL's text, which depends on the
 * OpenSSL inside Node: the CLI on Node 20 and the prober on Node 24 report the same server alike.
 */
export function errorInfo(err: unknown): ErrorInfo {
  const e = err as { code?: unknown; reason?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : 'ERROR';
  const alert = peerAlert(code);
  if (alert !== null) return { code, reason: `${alert} alert` };
  // Other OpenSSL errors carry a short `reason` ("wrong version number"); others only a message.
  const reason = typeof e?.reason === 'string' ? e.reason : typeof e?.message === 'string' ? e.message : String(err);
  return { code, reason };
}

/** The evidence in a server's clear first flight (TLS <= 1.2), for a handshake we did not complete. */
export function flightEvidence(flight: ServerFlight, params: Pick<HandshakeParams, 'host' | 'now'>, reason: string): HandshakeOutcome {
  const leaf = flight.certificates[0];
  const x509 = leaf ? parseCertificate(leaf) : null;
  return {
    completed: false,
    version: null,
    cipher: null,
    authorized: false,
    authorizationError: null,
    ...certEvidence(x509, params, null),
    clientCertRequired: false,
    flight,
    notTls: false,
    errorCode: null,
    reason,
    socket: null,
  };
}

function failed(stream: CappedStream, params: HandshakeParams, error: ErrorInfo): HandshakeOutcome {
  const flight = parseServerFlight(stream.received);
  const local = error.local === true || isLocalRefusal(error.code);
  const clientCertRequired = flight.looksLikeTls && isClientCertRequired(error.code, flight);
  // A local refusal happens before the server has had its say: its silence proves nothing.
  const notTls = !local && !stream.capExceeded && (!flight.replied || !flight.looksLikeTls);
  const reason = local ? `TLS handshake not started: the local OpenSSL refused it (${error.reason})` : describeFailure(stream, flight, error, clientCertRequired);
  return { ...flightEvidence(flight, params, reason), clientCertRequired, notTls, errorCode: error.code };
}

function describeFailure(stream: CappedStream, flight: ServerFlight, error: ErrorInfo, clientCertRequired: boolean): string {
  if (stream.capExceeded || error.code === READ_CAP_CODE) {
    return `TLS handshake aborted: server sent more than the ${READ_CAP_BYTES}-byte read cap; connection destroyed`;
  }
  if (!flight.replied) {
    if (stream.peerReset) return 'no TLS: connection reset by the server without a reply to the ClientHello';
    return 'no TLS: server closed the connection without a reply to the ClientHello';
  }
  if (!flight.looksLikeTls) return `no TLS: server replied with non-TLS data ${describeBytes(stream.received)}`;
  if (clientCertRequired) return `server requires a client certificate (${error.reason})`;
  if (stream.peerReset) return `connection reset during the TLS handshake after ${stream.bytesIn} bytes`;
  if (error.reason === 'connection closed' || /disconnected before secure TLS connection/.test(error.reason)) {
    return `server closed the connection during the TLS handshake after ${stream.bytesIn} bytes`;
  }
  return `TLS handshake failed: ${error.reason}`;
}

/**
 * A server demanding a client certificate shows it two ways: TLS 1.3 sends the certificate_required
 * alert (after our side considered the handshake done); TLS 1.2 and older send CertificateRequest in
 * clear and then a fatal alert (usually handshake_failure) when we send no certificate.
 */
export function isClientCertRequired(code: string, flight: ServerFlight): boolean {
  const alert = peerAlert(code);
  if (alert === 'certificate_required') return true;
  return flight.certificateRequested && alert !== null;
}

/**
 * After a TLS 1.3 handshake the server may still refuse us for lack of a client certificate: it checks
 * our (empty) Certificate after our side reported success. Resolves on the first sign either way:
 * a session ticket (the server accepted us), the certificate_required alert, or the connection closing.
 * The caller bounds the wait.
 */
export function awaitTls13Verdict(socket: TLSSocket): Promise<{ readonly clientCertRequired: boolean; readonly reason: string | null }> {
  return new Promise((resolve) => {
    socket.once('session', () => resolve({ clientCertRequired: false, reason: null }));
    socket.once('error', (err: unknown) => {
      const info = errorInfo(err);
      const required = peerAlert(info.code) === 'certificate_required';
      resolve({ clientCertRequired: required, reason: required ? `server requires a client certificate (${info.reason})` : `TLS error after the handshake: ${info.reason}` });
    });
    socket.once('close', () => resolve({ clientCertRequired: false, reason: 'server closed the connection after the handshake' }));
  });
}

function verifyErrorCode(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  const e = value as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' ? e.code : typeof e.message === 'string' ? e.message : String(value);
}
