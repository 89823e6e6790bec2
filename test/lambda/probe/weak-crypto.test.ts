import type { TlsOptions } from 'node:tls';
import { probeTarget } from '../../../lambda/probe/index';
import type { ProbeResult } from '../../../lambda/probe/types';
import { certWith, type KeyPair } from '../../helpers/certs';
import { probeOptions, spec } from '../../helpers/probe-fixtures';
import { tlsServer, useServers, type Running } from '../../helpers/servers';

/** A server key pair needs the security level lowered to load a 1024-bit key, as mosquitto does. */
const LOW_LEVEL: TlsOptions = { ciphers: 'DEFAULT@SECLEVEL=0' };

describe('weak keys, signatures and TLS 1.2 suites, against an in-process TLS server', () => {
  const listen = useServers();
  let rsa2048: KeyPair;
  let rsa1024Sha1: KeyPair;

  beforeAll(() => {
    rsa2048 = certWith({ newkey: 'rsa:2048', digest: 'sha256' });
    rsa1024Sha1 = certWith({ newkey: 'rsa:1024', digest: 'sha1' });
  });

  let handshakes = 0;
  beforeEach(() => {
    handshakes = 0;
  });

  async function serve(pair: KeyPair, extra: TlsOptions): Promise<Running> {
    const server = tlsServer({ ...pair, ...extra });
    server.on('secureConnection', () => handshakes++);
    return listen(server);
  }

  const probe = (port: number): Promise<ProbeResult> => probeTarget(spec(port, 'tls', 'localhost'), probeOptions());

  it('reports a 1024-bit RSA key signed with SHA-1 as weak-key and weak-signature, with the facts', async () => {
    // Prepare
    const server = await serve(rsa1024Sha1, LOW_LEVEL);

    // Act
    const result = await probe(server.port);

    // Assess: the handshake completes at any client security level; at level 2 (OpenSSL 3.2+, so Node
    // 24) the chain verdict for the small key is UNSPECIFIED, so untrusted-cert may join the findings.
    expect(result.tls?.cert).toMatchObject({ keyType: 'rsa', keyBits: 1024, signatureAlgorithm: 'sha1WithRSAEncryption' });
    expect(result.findings).toEqual(expect.arrayContaining(['self-signed-cert', 'weak-key', 'weak-signature']));
    expect(result.findings).not.toContain('weak-cipher');
  });

  it('takes a TLS 1.2 main handshake\'s suite as the answer: no extra connection', async () => {
    // Prepare: TLS 1.2 only, and only a static-RSA CBC suite.
    const server = await serve(rsa2048, { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' });

    // Act
    const result = await probe(server.port);

    // Assess: the TCP connect, the main handshake, the legacy ClientHello.
    expect(result.tls).toMatchObject({ version: 'TLSv1.2', cipher: 'AES128-SHA', tls12Cipher: 'AES128-SHA' });
    expect(result.findings).toContain('weak-cipher');
    expect(server.stats.accepted).toBe(3);
    expect(handshakes).toBe(1);
  });

  it('asks a TLS 1.3 server once more, at TLS 1.2: a server that ranks a weak suite first is weak-cipher', async () => {
    // Prepare: server preference, CBC without forward secrecy ranked above ECDHE-GCM.
    const server = await serve(rsa2048, { ciphers: 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256', honorCipherOrder: true });

    // Act
    const result = await probe(server.port);

    // Assess: one more connection and handshake than the TLS 1.2 case.
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', tls12Cipher: 'AES128-SHA' });
    expect(result.reason).toContain('TLS 1.2 accepted (AES128-SHA)');
    expect(result.findings).toContain('weak-cipher');
    expect(server.stats.accepted).toBe(4);
    expect(handshakes).toBe(2);
  });

  it('does not call a server that merely still accepts a weak suite, in the client\'s order, weak-cipher', async () => {
    // Prepare: the same suites, the client's order honoured (OpenSSL's default and mosquitto's; Node's
    // tls.Server defaults to its own order, hence the explicit false).
    const server = await serve(rsa2048, { ciphers: 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256', honorCipherOrder: false });

    // Act
    const result = await probe(server.port);

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', tls12Cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
    expect(result.findings).not.toContain('weak-cipher');
  });

  it('records a TLS 1.3-only server\'s refusal of TLS 1.2: nothing weak to pick', async () => {
    // Prepare
    const server = await serve(rsa2048, { minVersion: 'TLSv1.3' });

    // Act
    const result = await probe(server.port);

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', tls12Cipher: null });
    expect(result.reason).toContain('TLS 1.2 refused');
    expect(result.findings).toEqual(['self-signed-cert']);
  });
});
