/**
 * Depths `tls` and `mqtt` on one open address: the sequence of connections and what they prove.
 *
 *   1. TLS handshake (Node defaults: TLS 1.2-1.3, default ciphers: what a modern client sees), then at
 *      depth mqtt one CONNECT on the same session. A 3.1.1 "unacceptable protocol version" is retried
 *      as MQTT 5 on a new connection. A TLS 1.3 server that hung up on the CONNECT without a word is
 *      asked once more, on a new connection that sends nothing, whether it wants a client certificate.
 *   2. The port answered in something other than TLS (or hung up without a word) at depth mqtt:
 *      CONNECT in clear on a new connection; a CONNACK there is `plaintext-mqtt`.
 *   3. The server speaks TLS: a second, capped connection offering only TLS 1.0/1.1 (`legacy-tls`).
 *      After a completed modern handshake it sends OpenSSL's legacy ClientHello and reads the answer
 *      in clear; a full legacy handshake follows only when that answer does not settle the question,
 *      or when the modern handshake failed (then its certificate is the evidence if it completes).
 *   4. Depth mqtt: a capped connect to the plaintext port beside this one (1883) and one CONNECT in
 *      clear there; a CONNACK is `plaintext-listener` (posture.ts).
 *   5. Alongside 4, of a broker that answered a CONNECT: one CONNECT at each protocol level not yet
 *      asked (5, 3.1), on the transport it answered on; the MQTT 5 CONNACK's properties are facts.
 *   6. (asked between 2 and 3) The TLS 1.2 suite a client offering strong and weak suites gets
 *      (`weak-cipher`): the modern handshake's own when it went to TLS 1.2; after a TLS 1.3 one, one
 *      more capped handshake offering only TLS 1.2 (tls12Check).
 *
 * A `core` look (posture: 'core') makes 1, 2 and 4 (the plaintext listener, an exposure): 3, 5 and 6
 * change slowly, and the monitor asks them on a slower cadence, carrying their last answers in between
 * (lambda/monitor/posture-carry.ts).
 *
 * Every connection is one session (session.ts): one `withDeadline`, one socket slot, each phase
 * re-armed at `timeoutMs`. All of them together share the probe's time budget (budget.ts), so the
 * whole deep probe stays bounded however slowly a hostile server feeds us. What a handshake shows is
 * tls-handshake.ts and cert-facts.ts; what the legacy answers mean is legacy-tls.ts.
 */
import { legacyHandshakeVerdict, legacyHelloVerdict, legacyNotDetermined, type LegacyVerdict } from './legacy-tls';
import { connackMeaning } from './mqtt';
import { handshakeTimeoutReason, runSession, type SessionContext, type SessionState } from './session';
import { timeoutReason } from './tcp';
import { isClientCertRequired, peerAlert, type HandshakeOutcome } from './tls-handshake';
import { plaintextListenerCheck, versionCheck } from './posture';
import type { MqttEvidence, PlaintextListenerEvidence, PostureScope, TlsEvidence } from './types';

export interface DeepContext extends SessionContext {
  readonly depth: 'tls' | 'mqtt';
  /** Depth mqtt: the port to check for a plaintext listener; null: do not (index.ts decides). */
  readonly plaintextPort: number | null;
  /** How long the TCP phase's connect to this address took: paces the plaintext connect. */
  readonly connectLatencyMs: number;
  /**
   * `core`: the main handshake and its CONNECT (the certificate, the chain verdict, anonymous access) and
   * the plaintext listener; the slow-changing questions (3, 5, 6) are not asked and their evidence stays
   * null or absent. The caller carries their last answers (lambda/monitor/posture-carry.ts). @default 'all'
   */
  readonly posture?: PostureScope;
}

export interface DeepResult {
  readonly tls: TlsEvidence | null;
  readonly mqtt: MqttEvidence | null;
  readonly plaintextListener: PlaintextListenerEvidence | null;
  readonly reason: string;
}

