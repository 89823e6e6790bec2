/**
 * Depths `tls` and `mqtt` on one open address: the sequence of connections and what they prove.
 *
 *   1. TLS handshake (Node defaults: TLS 1.2-1.3, default ciphers: what a modern client sees), then at
 *      depth mqtt one CONNECT on the same session. A 3.1.1 "unacceptable protocol version" is retried
 *      as MQTT 5 on a new connection.
 *   2. The port answered in something other than TLS (or hung up without a word) at depth mqtt:
 *      CONNECT in clear on a new connection; a CONNACK there is `plaintext-mqtt`.
 *   3. The server speaks TLS: a second, capped connection offering only TLS 1.0/1.1 (`legacy-tls`).
 *      After a completed modern handshake it sends OpenSSL's legacy ClientHello and reads the answer
 *      in clear; a full legacy handshake follows only when that answer does not settle the question,
 *      or when the modern handshake failed (then its certificate is the evidence if it completes).
 *
 * Every connection is one `withDeadline` (each phase: connect, handshake, CONNACK, re-armed at
 * `timeoutMs`) and holds one socket slot. All of them together share a time budget (see Budget), so
 * the whole deep probe stays bounded however slowly a hostile server feeds us.
 */
import type { Duplex } from 'node:stream';
import { CappedStream, connectTcp } from './connection';
import { withDeadline, type TimeoutInfo } from './deadline';
import type { Limiter } from './limiter';
import { connackMeaning, mqttConnect, newClientId, type MqttExchange, type MqttVersion } from './mqtt';
import { timeoutReason } from './tcp';
import { awaitTls13Verdict, flightEvidence, helloFlight, isClientCertRequired, isLocalRefusal, legacyClientHello, legacyVersionAccepted, tlsHandshake, type HandshakeOutcome } from './tls';
import { tlsVersionName, type ServerFlight } from './tls-records';
import type { MqttEvidence, ProbeOptions, ResolvedAddress, TlsEvidence } from './types';

/** Wait for a TLS 1.3 server's verdict on our missing client certificate (depth tls only). */
const TLS13_VERDICT_MS = 250;
/** Time given to DISCONNECT and close_notify to leave before the socket is destroyed anyway. */
const GOODBYE_MS = 500;
/** A phase shorter than this is not worth starting: its timeout would be noise. */
const MIN_PHASE_MS = 20;

/**
 * Wall-clock budget of the deep probe. Time spent waiting for a socket slot is credited back: a
 * target must never look slow, or lose its legacy check, because other targets held the sockets.
 */
export class Budget {
  private readonly started = performance.now();
  private credited = 0;

  constructor(private readonly totalMs: number) {}

  credit(ms: number): void {
    this.credited += ms;
  }

  remaining(): number {
    return this.totalMs + this.credited - (performance.now() - this.started);
  }
}

export interface DeepContext {
  readonly host: string;
  readonly port: number;
  readonly address: ResolvedAddress;
  readonly depth: 'tls' | 'mqtt';
  readonly timeoutMs: number;
  readonly now: Date;
  readonly ca?: ProbeOptions['ca'];
  readonly sockets: Limiter;
  readonly budget: Budget;
}

export interface DeepResult {
  readonly tls: TlsEvidence | null;
  readonly mqtt: MqttEvidence | null;
  readonly reason: string;
}

interface SessionPlan {
  readonly tls: boolean;
  /** Send OpenSSL's legacy ClientHello and read the answer in clear, without a TLS handshake of our own. */
  readonly legacyHello?: boolean;
  readonly legacy?: boolean;
  readonly mqtt: MqttVersion | null;
  /** Wait for a TLS 1.3 server's session ticket or certificate_required alert. */
  readonly awaitVerdict?: boolean;
}

interface SessionState {
  /** Set when no connection could be made, or the budget left no time to try. */
  notRun: string | null;
  stream: CappedStream | null;
  handshake: HandshakeOutcome | null;
  /** What the server answered to the legacy ClientHello; null when it was not sent. */
  helloFlight: ServerFlight | null;
  /** The local OpenSSL produced no legacy ClientHello to send. */
  noLegacyHello: boolean;
  verdict: { readonly clientCertRequired: boolean; readonly reason: string | null } | null;
  mqtt: Omit<MqttExchange, 'goodbye'> | null;
  timedOut: TimeoutInfo | null;
}

