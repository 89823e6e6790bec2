import { constants, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext, type TLSSocket, type TlsOptions } from 'node:tls';
import { CappedStream, connectTcp } from '../../../lambda/probe/connection';
import { withDeadline } from '../../../lambda/probe/deadline';
import { probeTarget } from '../../../lambda/probe/index';
import { legacyHandshakeVerdict } from '../../../lambda/probe/legacy-tls';
import { secureContextFor, tlsHandshake, type HandshakeOutcome } from '../../../lambda/probe/tls-handshake';
import type { ProbeOptions, ProbeResult } from '../../../lambda/probe/types';
import { usePki, type KeyPair } from '../../helpers/certs';
import { probeOptions, spec } from '../../helpers/probe-fixtures';
import { LEGACY_TLS_SERVER, tlsServer, useServers } from '../../helpers/servers';

const NOW = new Date();

describe('probeTarget at depth tls', () => {
  const pki = usePki(NOW);
  const listen = useServers();
  const sni: (string | false | null)[] = [];

  /** A TLS server on loopback that records the SNI each client sent. */
  async function serve(pair: KeyPair, extra: TlsOptions = {}): Promise<number> {
    const running = await listen(
      tlsServer({ key: pair.key, cert: pair.cert, ...extra }, (socket) => {
        sni.push((socket as TLSSocket).servername);
        socket.resume();
      }),
    );
    return running.port;
  }

  async function probe(port: number, host: string, overrides: Partial<ProbeOptions> = {}): Promise<ProbeResult> {
    return probeTarget(spec(port, 'tls', host), probeOptions({ now: () => NOW, ...overrides }));
  }

  beforeEach(() => {
    sni.length = 0;
  });

  it('collects every certificate fact of a self-signed certificate', async () => {
    // Prepare
    const port = await serve(pki().selfSigned);
    const x509 = new X509Certificate(pki().selfSigned.cert);

    // Act
    const result = await probe(port, 'localhost');

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls).toEqual({
      version: 'TLSv1.3',
      cipher: expect.any(String),
      authorized: false,
      authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      hostnameMatch: true,
      cert: {
        subject: 'CN=localhost, O=portwatch tests',
        issuer: 'CN=localhost, O=portwatch tests',
        subjectAltNames: ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1'],
        validFrom: new Date(x509.validFrom).toISOString(),
        validTo: new Date(x509.validTo).toISOString(),
        daysLeft: Math.floor((new Date(x509.validTo).getTime() - NOW.getTime()) / 86_400_000),
        fingerprint256: x509.fingerprint256,
        // Its exact value is pinned against an independent hash in cert-facts.test.ts.
        publicKeyFingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
        selfSigned: true,
      },
      legacyTls: false,
      clientCertRequired: false,
      reason: expect.stringMatching(/^TLSv1\.3 handshake completed/),
    });
    expect(result.mqtt).toBeNull();
    expect(result.findings).toEqual(['self-signed-cert']);
    expect(sni[0]).toBe('localhost');
  });

  it('sends no SNI to an IP target and compares the IP SANs', async () => {
    // Prepare
    const port = await serve(pki().trusted);

    // Act
    const result = await probe(port, '127.0.0.1', { ca: pki().ca.cert });

    // Assess
    expect(sni[0]).toBe(false);
    expect(result.tls).toMatchObject({ authorized: true, hostnameMatch: true });
    expect(result.findings).toEqual([]);
  });

  it('reports a certificate from an unknown CA as untrusted-cert', async () => {
    // Prepare
    const port = await serve(pki().trusted);

    // Act
    const result = await probe(port, 'localhost');

    // Assess
    expect(result.tls).toMatchObject({ authorized: false, authorizationError: expect.stringMatching(/^UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY)$/), hostnameMatch: true });
    expect(result.tls?.cert).toMatchObject({ issuer: 'CN=portwatch test CA, O=portwatch tests', selfSigned: false });
    expect(result.findings).toEqual(['untrusted-cert']);
  });

  it('finds nothing on a trusted, valid, matching certificate', async () => {
    // Prepare
    const port = await serve(pki().trusted);

    // Act
    const result = await probe(port, 'localhost', { ca: pki().ca.cert });

    // Assess
    expect(result.tls).toMatchObject({ authorized: true, authorizationError: null, hostnameMatch: true, legacyTls: false, clientCertRequired: false });
    expect(result.findings).toEqual([]);
  });

  it('reports an expired certificate as cert-expired only', async () => {
    // Prepare
    const port = await serve(pki().expired);

    // Act
    const result = await probe(port, 'localhost', { ca: pki().ca.cert });

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', authorized: false, authorizationError: 'CERT_HAS_EXPIRED' });
    expect(result.tls?.cert).toMatchObject({ validTo: '2020-02-01T00:00:00.000Z', selfSigned: false });
    expect(result.tls?.cert?.daysLeft).toBeLessThan(0);
    expect(result.findings).toEqual(['cert-expired']);
  });

  it('reports a certificate expiring in 3 days as cert-expiring, per the threshold', async () => {
    // Prepare
    const port = await serve(pki().expiring);

    // Act
    const byDefault = await probe(port, 'localhost', { ca: pki().ca.cert });
    const lowThreshold = await probe(port, 'localhost', { ca: pki().ca.cert, certExpiringDays: 3 });

    // Assess
    expect(byDefault.tls?.cert?.daysLeft).toBe(3);
    expect(byDefault.findings).toEqual(['cert-expiring']);
    expect(lowThreshold.findings).toEqual([]);
  });

  it('reports a certificate for another name as hostname-mismatch', async () => {
    // Prepare
    const port = await serve(pki().otherHost);

    // Act
    const result = await probe(port, 'localhost', { ca: pki().ca.cert });

    // Assess
    expect(result.tls).toMatchObject({ authorized: true, hostnameMatch: false });
    expect(result.tls?.cert).toMatchObject({ subject: 'CN=other.example, O=portwatch tests', subjectAltNames: ['DNS:other.example'] });
    expect(result.findings).toEqual(['hostname-mismatch']);
  });

  it('gives no name verdict for an IP target when the certificate has no IP SANs', async () => {
    // Prepare
    const port = await serve(pki().otherHost);

    // Act
    const result = await probe(port, '127.0.0.1', { ca: pki().ca.cert });

    // Assess
    expect(result.tls?.hostnameMatch).toBeNull();
    expect(result.findings).toEqual([]);
  });

  it('reports a TLS 1.3 server requiring a client certificate, the port still open', async () => {
    // Prepare
    const port = await serve(pki().trusted, { ca: pki().ca.cert, requestCert: true, rejectUnauthorized: true });

    // Act
    const result = await probe(port, 'localhost', { ca: pki().ca.cert });

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', clientCertRequired: true, authorized: true });
    expect(result.tls?.reason).toMatch(/requires a client certificate/);
    expect(result.findings).toEqual([]);
  });

  it('reports a TLS 1.2 server requiring a client certificate, with its certificate read from the handshake', async () => {
    // Prepare
    const port = await serve(pki().expiring, { ca: pki().ca.cert, requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' });

    // Act
    const result = await probe(port, 'localhost', { ca: pki().ca.cert });

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls).toMatchObject({ version: null, clientCertRequired: true, hostnameMatch: true });
    expect(result.tls?.cert).toMatchObject({ subject: 'CN=localhost, O=portwatch tests', daysLeft: 3 });
    expect(result.findings).toEqual(['cert-expiring']);
  });
});

