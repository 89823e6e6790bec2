import { computeFindings } from '../../../lambda/probe/findings';
import type { CertFacts, Finding, MqttEvidence, TlsEvidence } from '../../../lambda/probe/types';

const cert = (overrides: Partial<CertFacts> = {}): CertFacts => ({
  subject: 'CN=broker.example.com',
  issuer: 'CN=Example CA',
  subjectAltNames: ['DNS:broker.example.com'],
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2027-01-01T00:00:00.000Z',
  daysLeft: 200,
  fingerprint256: 'AA:BB',
  selfSigned: false,
  ...overrides,
});

const tls = (overrides: Partial<TlsEvidence> = {}): TlsEvidence => ({
  version: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  authorized: true,
  authorizationError: null,
  hostnameMatch: true,
  cert: cert(),
  legacyTls: false,
  clientCertRequired: false,
  ...overrides,
});

const mqtt = (overrides: Partial<MqttEvidence> = {}): MqttEvidence => ({
  transport: 'tls',
  protocolVersion: 4,
  connack: 5,
  anonymous: false,
  reason: 'CONNACK 5 (not authorized)',
  ...overrides,
});

const OPTIONS = { certExpiringDays: 14 };

describe('computeFindings', () => {
  const cases: [string, TlsEvidence | null, MqttEvidence | null, Finding[]][] = [
    ['nothing probed', null, null, []],
    ['a clean, authenticated broker', tls(), mqtt(), []],
    ['anonymous CONNACK over TLS', tls(), mqtt({ connack: 0, anonymous: true }), ['anonymous-access']],
    ['anonymous CONNACK in clear', null, mqtt({ transport: 'plain', connack: 0, anonymous: true }), ['anonymous-access', 'plaintext-mqtt']],
    ['refused CONNACK in clear is still plaintext MQTT', null, mqtt({ transport: 'plain', connack: 5 }), ['plaintext-mqtt']],
    ['no CONNACK in clear proves nothing', null, mqtt({ transport: 'plain', connack: null }), []],
    ['self-signed leaf', tls({ authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', cert: cert({ selfSigned: true }) }), null, ['self-signed-cert']],
    ['unknown CA', tls({ authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), null, ['untrusted-cert']],
    ['private root sent in the chain', tls({ authorized: false, authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN' }), null, ['untrusted-cert']],
    ['expired, otherwise trusted', tls({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED', cert: cert({ daysLeft: -3 }) }), null, ['cert-expired']],
    ['expired and self-signed', tls({ authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', cert: cert({ daysLeft: -1, selfSigned: true }) }), null, ['cert-expired', 'self-signed-cert']],
    ['expiring below the threshold', tls({ cert: cert({ daysLeft: 3 }) }), null, ['cert-expiring']],
    ['expiring today (0 days left)', tls({ cert: cert({ daysLeft: 0 }) }), null, ['cert-expiring']],
    ['exactly at the threshold is fine', tls({ cert: cert({ daysLeft: 14 }) }), null, []],
    ['hostname mismatch', tls({ hostnameMatch: false }), null, ['hostname-mismatch']],
    ['no certificate to check: no verdict', tls({ hostnameMatch: null }), null, []],
    ['legacy TLS accepted', tls({ legacyTls: true }), null, ['legacy-tls']],
    ['legacy TLS unknown', tls({ legacyTls: null }), null, []],
    ['failed handshake: no chain verdict', tls({ version: null, cipher: null, authorized: false, cert: null, hostnameMatch: null }), null, []],
    ['client certificate required, trusted chain', tls({ clientCertRequired: true }), mqtt({ connack: null }), []],
    ['RSA 1024 leaf', tls({ cert: cert({ keyType: 'rsa', keyBits: 1024 }) }), null, ['weak-key']],
    ['RSA 2048 leaf is fine', tls({ cert: cert({ keyType: 'rsa', keyBits: 2048 }) }), null, []],
    ['DSA leaf, whatever its size', tls({ cert: cert({ keyType: 'dsa', keyBits: 2048 }) }), null, ['weak-key']],
    ['EC P-192 leaf', tls({ cert: cert({ keyType: 'ec', keyBits: 192 }) }), null, ['weak-key']],
    ['EC P-224 leaf is fine', tls({ cert: cert({ keyType: 'ec', keyBits: 224 }) }), null, []],
    ['SHA-1 signature', tls({ cert: cert({ signatureAlgorithm: 'sha1WithRSAEncryption' }) }), null, ['weak-signature']],
    ['MD5 signature', tls({ cert: cert({ signatureAlgorithm: 'md5WithRSAEncryption' }) }), null, ['weak-signature']],
    ['SHA-256 signature is fine', tls({ cert: cert({ signatureAlgorithm: 'ecdsa-with-SHA256' }) }), null, []],
    ['TLS 1.2 suite without forward secrecy, picked after a TLS 1.3 handshake', tls({ tls12Cipher: 'AES128-GCM-SHA256' }), null, ['weak-cipher']],
    ['TLS 1.2 CBC suite, forward-secret', tls({ tls12Cipher: 'ECDHE-RSA-AES128-SHA' }), null, ['weak-cipher']],
    ['TLS 1.2 ECDHE AEAD suite is fine', tls({ tls12Cipher: 'ECDHE-RSA-AES128-GCM-SHA256' }), null, []],
    ['TLS 1.2 refused: nothing to pick', tls({ tls12Cipher: null }), null, []],
    ['a TLS 1.2 main handshake on a weak suite, whatever tls12Cipher says', tls({ version: 'TLSv1.2', cipher: 'AES128-SHA' }), null, ['weak-cipher']],
    [
      'everything at once, sorted and unique',
      tls({ authorized: false, authorizationError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', hostnameMatch: false, legacyTls: true, cert: cert({ daysLeft: 2, selfSigned: true }) }),
      mqtt({ connack: 0, anonymous: true }),
      ['anonymous-access', 'cert-expiring', 'hostname-mismatch', 'legacy-tls', 'self-signed-cert', 'untrusted-cert'],
    ],
  ];

  it.each(cases)('%s', (_name, tlsEvidence, mqttEvidence, expected) => {
    // Act
    const findings = computeFindings(tlsEvidence, mqttEvidence, OPTIONS);

    // Assess
    expect(findings).toEqual(expected);
  });

  it('honours the expiring threshold it is given', () => {
    // Prepare
    const evidence = tls({ cert: cert({ daysLeft: 20 }) });

    // Act
    const strict = computeFindings(evidence, null, { certExpiringDays: 30 });
    const lax = computeFindings(evidence, null, { certExpiringDays: 7 });

    // Assess
    expect(strict).toEqual(['cert-expiring']);
    expect(lax).toEqual([]);
  });

  it('a plaintext listener: plaintext-listener, and anonymous-access too when it lets anyone in', () => {
    // Prepare
    const listener = { port: 1883, status: 'open' as const, connack: 0, anonymous: true, reason: 'CONNACK 0 (accepted)' };

    // Act
    const anonymous = computeFindings(tls(), mqtt(), OPTIONS, listener);
    const guarded = computeFindings(tls(), mqtt(), OPTIONS, { ...listener, connack: 5, anonymous: false });
    const closed = computeFindings(tls(), mqtt(), OPTIONS, { ...listener, status: 'closed', connack: null, anonymous: false });

    // Assess
    expect(anonymous).toEqual(['anonymous-access', 'plaintext-listener']);
    expect(guarded).toEqual(['plaintext-listener']);
    expect(closed).toEqual([]);
  });
});