function mqttFromSession(state: SessionState, transport: 'tls' | 'plain', version: 4 | 5): MqttEvidence | null {
  const seen = state.mqtt;
  if (seen) {
    const meaning = seen.connack === null ? null : connackMeaning(seen.protocolVersion, seen.connack);
    return {
      transport,
      // The reported CONNACK is always of a 3.1.1 or 5 CONNECT (mqttSessions); 3.1 is asked only by posture.ts.
      protocolVersion: seen.protocolVersion === 5 ? 5 : 4,
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
  readonly version: 4 | 5;
  readonly note: string | null;
  /** The MQTT 5 retry, when it ran: the version check reuses it. */
  readonly v5: SessionState | null;
}

/**
 * CONNECT as 3.1.1 (what every broker speaks), and as 5 on a new connection when the broker answers
 * that it does not speak 3.1.1 (CONNACK 1, or a v5-style 0x84).
 */
async function mqttSessions(ctx: DeepContext, tls: boolean): Promise<MqttSessions> {
  const first = await runSession(ctx, { tls, mqtt: 4 });
  const code = first.mqtt?.connack;
  if (code === undefined || code === null || !connackMeaning(4, code).wrongVersion) return { first, chosen: first, version: 4, note: null, v5: null };
  const second = await runSession(ctx, { tls, mqtt: 5 });
  if (second.mqtt?.connack !== null && second.mqtt?.connack !== undefined) {
    return { first, chosen: second, version: 5, note: `MQTT 3.1.1 refused (${first.mqtt?.reason ?? ''}), retried as MQTT 5`, v5: second };
  }
  const timedOut = second.timedOut ? `${second.timedOut.phase}: ${timeoutReason(second.timedOut.timeoutMs)}` : null;
  const why = second.mqtt?.reason ?? timedOut ?? second.handshake?.reason ?? second.notRun ?? 'failed';
  return { first, chosen: first, version: 4, note: `MQTT 5 retry: ${why}`, v5: second };
}

/**
 * Legacy TLS. After a completed modern handshake the question is only whether the server would agree
 * to TLS 1.0/1.1, which its answer to the ClientHello says: asked that way first (the full handshake
 * costs about 0.5 ms of CPU, a quarter of a deep probe, for the same answer). When the modern handshake
 * failed, the legacy handshake may be the evidence itself, so it runs in full; so it does when the
 * local OpenSSL made no legacy ClientHello to send, or the answer did not settle the question.
 */
async function legacyCheck(ctx: DeepContext, modernCompleted: boolean): Promise<LegacyVerdict> {
  if (modernCompleted) {
    const hello = await runSession(ctx, { tls: false, legacyHello: true, mqtt: null });
    if (!hello.noLegacyHello) {
      if (!hello.helloFlight) return legacyNotDetermined(handshakeTimeoutReason(hello));
      const quick = legacyHelloVerdict(hello.helloFlight, { host: ctx.host, now: ctx.now });
      if (quick) return quick;
    }
  }
  const state = await runSession(ctx, { tls: true, legacy: true, mqtt: null });
  const hs = state.handshake;
  if (!hs) return legacyNotDetermined(handshakeTimeoutReason(state));
  return legacyHandshakeVerdict(hs);
}

/**
 * Whether the MQTT session leaves the TLS 1.3 client-certificate question open: the handshake completed
 * in TLS 1.3, and the server then hung up on the CONNECT with no CONNACK and no TLS alert that we read.
 *
 * In TLS 1.3 a server refuses a missing client certificate only after our side has finished the
 * handshake: its certificate_required alert comes one round trip after our Finished. A CONNECT written
 * in that round trip can reach a server that has already closed; its kernel answers with a reset, our
 * write fails, and Node destroys the socket on the write error without reading the alert that sits in
 * our receive queue. Mosquitto shows it every time from the CLI, where the first CONNECT leaves about
 * 100 ms after the Finished (mqtt-packet builds a 65536-entry number cache on its first packet), and
 * about half the time from a warm process.
 */
function verdictUnread(session: SessionState): boolean {
  const hs = session.handshake;
  const seen = session.mqtt;
  if (!hs?.completed || hs.version !== 'TLSv1.3' || !seen || seen.connack !== null || !seen.hungUp) return false;
  // A TLS alert read in the exchange is the server's own word (isClientCertRequired reads it).
  return !/^ERR_SSL_/.test(seen.errorCode ?? '');
}

/**
 * Learns that verdict the way depth tls does: a new connection that completes the handshake, sends
 * nothing, and waits for the session ticket or the alert (awaitTls13Verdict).
 *
 * Why a second connection only in this case, not a verdict wait before every CONNECT: the wait would
 * cost every TLS 1.3 probe of every broker a round trip (0.3 ms median on loopback against mosquitto,
 * a network round trip in the field), and the whole TLS13_VERDICT_MS (250 ms) on a server that sends
 * no session ticket, for an answer only servers that hang up need. The check costs nothing to a broker
 * that answers the CONNECT, and one more connection to one that hangs up (a handshake and a round
 * trip: 4.9 ms median on loopback against mosquitto; both measured over 100 sessions). It draws on
 * the probe's budget like any connection: with too little left it is not started, and the session's
 * own reason stands.
 */
async function verdictCheck(ctx: DeepContext): Promise<SessionState['verdict']> {
  const check = await runSession(ctx, { tls: true, mqtt: null, awaitVerdict: true });
  return check.verdict;
}

interface Tls12Verdict {
  /** Absent when not tested (the modern handshake did not complete). */
  readonly cipher?: string | null;
  readonly reason: string | null;
}

/**
 * The TLS 1.2 suite question. A TLS 1.2 modern handshake already offered Node's default list (strong
 * suites first, weak ones after) and its pick is the answer: no extra connection. A TLS 1.3 one hides
 * what TLS 1.2 clients (much of the IoT fleet) get, so one handshake offering only TLS 1.2 asks
 * (TLS12_OPTIONS in tls-handshake.ts says why that list). Its cost, 50 depth-tls probes of a loopback
 * TLS 1.3 server (median, shared 2-core machine): 4 connections instead of 3, 5.7-6.6 ms instead of
 * 3.5 ms when quiet (up to 6 ms more under load), about 3 ms more CPU (our side and the in-process
 * server's together). A TLS 1.2 server costs nothing more.
 */
async function tls12Check(ctx: DeepContext, hs: HandshakeOutcome | null, clientCertRequired: boolean): Promise<Tls12Verdict> {
  // Without a client certificate a TLS 1.2 handshake would be refused as well: nothing to learn.
  if (!hs?.completed || clientCertRequired) return { reason: null };
  if (hs.version === 'TLSv1.2') return { cipher: hs.cipher, reason: null };
  if (hs.version !== 'TLSv1.3') return { reason: null };
  const state = await runSession(ctx, { tls: true, tls12: true, mqtt: null });
  const t12 = state.handshake;
  if (!t12) return { cipher: null, reason: `TLS 1.2 suite not determined: ${handshakeTimeoutReason(state)}` };
  if (t12.completed) return { cipher: t12.cipher, reason: `TLS 1.2 accepted (${t12.cipher ?? 'unknown cipher'})` };
  // An alert, or a ServerHello for another version, is the server declining TLS 1.2: nothing weak to pick.
  if (t12.clientCertRequired) return { cipher: null, reason: `TLS 1.2 suite not determined: ${t12.reason}` };
  if (t12.flight.alert !== null || peerAlert(t12.errorCode) !== null || t12.errorCode === 'ERR_SSL_UNSUPPORTED_PROTOCOL') return { cipher: null, reason: 'TLS 1.2 refused' };
  return { cipher: null, reason: `TLS 1.2 suite not determined: ${t12.reason}` };
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
    return { tls: null, mqtt: null, plaintextListener: null, reason: `TLS ${main.notRun}` };
  }
  const verdict = sessions && sessions.chosen === main && verdictUnread(main) ? await verdictCheck(ctx) : main.verdict;
  let clientCertRequired = hs?.clientCertRequired ?? false;
  if (verdict?.clientCertRequired) clientCertRequired = true;
  const mqttError = main.mqtt?.errorCode ?? null;
  if (hs && mqttError !== null && isClientCertRequired(mqttError, hs.flight)) clientCertRequired = true;

  let tlsReason = hs ? hs.reason : handshakeTimeoutReason(main);
  if (verdict?.reason && verdict.clientCertRequired) tlsReason = `${tlsReason}; ${verdict.reason}`;
  else if (clientCertRequired && hs?.completed) tlsReason = `${tlsReason}; server requires a client certificate`;
  reasons.push(tlsReason);

  if (sessions && hs?.completed) {
    mqtt = mqttFromSession(sessions.chosen, 'tls', sessions.version);
    if (mqtt && clientCertRequired && mqtt.connack === null) mqtt = { ...mqtt, reason: 'no CONNACK: the TLS session was refused for lack of a client certificate' };
    if (mqtt) reasons.push(mqtt.reason);
    if (sessions.note) reasons.push(sessions.note);
  }

  // 2. Not TLS at all: is it MQTT in clear?
  let spoken: { readonly tls: boolean; readonly sessions: MqttSessions } | null = sessions && hs?.completed ? { tls: true, sessions } : null;
  if (ctx.depth === 'mqtt' && hs && !hs.completed && hs.notTls) {
    const plain = await mqttSessions(ctx, false);
    spoken = { tls: false, sessions: plain };
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

  // 6, asked before 3: the suite question is about the modern handshake's server, and at depth tls
  // the legacy verdict's reason stays the last one (it may hold a `; ` of its own).
  // A core look asks none of the slow questions; the main handshake's own TLS 1.2 suite is free to keep.
  const core = ctx.posture === 'core';
  const tls12 = core ? (hs?.completed && hs.version === 'TLSv1.2' && !clientCertRequired ? { cipher: hs.cipher, reason: null } : { reason: null }) : await tls12Check(ctx, hs, clientCertRequired);
  if (tls12.reason !== null) reasons.push(tls12.reason);

  // 3. Legacy TLS, only where the server speaks TLS at all.
  let legacyTls: boolean | null = null;
  let evidenceHandshake = hs;
  if (!core && hs && (hs.completed || hs.flight.looksLikeTls)) {
    const legacy = await legacyCheck(ctx, hs.completed);
    legacyTls = legacy.accepted;
    reasons.push(legacy.reason);
    // A server that speaks only TLS 1.0/1.1 fails the modern handshake: its facts come from this one.
    if (!hs.completed && legacy.handshake?.completed) evidenceHandshake = legacy.handshake;
    else if (!hs.cert && legacy.handshake?.cert) evidenceHandshake = { ...hs, cert: legacy.handshake.cert, hostnameMatch: legacy.handshake.hostnameMatch };
    if (legacy.handshake?.clientCertRequired) clientCertRequired = true;
  }

  // 4 and 5, side by side: the plaintext listener (a finding) and the protocol levels with the MQTT 5
  // CONNACK's facts (only of a broker that answered a CONNECT). Both draw on the same budget, so
  // neither waits behind the other and the facts can never cost the finding its time.
  // The plaintext listener is asked at every look, core ones included: an open one is an exposure (anonymous
  // clients in clear text), and the usual answer, a refused connect, costs a fraction of a handshake.
  const plainCheck = ctx.depth === 'mqtt' && ctx.plaintextPort !== null ? plaintextListenerCheck(ctx, ctx.plaintextPort, ctx.connectLatencyMs) : null;
  const known = !core && spoken && mqtt && mqtt.connack !== null ? spoken : null;
  const levels = known ? versionCheck(ctx, known.tls, known.sessions.v5 ? { 4: known.sessions.first, 5: known.sessions.v5 } : { 4: known.sessions.first }) : null;
  const [plaintextListener, facts] = await Promise.all([plainCheck, levels]);
  if (mqtt && facts) mqtt = { ...mqtt, versions: facts.versions, v5: facts.v5 };
  if (plaintextListener) reasons.push(`plaintext port ${plaintextListener.port}: ${plaintextListener.reason}`);

  const tls = evidenceFrom(evidenceHandshake, tlsReason, clientCertRequired, legacyTls);
  return { tls: tls12.cipher !== undefined ? { ...tls, tls12Cipher: tls12.cipher } : tls, mqtt, plaintextListener, reason: reasons.join('; ') };
}
