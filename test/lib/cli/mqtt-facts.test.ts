import { formatPlaintextListener, formatV5Facts, formatVersions, mqttFactLines } from '../../../lib/cli/mqtt-facts';
import type { MqttEvidence, MqttV5Facts } from '../../../lambda/probe/types';

const NONE: MqttV5Facts = {
  assignedClientIdentifier: null,
  serverKeepAlive: null,
  maximumQoS: null,
  retainAvailable: null,
  wildcardSubscriptionAvailable: null,
  sharedSubscriptionAvailable: null,
  subscriptionIdentifiersAvailable: null,
  reasonString: null,
  serverReference: null,
  maximumPacketSize: null,
  topicAliasMaximum: null,
  receiveMaximum: null,
  sessionExpiryInterval: null,
};

const mqtt: MqttEvidence = {
  transport: 'tls',
  protocolVersion: 4,
  connack: 0,
  anonymous: true,
  reason: 'CONNACK 0 (accepted)',
  versions: { '3.1': null, '3.1.1': true, '5': false },
  v5: { ...NONE, receiveMaximum: 20, retainAvailable: false, reasonString: 'hi' },
};

describe('MQTT facts in words', () => {
  it('versions: yes, no, and ? for a level not asked or not answered', () => {
    expect(formatVersions(mqtt)).toBe('3.1 ?, 3.1.1 yes, 5 no');
    expect(formatVersions({ ...mqtt, versions: undefined } as unknown as MqttEvidence)).toBeNull();
  });

  it('MQTT 5 CONNACK: only what the broker stated, in the order of the specification', () => {
    expect(formatV5Facts(mqtt.v5 as MqttV5Facts)).toBe('receive maximum 20, retain available no, reason string "hi"');
    expect(formatV5Facts(NONE)).toBe('defaults only (no property stated)');
  });

  it('the plaintext listener: its CONNACK when open, else its status and why', () => {
    expect(formatPlaintextListener({ port: 1883, status: 'open', connack: 0, anonymous: true, reason: 'CONNACK 0 (accepted)' })).toBe('port 1883: CONNACK 0 (accepted)');
    expect(formatPlaintextListener({ port: 1883, status: 'closed', connack: null, anonymous: false, reason: 'ECONNREFUSED' })).toBe('port 1883: closed (ECONNREFUSED)');
  });

  it('detail lines: none for evidence stored before these facts existed', () => {
    expect(mqttFactLines({ transport: 'tls', protocolVersion: 4, connack: 5, anonymous: false, reason: 'CONNACK 5 (not authorized)' }, undefined)).toEqual([]);
    expect(mqttFactLines(mqtt, null).map(([k]) => k)).toEqual(['mqtt versions', 'mqtt 5 connack']);
  });
});
