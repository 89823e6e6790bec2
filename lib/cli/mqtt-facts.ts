/**
 * The MQTT posture facts in words, for `probe` (below its table) and `status TARGET` (detail lines):
 * the protocol levels a broker speaks, what its MQTT 5 CONNACK disclosed, its plaintext listener.
 */
import type { MqttEvidence, MqttV5Facts, PlaintextListenerEvidence } from '../../lambda/probe/types';

const LEVELS = ['3.1', '3.1.1', '5'] as const;

/** `3.1 yes, 3.1.1 yes, 5 no`; `?` where the level was not asked or not answered. */
export function formatVersions(mqtt: MqttEvidence): string | null {
  const versions = mqtt.versions;
  if (!versions) return null;
  return LEVELS.map((level) => `${level} ${versions[level] === null ? '?' : versions[level] ? 'yes' : 'no'}`).join(', ');
}

/** The CONNACK properties, in the order of the specification's table; null: none disclosed. */
const V5_NAMES: readonly (readonly [keyof MqttV5Facts, string])[] = [
  ['sessionExpiryInterval', 'session expiry'],
  ['receiveMaximum', 'receive maximum'],
  ['maximumQoS', 'maximum QoS'],
  ['retainAvailable', 'retain available'],
  ['maximumPacketSize', 'maximum packet size'],
  ['assignedClientIdentifier', 'assigned client id'],
  ['topicAliasMaximum', 'topic alias maximum'],
  ['reasonString', 'reason string'],
  ['wildcardSubscriptionAvailable', 'wildcard subscriptions'],
  ['subscriptionIdentifiersAvailable', 'subscription identifiers'],
  ['sharedSubscriptionAvailable', 'shared subscriptions'],
  ['serverKeepAlive', 'server keep-alive'],
  ['serverReference', 'server reference'],
];

/** `receive maximum 20, topic alias maximum 10`; `defaults only` when the broker stated nothing. */
export function formatV5Facts(v5: MqttV5Facts): string {
  const shown = V5_NAMES.flatMap(([key, name]) => {
    const value = v5[key];
    if (value === null) return [];
    return [`${name} ${typeof value === 'boolean' ? (value ? 'yes' : 'no') : typeof value === 'string' ? JSON.stringify(value) : String(value)}`];
  });
  return shown.length > 0 ? shown.join(', ') : 'defaults only (no property stated)';
}

/** `port 1883: CONNACK 0 (accepted)`, `port 1883: closed (ECONNREFUSED)`. */
export function formatPlaintextListener(plain: PlaintextListenerEvidence): string {
  return plain.status === 'open' ? `port ${plain.port}: ${plain.reason}` : `port ${plain.port}: ${plain.status} (${plain.reason})`;
}

/** Label and text of each fact present, for a detail view. */
export function mqttFactLines(mqtt: MqttEvidence | null, plain: PlaintextListenerEvidence | null | undefined): [string, string][] {
  const lines: [string, string][] = [];
  const versions = mqtt ? formatVersions(mqtt) : null;
  if (versions !== null) lines.push(['mqtt versions', versions]);
  if (mqtt?.v5) lines.push(['mqtt 5 connack', formatV5Facts(mqtt.v5)]);
  if (plain) lines.push(['plaintext listener', formatPlaintextListener(plain)]);
  return lines;
}