function phaseMs(ctx: DeepContext): number {
  return Math.min(ctx.timeoutMs, Math.max(0, Math.floor(ctx.budget.remaining())));
}

/** One connection: connect, optionally TLS, optionally one MQTT exchange. Never rejects. */
async function runSession(ctx: DeepContext, plan: SessionPlan): Promise<SessionState> {
  const state: SessionState = { notRun: null, stream: null, handshake: null, helloFlight: null, noLegacyHello: false, verdict: null, mqtt: null, timedOut: null };
  const queued = performance.now();
  return ctx.sockets.run(() => {
    ctx.budget.credit(performance.now() - queued);
    const first = phaseMs(ctx);
    if (first < MIN_PHASE_MS) return Promise.resolve({ ...state, notRun: `not tried: probe time budget spent` });
    return withDeadline<SessionState>(
      first,
      'connect',
      async (deadline) => {
        const connected = await connectTcp(deadline, ctx.address.address, ctx.port, ctx.address.family);
        if (!connected.ok) {
          state.notRun = `could not reconnect: ${connected.code}`;
          return { ...state };
        }
        const stream = new CappedStream(connected.socket);
        deadline.own(() => stream.destroy());
        stream.on('error', () => undefined);
        state.stream = stream;
        let transport: Duplex = stream;
        if (plan.legacyHello) {
          deadline.phase('TLS handshake', phaseMs(ctx));
          const hello = await legacyClientHello(ctx.host, deadline.own);
          if (hello === null) state.noLegacyHello = true;
          else state.helloFlight = await helloFlight(stream, hello);
          return { ...state };
        }
        if (plan.tls) {
          deadline.phase('TLS handshake', phaseMs(ctx));
          const handshake = await tlsHandshake(stream, { host: ctx.host, now: ctx.now, legacy: plan.legacy ?? false, ...(ctx.ca !== undefined ? { ca: ctx.ca } : {}) }, deadline.own);
          state.handshake = handshake;
          if (!handshake.socket) return { ...state };
          transport = handshake.socket;
          if (plan.awaitVerdict && handshake.version === 'TLSv1.3') {
            deadline.phase('TLS 1.3 verdict', Math.min(TLS13_VERDICT_MS, phaseMs(ctx)));
            state.verdict = await awaitTls13Verdict(handshake.socket);
          }
        }
        if (plan.mqtt !== null) {
          deadline.phase('CONNACK', phaseMs(ctx));
          const exchange = await mqttConnect(transport, plan.mqtt, newClientId());
          const { goodbye, ...seen } = exchange;
          state.mqtt = seen;
          deadline.phase('DISCONNECT', Math.min(GOODBYE_MS, phaseMs(ctx)));
          await goodbye;
        }
        return { ...state };
      },
      (info) => ({ ...state, timedOut: info }),
    );
  });
}

/** Why a session ended in its handshake phase without a handshake outcome. */
function handshakeTimeoutReason(state: SessionState): string {
  const t = state.timedOut;
  if (!t) return state.notRun ?? 'TLS not attempted';
  if (t.phase === 'connect') return `TLS connection: ${timeoutReason(t.timeoutMs)}`;
  const bytes = state.stream?.bytesIn ?? 0;
  return bytes === 0
    ? `no TLS: no reply to the ClientHello within ${t.timeoutMs} ms`
    : `TLS handshake: ${timeoutReason(t.timeoutMs)} (${bytes} bytes received)`;
}

function mqttFromSession(state: SessionState, transport: 'tls' | 'plain', version: MqttVersion): MqttEvidence | null {
  const seen = state.mqtt;
  if (seen) {
    const meaning = seen.connack === null ? null : connackMeaning(seen.protocolVersion, seen.connack);
    return {
      transport,
      protocolVersion: seen.protocolVersion,
      connack: seen.connack,
      anonymous: meaning?.anonymous ?? false,
      reason: seen.reason,
      ...(meaning?.authRequired !== undefined ? { authRequired: meaning.authRequired } : {}),
    };
  }
  if (state.timedOut?.phase === 'CONNACK') {
    return { transport, protocolVersion: version, connack: null, anonymous: false, reason: `no CONNACK within ${state.timedOut.timeoutMs} ms` };
  }
  return null;
}

