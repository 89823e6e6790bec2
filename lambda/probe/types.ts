/**
 * The probe contract shared by every depth: a target goes in, a ProbeResult comes out.
 * A probe never throws for anything the remote side does; a dead, slow or hostile host is a result.
 */

/** Outcome of one probe. `open` means the transport handshake completed (TCP connect, or a DTLS reply). */
export type ProbeStatus = 'open' | 'closed' | 'filtered' | 'unreachable' | 'error';

export type Depth = 'tcp' | 'tls' | 'mqtt';

export type Transport = 'tcp' | 'udp';

/**
 * Finding codes, derived from the evidence by findings.ts. Stable: alerts (and their SNS `findings`
 * attribute, which subscribers filter on), stored state and the CLI's JSON carry these strings, so a
 * code may be added but never renamed.
 */
export const FINDING_CODES = [
  'anonymous-access',
  'plaintext-mqtt',
  'self-signed-cert',
  'untrusted-cert',
  'hostname-mismatch',
  'cert-expired',
  'cert-expiring',
  'legacy-tls',
  'plaintext-listener',
  'weak-key',
  'weak-signature',
  'weak-cipher',
] as const;
export type Finding = (typeof FINDING_CODES)[number];

export interface AddressResult {
  /** IP address probed (no brackets for IPv6). */
  readonly address: string;
  readonly family: 4 | 6;
  readonly status: ProbeStatus;
  /** Why: `connected`, `ECONNREFUSED`, `timeout after 3000 ms`, ... */
  readonly reason: string;
  readonly latencyMs: number;
}

export interface CertFacts {
  readonly subject: string;
  readonly issuer: string;
  readonly subjectAltNames: readonly string[];
  readonly validFrom: string;
  readonly validTo: string;
  /** Whole days from the probe time to validTo; negative once expired. */
  readonly daysLeft: number;
  readonly fingerprint256: string;
  /**
   * SHA-256 of the leaf's public key (its DER SubjectPublicKeyInfo), colon hex as `fingerprint256`:
   * tells a renewal that kept its key from a new key. Absent in evidence recorded before it was
   * collected, or when Node cannot read the key.
   */
  readonly publicKeyFingerprint256?: string;
  readonly selfSigned: boolean;
  /** Public key type as Node names it (`rsa`, `ec`, `dsa`, `ed25519`); null when unknown. Absent in state written before it existed. */
  readonly keyType?: string | null;
  /** RSA/DSA modulus or EC curve size in bits; null when unknown. */
  readonly keyBits?: number | null;
  /** What the issuer signed the leaf with, as OpenSSL names it (`sha256WithRSAEncryption`); the OID when unknown. */
  readonly signatureAlgorithm?: string | null;
}

export interface TlsEvidence {
  /** Negotiated protocol, e.g. `TLSv1.3`; null when the handshake did not complete. */
  readonly version: string | null;
  readonly cipher: string | null;
  /** Chain verified against the trust store. */
  readonly authorized: boolean;
  readonly authorizationError: string | null;
  /**
   * Certificate matches the name a client would check: the target's `serverName`, else its host name,
   * else its IP address (against IP SANs only, as Node's checkServerIdentity does); null without a certificate.
   */
  readonly hostnameMatch: boolean | null;
  readonly cert: CertFacts | null;
  /** Server also accepts TLS 1.0 or 1.1; null when not tested. */
  readonly legacyTls: boolean | null;
  /** The server refused the handshake for lack of a client certificate (a fact, not a failure). */
  readonly clientCertRequired: boolean;
  /**
   * The TLS 1.2 suite the server picks for a client offering strong suites first and weak ones after
   * (Node's default list): the main handshake's own when it was TLS 1.2, else one extra TLS 1.2-only
   * handshake's; null when TLS 1.2 was refused or not determined; absent when not tested.
   */
  readonly tls12Cipher?: string | null;
  /** What the handshake showed, in words: `TLSv1.3 handshake completed (...)`, `no TLS: ...`. */
  readonly reason?: string;
}

export interface MqttEvidence {
  /** `tls` when spoken over the TLS session, `plain` when the port does not speak TLS. */
  readonly transport: 'tls' | 'plain';
  /** MQTT protocol level used for the CONNECT that produced `connack`: 4 = 3.1.1, 5 = 5.0. */
  readonly protocolVersion: 4 | 5;
  /** CONNACK return code (3.1.1) or reason code (5); null when no CONNACK arrived. */
  readonly connack: number | null;
  /** The broker accepted a CONNECT without credentials. */
  readonly anonymous: boolean;
  /** Human-readable and complete on its own, code included: `CONNACK 0 (accepted)`, `CONNACK 5 (not authorized)`, `no CONNACK within 3000 ms`, ... */
  readonly reason: string;
  /** The CONNACK refused us for want of credentials (3.1.1: 4, 5; 5: 0x86, 0x87); false when accepted; absent otherwise. */
  readonly authRequired?: boolean;
  /**
   * Which protocol levels the broker speaks, from one CONNECT at each: true when a CONNACK other than
   * "unacceptable/unsupported protocol version" came back (an auth refusal still proves the level),
   * false for that refusal (or a hang-up on that level alone), null when not asked or not answered.
   * Absent in evidence stored before the check existed.
   */
  readonly versions?: MqttVersions;
  /** What the broker's MQTT 5 CONNACK disclosed; null when no MQTT 5 CONNACK arrived. */
  readonly v5?: MqttV5Facts | null;
}

