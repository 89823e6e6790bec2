/**
 * One connection of the deep probe: connect, then a TLS handshake or the legacy ClientHello, then one
 * MQTT exchange, as its plan says. The connection is one `withDeadline`, each phase re-armed at what
 * the probe's Budget allows (budget.ts), and it holds one socket slot. Never rejects: what happened,
 * including a timeout, is the returned state, which the deep probe (deep.ts) reads.
 */
import type { Duplex } from 'node:stream';
import { GOODBYE_MS, TLS13_VERDICT_MS, type Budget } from './budget';
import { CappedStream, connectTcp } from './connection';
import { withDeadline, type TimeoutInfo } from './deadline';
import { helloFlight, legacyClientHello } from './legacy-tls';
import type { Limiter } from './limiter';
import { mqttConnect, newClientId, type MqttExchange, type MqttVersion } from './mqtt';
import { timeoutReason } from './tcp';
import { awaitTls13Verdict, tlsHandshake, type HandshakeOutcome } from './tls-handshake';
import type { ServerFlight } from './tls-records';
import type { ProbeOptions, ResolvedAddress } from './types';

/** What every connection of one deep probe shares: where to connect, the clock, the slots, the budget. */
export interface SessionContext {
  readonly host: string;
  readonly port: number;
  readonly address: ResolvedAddress;
  readonly timeoutMs: number;
  readonly now: Date;
  readonly ca?: ProbeOptions['ca'];
  readonly sockets: Limiter;
  readonly budget: Budget;
}

export interface SessionPlan {
  readonly tls: boolean;
  /** Send OpenSSL's legacy ClientHello and read the answer in clear, without a TLS handshake of our own. */
  readonly legacyHello?: boolean;
  /** Offer only TLS 1.0/1.1 in the handshake (the legacy check's full handshake). */
  readonly legacy?: boolean;
  /** Offer only TLS 1.2 in the handshake (the weak-cipher check's handshake). */
  readonly tls12?: boolean;
  readonly mqtt: MqttVersion | null;
  /** Wait for a TLS 1.3 server's session ticket or certificate_required alert. */
  readonly awaitVerdict?: boolean;
  /** Cap on the connect phase below the phase timeout (the plaintext-listener check, posture.ts). */
  readonly connectMs?: number;
}

export interface SessionState {
  /** Set when no connection could be made, or the budget left no time to try. */
  notRun: string | null;
  /** The connect's error code (`ECONNREFUSED`, ...) when it failed before the deadline. */
  connectError: string | null;
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

function phaseMs(ctx: SessionContext): number {
  return ctx.budget.phaseMs(ctx.timeoutMs);
}

/** One connection: connect, optionally TLS, optionally one MQTT exchange. Never rejects. */
export async function runSession(ctx: SessionContext, plan: SessionPlan): Promise<SessionState> {
  const state: SessionState = { notRun: null, connectError: null, stream: null, handshake: null, helloFlight: null, noLegacyHello: false, verdict: null, mqtt: null, timedOut: null };
  const queued = performance.now();
  return ctx.sockets.run(() => {
    ctx.budget.credit(performance.now() - queued);
    const budgeted = ctx.budget.startMs(ctx.timeoutMs);
    const first = budgeted === null || plan.connectMs === undefined ? budgeted : Math.min(budgeted, plan.connectMs);
    if (first === null) return Promise.resolve({ ...state, notRun: `not tried: probe time budget spent` });
    return withDeadline<SessionState>(
      first,
      'connect',
      async (deadline) => {
        const connected = await connectTcp(deadline, ctx.address.address, ctx.port, ctx.address.family);
        if (!connected.ok) {
          state.notRun = `could not reconnect: ${connected.code}`;
          state.connectError = connected.code;
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
          const handshake = await tlsHandshake(stream, { host: ctx.host, now: ctx.now, legacy: plan.legacy ?? false, tls12: plan.tls12 ?? false, ...(ctx.ca !== undefined ? { ca: ctx.ca } : {}) }, deadline.own);
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
export function handshakeTimeoutReason(state: SessionState): string {
  const t = state.timedOut;
  if (!t) return state.notRun ?? 'TLS not attempted';
  if (t.phase === 'connect') return `TLS connection: ${timeoutReason(t.timeoutMs)}`;
  const bytes = state.stream?.bytesIn ?? 0;
  return bytes === 0
    ? `no TLS: no reply to the ClientHello within ${t.timeoutMs} ms`
    : `TLS handshake: ${timeoutReason(t.timeoutMs)} (${bytes} bytes received)`;
}