interface MqttSessions {
  /** The 3.1.1 session (its handshake is the TLS evidence). */
  readonly first: SessionState;
  /** The session whose CONNACK is reported. */
  readonly chosen: SessionState;
  readonly version: MqttVersion;
  readonly note: string | null;
}

/**
 * CONNECT as 3.1.1 (what every broker speaks), and as 5 on a new connection when the broker answers
 * that it does not speak 3.1.1 (CONNACK 1, or a v5-style 0x84).
 */
async function mqttSessions(ctx: DeepContext, tls: boolean): Promise<MqttSessions> {
  const first = await runSession(ctx, { tls, mqtt: 4 });
  const code = first.mqtt?.connack;
  if (code === undefined || code === null || !connackMeaning(4, code).wrongVersion) return { first, chosen: first, version: 4, note: null };
  const second = await runSession(ctx, { tls, mqtt: 5 });
  if (second.mqtt?.connack !== null && second.mqtt?.connack !== undefined) {
    return { first, chosen: second, version: 5, note: `MQTT 3.1.1 refused (${first.mqtt?.reason ?? ''}), retried as MQTT 5` };
  }
  const timedOut = second.timedOut ? `${second.timedOut.phase}: ${timeoutReason(second.timedOut.timeoutMs)}` : null;
  const why = second.mqtt?.reason ?? timedOut ?? second.handshake?.reason ?? second.notRun ?? 'failed';
  return { first, chosen: first, version: 4, note: `MQTT 5 retry: ${why}` };
}

export interface LegacyVerdict {
  readonly accepted: boolean | null;
  readonly reason: string;
  readonly handshake: HandshakeOutcome | null;
}

/**
 * The legacy verdict from the server's clear answer to OpenSSL's legacy ClientHello, when that answer
 * settles it as the full handshake would; null sends the probe to the full handshake: no hello to send,
 * an answer that is neither a ServerHello nor an alert, or a first flight cut short (the handshake's
 * error text then says what it was), or a CertificateRequest (only the handshake learns whether the
 * certificate is required).
 */
function helloVerdict(ctx: DeepContext, state: SessionState): LegacyVerdict | null {
  if (state.noLegacyHello) return null;
  const flight = state.helloFlight;
  if (!flight) return { accepted: null, reason: `legacy TLS not determined: ${handshakeTimeoutReason(state)}`, handshake: null };
  const accepted = legacyVersionAccepted(flight);
  if (accepted === true && flight.serverHelloDone && !flight.certificateRequested) {
    const reason = `legacy ${tlsVersionName(flight.serverHelloVersion ?? 0)} accepted`;
    return { accepted: true, reason, handshake: flightEvidence(flight, { host: ctx.host, now: ctx.now }, reason) };
  }
  if (accepted === false || (accepted === null && flight.alert !== null)) {
    return { accepted: false, reason: 'legacy TLS 1.0/1.1 refused', handshake: flightEvidence(flight, { host: ctx.host, now: ctx.now }, 'legacy TLS 1.0/1.1 refused') };
  }
  return null;
}

/**
 * Legacy TLS. After a completed modern handshake the question is only whether the server would agree
 * to TLS 1.0/1.1, which its answer to the ClientHello says: asked that way first (the full handshake
 * costs about 0.5 ms of CPU, a quarter of a deep probe, for the same answer). When the modern handshake
 * failed, the legacy handshake may be the evidence itself, so it runs in full.
 */
async function legacyCheck(ctx: DeepContext, modernCompleted: boolean): Promise<LegacyVerdict> {
  if (modernCompleted) {
    const quick = helloVerdict(ctx, await runSession(ctx, { tls: false, legacyHello: true, mqtt: null }));
    if (quick) return quick;
  }
  const state = await runSession(ctx, { tls: true, legacy: true, mqtt: null });
  const hs = state.handshake;
  if (!hs) return { accepted: null, reason: `legacy TLS not determined: ${handshakeTimeoutReason(state)}`, handshake: null };
  return legacyHandshakeVerdict(hs);
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
  if (byHello === false || hs.flight.alert !== null || /^ERR_SSL_.*ALERT/.test(hs.errorCode ?? '')) {
    return { accepted: false, reason: 'legacy TLS 1.0/1.1 refused', handshake: hs };
  }
  return { accepted: null, reason: `legacy TLS not determined: ${hs.reason}`, handshake: hs };
}