export interface MqttVersions {
  readonly '3.1': boolean | null;
  readonly '3.1.1': boolean | null;
  readonly '5': boolean | null;
}

/** CONNACK properties of MQTT 5 (3.2.2.3); null where the broker left one out (the specification's default applies). */
export interface MqttV5Facts {
  readonly assignedClientIdentifier: string | null;
  readonly serverKeepAlive: number | null;
  readonly maximumQoS: number | null;
  readonly retainAvailable: boolean | null;
  readonly wildcardSubscriptionAvailable: boolean | null;
  readonly sharedSubscriptionAvailable: boolean | null;
  readonly subscriptionIdentifiersAvailable: boolean | null;
  readonly reasonString: string | null;
  readonly serverReference: string | null;
  readonly maximumPacketSize: number | null;
  readonly topicAliasMaximum: number | null;
  readonly receiveMaximum: number | null;
  readonly sessionExpiryInterval: number | null;
}

/** The plaintext port beside the TLS one (`plaintextPort`, default 1883): does an MQTT broker answer there in clear? */
export interface PlaintextListenerEvidence {
  readonly port: number;
  /** Of the TCP connect: `open`, `closed`, `filtered`, `unreachable`; `error` when not tried (budget spent). */
  readonly status: ProbeStatus;
  /** CONNACK return code of the 3.1.1 CONNECT sent in clear; null when none arrived. */
  readonly connack: number | null;
  /** The CONNECT without credentials was accepted in clear. */
  readonly anonymous: boolean;
  /** In words: `CONNACK 0 (accepted)`, `ECONNREFUSED`, `connect timeout after 500 ms`, ... */
  readonly reason: string;
}

export interface ProbeResult {
  /** The target's key as configured (Targets table `target` attribute or CLI argument). */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly transport: Transport;
  readonly depth: Depth;
  readonly status: ProbeStatus;
  readonly reason: string;
  readonly latencyMs: number;
  /** ISO-8601 time the probe started. */
  readonly at: string;
  readonly addresses: readonly AddressResult[];
  readonly tls: TlsEvidence | null;
  readonly mqtt: MqttEvidence | null;
  /** Depth mqtt: what answered on the plaintext port beside this one; null when not checked. */
  readonly plaintextListener: PlaintextListenerEvidence | null;
  /** Sorted, de-duplicated finding codes derived from the evidence. */
  readonly findings: readonly Finding[];
}

/** What a probe needs to know about a target: the parsed, validated form of a Targets item. */
export interface ProbeSpec {
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly transport: Transport;
  readonly depth: Depth;
  /** Per-target deadline override. */
  readonly timeoutMs?: number;
  /** Per-target override of ProbeOptions.plaintextPort; null: do not check. */
  readonly plaintextPort?: number | null;
  /**
   * The name clients use to reach this target: sent as SNI and checked against the certificate in
   * place of `host` (an IP target's brokers are still addressed by name). @default the host
   */
  readonly serverName?: string;
  /**
   * Which posture questions a deep look asks: `all`, or `core` (the main handshake and its CONNECT:
   * certificate, chain verdict, anonymous access; not legacy TLS, the TLS 1.2 suite, the plaintext
   * listener or the protocol levels, whose evidence is then null or absent). @default 'all'
   */
  readonly posture?: PostureScope;
}

export type PostureScope = 'all' | 'core';

/** One address a target resolved to (or its IP literal), with its family. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves every A and AAAA address of a host. Injected so tests and ticks can cache or fake DNS. */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

/** Decides whether an address may be probed (scanner safety); returns a refusal reason or null. */
export type AddressGuard = (address: ResolvedAddress) => string | null;

export interface ProbeOptions {
  /** Hard deadline for each socket phase of a target, in ms. @default 3000 */
  readonly timeoutMs: number;
  /** `cert-expiring` threshold in days. @default 14 */
  readonly certExpiringDays: number;
  readonly resolver?: Resolver;
  readonly guard?: AddressGuard;
  /** Clock for `at` and certificate day counts; injected for tests. Latencies use a monotonic clock. */
  readonly now?: () => Date;
  /**
   * Extra trust anchors (PEM: one or more certificates) for the TLS verdict (`authorized`), trusted in
   * addition to the public roots: a private PKI (the norm for IoT brokers), or tests of the trusted
   * path. `readCaBundle` (ca-bundle.ts) reads and checks a PEM file for it.
   * @default the public roots bundled with Node.js
   */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /**
   * At depth mqtt, the port on the same address where a plaintext MQTT listener would sit beside the
   * TLS one (`plaintext-listener`); null: do not look. A target's own `plaintextPort` overrides it.
   * @default 1883
   */
  readonly plaintextPort?: number | null;
}