describe('a handshake the local OpenSSL refuses to start', () => {
  const pki = usePki(NOW);
  const listen = useServers();

  /** One handshake over a fresh loopback connection, as a deep-probe session runs it. */
  async function handshake(port: number, secureContext: SecureContext): Promise<HandshakeOutcome | null> {
    return withDeadline<HandshakeOutcome | null>(
      2000,
      'handshake',
      async (deadline) => {
        const connected = await connectTcp(deadline, '127.0.0.1', port, 4);
        if (!connected.ok) return null;
        const stream = new CappedStream(connected.socket);
        deadline.own(() => stream.destroy());
        stream.on('error', () => undefined);
        return tlsHandshake(stream, { host: 'localhost', now: NOW, secureContext }, deadline.own);
      },
      () => null,
    );
  }

  it.each<[string, Parameters<typeof createSecureContext>[0], string, string]>([
    // A build or policy without TLS 1.0/1.1, which is what the legacy check meets in the wild.
    [
      'no protocol left to offer',
      { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0', secureOptions: constants.SSL_OP_NO_TLSv1 | constants.SSL_OP_NO_TLSv1_1 },
      'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
      'no protocols available',
    ],
    // TLS 1.0 only, with a suite that exists only in TLS 1.2.
    ['no cipher for the versions offered', { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256@SECLEVEL=0' }, 'ERR_SSL_NO_CIPHERS_AVAILABLE', 'no ciphers available'],
  ])('%s: neither "no TLS" nor a refusal, and the legacy check says it did not test', async (_name, options, code, opensslReason) => {
    // Prepare: a server that would accept TLS 1.0, so anything but "not tested" is our mistake.
    const server = await listen(tlsServer({ key: pki().trusted.key, cert: pki().trusted.cert, ...LEGACY_TLS_SERVER }));

    // Act
    const outcome = await handshake(server.port, createSecureContext(options));
    const verdict = outcome && legacyHandshakeVerdict(outcome);

    // Assess
    expect(outcome).toMatchObject({
      completed: false,
      notTls: false,
      errorCode: code,
      reason: `TLS handshake not started: the local OpenSSL refused it (${opensslReason})`,
      flight: expect.objectContaining({ replied: false }),
    });
    expect(verdict).toMatchObject({ accepted: null, reason: `legacy TLS not tested: the local OpenSSL cannot offer TLS 1.0/1.1 (${code})` });
  });
});

describe('secureContextFor', () => {
  it('builds one TLS context per trust anchor and TLS version range, then reuses it', () => {
    const system = secureContextFor({});
    const legacy = secureContextFor({ legacy: true });
    expect(secureContextFor({})).toBe(system);
    expect(secureContextFor({ legacy: true })).toBe(legacy);
    expect(legacy).not.toBe(system);
  });
});