function evidenceFrom(hs: HandshakeOutcome | null, reason: string, clientCertRequired: boolean, legacyTls: boolean | null): TlsEvidence {
  return {
    version: hs?.version ?? null,
    cipher: hs?.cipher ?? null,
    authorized: hs?.authorized ?? false,
    authorizationError: hs?.authorizationError ?? null,
    hostnameMatch: hs?.hostnameMatch ?? null,
    cert: hs?.cert ?? null,
    legacyTls,
    clientCertRequired,
    reason,
  };
}

export async function probeDeep(ctx: DeepContext): Promise<DeepResult> {
  const reasons: string[] = [];
  let mqtt: MqttEvidence | null = null;

  // 1. TLS, and MQTT over it.
  const sessions = ctx.depth === 'mqtt' ? await mqttSessions(ctx, true) : null;
  const main = sessions ? sessions.first : await runSession(ctx, { tls: true, mqtt: null, awaitVerdict: true });
  const hs = main.handshake;
  if (main.notRun !== null && !hs) {
    return { tls: null, mqtt: null, reason: `TLS ${main.notRun}` };
  }
  let clientCertRequired = hs?.clientCertRequired ?? false;
  if (main.verdict?.clientCertRequired) clientCertRequired = true;
  const mqttError = main.mqtt?.errorCode ?? null;
  if (hs && mqttError !== null && isClientCertRequired(mqttError, hs.flight)) clientCertRequired = true;

  let tlsReason = hs ? hs.reason : handshakeTimeoutReason(main);
  if (main.verdict?.reason && main.verdict.clientCertRequired) tlsReason = `${tlsReason}; ${main.verdict.reason}`;
  else if (clientCertRequired && hs?.completed) tlsReason = `${tlsReason}; server requires a client certificate`;
  reasons.push(tlsReason);

  if (sessions && hs?.completed) {
    mqtt = mqttFromSession(sessions.chosen, 'tls', sessions.version);
    if (mqtt && clientCertRequired && mqtt.connack === null) mqtt = { ...mqtt, reason: 'no CONNACK: the TLS session was refused for lack of a client certificate' };
    if (mqtt) reasons.push(mqtt.reason);
    if (sessions.note) reasons.push(sessions.note);
  }

  // 2. Not TLS at all: is it MQTT in clear?
  if (ctx.depth === 'mqtt' && hs && !hs.completed && hs.notTls) {
    const plain = await mqttSessions(ctx, false);
    const plainEvidence = mqttFromSession(plain.chosen, 'plain', plain.version);
    mqtt = plainEvidence ?? {
      transport: 'plain',
      protocolVersion: 4,
      connack: null,
      anonymous: false,
      reason: plain.chosen.notRun ?? (plain.chosen.timedOut ? timeoutReason(plain.chosen.timedOut.timeoutMs) : 'no CONNACK'),
    };
    reasons.push(`MQTT in clear: ${mqtt.reason}`);
    if (plain.note) reasons.push(plain.note);
  }

  // 3. Legacy TLS, only where the server speaks TLS at all.
  let legacyTls: boolean | null = null;
  let evidenceHandshake = hs;
  if (hs && (hs.completed || hs.flight.looksLikeTls)) {
    const legacy = await legacyCheck(ctx, hs.completed);
    legacyTls = legacy.accepted;
    reasons.push(legacy.reason);
    // A server that speaks only TLS 1.0/1.1 fails the modern handshake: its facts come from this one.
    if (!hs.completed && legacy.handshake?.completed) evidenceHandshake = legacy.handshake;
    else if (!hs.cert && legacy.handshake?.cert) evidenceHandshake = { ...hs, cert: legacy.handshake.cert, hostnameMatch: legacy.handshake.hostnameMatch };
    if (legacy.handshake?.clientCertRequired) clientCertRequired = true;
  }

  return { tls: evidenceFrom(evidenceHandshake, tlsReason, clientCertRequired, legacyTls), mqtt, reason: reasons.join('; ') };
}
