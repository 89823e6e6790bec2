/**
 * The deep probe's MQTT posture beyond the one CONNACK: the plaintext listener beside the TLS port
 * (`plaintext-listener`), and which protocol levels the broker speaks. Each is at most one more
 * connection per question, a session like any other (session.ts), drawn on the probe's budget: with
 * too little left a question is not asked and its answer stays null. Never SUBSCRIBE or PUBLISH.
 */
import { PLAINTEXT_CONNECT_MIN_MS, PLAINTEXT_CONNECT_RTTS } from './budget';
import { connackMeaning, type MqttVersion } from './mqtt';
import { runSession, type SessionContext, type SessionState } from './session';
import { classifyConnectError, timeoutReason } from './tcp';
import type { MqttV5Facts, MqttVersions, PlaintextListenerEvidence } from './types';

/**
 * How long the plaintext connect may take. A well-configured broker in a VPC has its 1883 dropped by a
 * security group, so silence is the common answer; waiting a full `timeoutMs` for it would add that to
 * every such probe. The same host answered a connect to its TLS port in `connectLatencyMs`, so a
 * listener beside it answers within a few of those round trips; the floor covers a jittery network.
 */
export function plaintextConnectMs(connectLatencyMs: number): number {
  return Math.max(PLAINTEXT_CONNECT_MIN_MS, PLAINTEXT_CONNECT_RTTS * connectLatencyMs);
}

/** One capped connect to `port` on the same address and, when it connects, one 3.1.1 CONNECT in clear. */
export async function plaintextListenerCheck(ctx: SessionContext, port: number, connectLatencyMs: number): Promise<PlaintextListenerEvidence> {
  const connectMs = plaintextConnectMs(connectLatencyMs);
  const state = await runSession({ ...ctx, port }, { tls: false, mqtt: 4, connectMs });
  const none = { port, connack: null, anonymous: false };
  if (state.connectError !== null) return { ...none, status: classifyConnectError(state.connectError), reason: state.connectError };
  if (state.timedOut?.phase === 'connect') return { ...none, status: 'filtered', reason: `connect ${timeoutReason(state.timedOut.timeoutMs)}` };
  if (state.notRun !== null) return { ...none, status: 'error', reason: state.notRun };
  const seen = state.mqtt;
  if (seen && seen.connack !== null) return { ...none, status: 'open', connack: seen.connack, anonymous: connackMeaning(4, seen.connack).anonymous, reason: seen.reason };
  const why = seen?.reason ?? (state.timedOut ? `no CONNACK within ${state.timedOut.timeoutMs} ms` : 'no CONNACK');
  return { ...none, status: 'open', reason: why };
}

/**
 * The verdict of one CONNECT at one level. A hang-up without a word counts as a refusal: the caller
 * asks only a broker that answered another level with a CONNACK, so silence is about this level.
 */
export function versionVerdict(state: SessionState | null): boolean | null {
  const seen = state?.mqtt;
  if (!state || !seen) return null;
  if (seen.connack !== null) return !connackMeaning(seen.protocolVersion, seen.connack).wrongVersion;
  return seen.hungUp ? false : null;
}

export interface VersionFacts {
  readonly versions: MqttVersions;
  readonly v5: MqttV5Facts | null;
}

/**
 * Asks each level the sessions so far left unasked, one connection each, on the transport the broker
 * answered on. `known` holds the sessions already run (the 3.1.1 CONNECT, and the MQTT 5 retry when
 * the broker refused 3.1.1), so a level is never asked twice.
 */
export async function versionCheck(ctx: SessionContext, tls: boolean, known: Partial<Record<MqttVersion, SessionState>>): Promise<VersionFacts> {
  // Side by side: each question is a handshake and a round trip, mostly waiting, and both share the
  // budget's one deadline either way; asked in turn they would add their waits to every probe.
  const [v5, v3] = await Promise.all(([5, 3] as const).map((level) => known[level] ?? runSession(ctx, { tls, mqtt: level })));
  const sessions: Partial<Record<MqttVersion, SessionState>> = { ...known, 5: v5, 3: v3 };
  return {
    versions: { '3.1': versionVerdict(sessions[3] ?? null), '3.1.1': versionVerdict(sessions[4] ?? null), '5': versionVerdict(sessions[5] ?? null) },
    v5: sessions[5]?.mqtt?.v5 ?? null,
  };
}
