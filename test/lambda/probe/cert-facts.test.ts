import { createHash, X509Certificate } from 'node:crypto';
import { certEvidence, hostnameMatches, parseCertificate } from '../../../lambda/probe/cert-facts';
import { selfSignedCert, usePki } from '../../helpers/certs';

const DAY_MS = 86_400_000;
/**
 * Half a second past a whole second: `openssl ca` dates have whole seconds, so a certificate issued
 * for NOW + n days ends 500 ms before it, and the day counts below are exact, not off by one at random.
 */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 + 500);
const x509 = (pem: string): X509Certificate => new X509Certificate(pem);
/** One PKI for the whole file: making one runs openssl a dozen times. */
const pki = usePki(NOW);

describe('certEvidence on certificates made at test time', () => {
  it('reads every fact of a CA-signed certificate, names in RFC 4514 order, dates in ISO-8601', () => {
    // Prepare
    const cert = x509(pki().trusted.cert);
    const fingerprint = createHash('sha256').update(cert.raw).digest('hex').toUpperCase().match(/../g)?.join(':');
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    const keyFingerprint = createHash('sha256').update(spki).digest('hex').toUpperCase().match(/../g)?.join(':');

    // Act
    const evidence = certEvidence(cert, { host: 'localhost', now: NOW }, null);

    // Assess: the PKI issued it from 1 day before NOW to 300 days after, in whole seconds.
    expect(evidence).toEqual({
      hostnameMatch: true,
      cert: {
        subject: 'CN=localhost, O=portwatch tests',
        issuer: 'CN=portwatch test CA, O=portwatch tests',
        subjectAltNames: ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1'],
        validFrom: new Date(NOW.getTime() - DAY_MS - 500).toISOString(),
        validTo: new Date(NOW.getTime() + 300 * DAY_MS - 500).toISOString(),
        daysLeft: 299,
        fingerprint256: fingerprint,
        publicKeyFingerprint256: keyFingerprint,
        selfSigned: false,
        keyType: 'ec',
        keyBits: 256,
        signatureAlgorithm: 'ecdsa-with-SHA256',
      },
    });
  });

  it('reports an expired certificate with its dates and a negative day count', () => {
    // Act
    const evidence = certEvidence(x509(pki().expired.cert), { host: 'localhost', now: NOW }, 'CERT_HAS_EXPIRED');

    // Assess
    expect(evidence.cert).toMatchObject({ validFrom: '2020-01-01T00:00:00.000Z', validTo: '2020-02-01T00:00:00.000Z', selfSigned: false });
    expect(evidence.cert?.daysLeft).toBeLessThan(0);
  });

  it.each<[string, number, number]>([
    ['3 days and a millisecond before the end: 3', -3 * DAY_MS - 1, 3],
    ['a millisecond short of 3 days: 2, whole days only', -3 * DAY_MS + 1, 2],
    ['at the very end: 0', 0, 0],
    ['a millisecond past the end: -1, expired', 1, -1],
  ])('counts days left %s', (_name, offsetMs, daysLeft) => {
    // Prepare
    const cert = x509(pki().expiring.cert);
    const now = new Date(new Date(cert.validTo).getTime() + offsetMs);

    // Act
    const evidence = certEvidence(cert, { host: 'localhost', now }, null);

    // Assess
    expect(evidence.cert?.daysLeft).toBe(daysLeft);
  });

  it.each<[string, 'selfSigned' | 'ca' | 'trusted', string | null, boolean]>([
    ['a certificate that signs itself, without a chain verdict', 'selfSigned', null, true],
    ['a CA root, which signs itself too', 'ca', null, true],
    ['a CA-signed certificate', 'trusted', null, false],
    ['a CA-signed certificate Node could not chain', 'trusted', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', false],
    ["Node's own self-signed verdict, taken as it is", 'trusted', 'DEPTH_ZERO_SELF_SIGNED_CERT', true],
  ])('tells self-signed: %s', (_name, which, authorizationError, selfSigned) => {
    // Act
    const evidence = certEvidence(x509(pki()[which].cert), { host: 'localhost', now: NOW }, authorizationError);

    // Assess
    expect(evidence.cert?.selfSigned).toBe(selfSigned);
  });

  it.each<[string, 'trusted' | 'otherHost', string, boolean | null]>([
    ['the name in its SANs', 'trusted', 'localhost', true],
    ['another name', 'otherHost', 'localhost', false],
    ['an address in its IP SANs', 'trusted', '127.0.0.1', true],
    ['an address, against a certificate without IP SANs: a mismatch, as a client dialling the address sees it', 'otherHost', '127.0.0.1', false],
  ])('matches the target: %s', (_name, which, host, hostnameMatch) => {
    // Act
    const evidence = certEvidence(x509(pki()[which].cert), { host, now: NOW }, null);

    // Assess
    expect(evidence.hostnameMatch).toBe(hostnameMatch);
  });

  it('splits the SANs into one entry per name, whatever their kind, and orders a three-part subject', () => {
    // Prepare
    const cert = x509(selfSignedCert('/C=DE/O=Acme/CN=broker', 'DNS:a.example,IP:10.0.0.1,IP:2001:db8::1,email:ops@example.com,URI:https://example.com/p'));

    // Act
    const evidence = certEvidence(cert, { host: 'a.example', now: NOW }, null);

    // Assess
    expect(evidence.cert).toMatchObject({
      subject: 'CN=broker, O=Acme, C=DE',
      subjectAltNames: ['DNS:a.example', 'IP Address:10.0.0.1', 'IP Address:2001:DB8:0:0:0:0:0:1', 'email:ops@example.com', 'URI:https://example.com/p'],
    });
    expect(evidence.hostnameMatch).toBe(true);
  });

  it('lists no SANs for a certificate without any', () => {
    // Act
    const evidence = certEvidence(x509(selfSignedCert('/CN=broker.example', null)), { host: 'broker.example', now: NOW }, null);

    // Assess
    expect(evidence.cert?.subjectAltNames).toEqual([]);
    expect(evidence.hostnameMatch).toBe(true);
  });

  it('names the key apart from the certificate: a CA-signed and a self-signed certificate of different keys differ in both', () => {
    // Act
    const trusted = certEvidence(x509(pki().trusted.cert), { host: 'localhost', now: NOW }, null).cert;
    const again = certEvidence(x509(pki().trusted.cert), { host: 'localhost', now: NOW }, null).cert;
    const other = certEvidence(x509(pki().selfSigned.cert), { host: 'localhost', now: NOW }, null).cert;

    // Assess
    expect(trusted?.publicKeyFingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(again?.publicKeyFingerprint256).toBe(trusted?.publicKeyFingerprint256);
    expect(other?.publicKeyFingerprint256).not.toBe(trusted?.publicKeyFingerprint256);
    expect(trusted?.publicKeyFingerprint256).not.toBe(trusted?.fingerprint256);
  });

  it('has nothing to say without a certificate', () => {
    // Act
    const evidence = certEvidence(null, { host: 'localhost', now: NOW }, null);

    // Assess
    expect(evidence).toEqual({ hostnameMatch: null, cert: null });
  });
});

describe('parseCertificate', () => {
  it('parses a DER certificate from the wire', () => {
    // Prepare
    const cert = x509(pki().trusted.cert);

    // Act
    const parsed = parseCertificate(cert.raw);

    // Assess
    expect(parsed?.fingerprint256).toBe(cert.fingerprint256);
  });

  it.each<[string, () => Buffer]>([
    ['bytes that are no certificate', () => Buffer.from('not a certificate')],
    ['a certificate cut short', () => x509(pki().trusted.cert).raw.subarray(0, 100)],
    ['nothing', () => Buffer.alloc(0)],
  ])('gives null, not an exception, for %s', (_name, der) => {
    // Act
    const parsed = parseCertificate(der());

    // Assess
    expect(parsed).toBeNull();
  });
});

describe('hostnameMatches', () => {
  const cert = (subject: string, sans: string | null): X509Certificate => new X509Certificate(selfSignedCert(subject, sans));
  let certs: Record<'dns' | 'wildcard' | 'partialWildcard' | 'cnOnly' | 'ipOnly' | 'trailingDot', X509Certificate>;

  beforeAll(() => {
    certs = {
      dns: cert('/CN=ignored.example', 'DNS:broker.example,IP:127.0.0.1'),
      wildcard: cert('/CN=x', 'DNS:*.example.com'),
      partialWildcard: cert('/CN=x', 'DNS:b*z.example.com'),
      cnOnly: cert('/CN=broker.example', null),
      ipOnly: cert('/CN=broker.example', 'IP:127.0.0.1'),
      trailingDot: cert('/CN=x', 'DNS:broker.example.'),
    };
  });

  // Node's rules (tls.checkServerIdentity), which the MQTT clients of these brokers apply. OpenSSL's
  // X509Certificate.checkHost answers differently on the partial wildcard and trailing dot rows.
  it.each<[string, keyof typeof certs, string, boolean | null]>([
    ['a DNS SAN', 'dns', 'broker.example', true],
    ['a DNS SAN, case aside', 'dns', 'BROKER.example', true],
    ['the CN, ignored when DNS SANs exist', 'dns', 'ignored.example', false],
    ['a wildcard, one label', 'wildcard', 'a.example.com', true],
    ['a wildcard, not two labels', 'wildcard', 'a.b.example.com', false],
    ['a wildcard, not the bare domain', 'wildcard', 'example.com', false],
    ['a partial wildcard', 'partialWildcard', 'buzz.example.com', true],
    ['a partial wildcard, prefix and suffix only', 'partialWildcard', 'bz.example.com', true],
    ['a host with a trailing dot', 'dns', 'broker.example.', true],
    ['a SAN with a trailing dot', 'trailingDot', 'broker.example', true],
    ['the CN without any SAN', 'cnOnly', 'broker.example', true],
    ['the CN when the SANs hold only addresses', 'ipOnly', 'broker.example', true],
    ['an IP SAN', 'dns', '127.0.0.1', true],
    ['another address than the IP SAN', 'dns', '127.0.0.2', false],
    ['an address against a certificate without IP SANs: a mismatch (Node checks IP SANs only)', 'wildcard', '127.0.0.1', false],
  ])('%s', (_name, which, host, expected) => {
    // Act
    const match = hostnameMatches(host, certs[which]);

    // Assess
    expect(match).toBe(expected);
  });
});
