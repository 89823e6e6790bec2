import { probeTarget } from '../../../lambda/probe/index';
import type { ProbeResult, ProbeSpec } from '../../../lambda/probe/types';
import { certWith, usePki, type KeyPair } from '../../helpers/certs';
import { describeWithMosquitto, useMosquitto } from '../../helpers/mosquitto';
import { probeOptions, spec } from '../../helpers/probe-fixtures';

describeWithMosquitto("weak crypto and the name clients use, against Debian's mosquitto", () => {
  const pki = usePki();
  const mosquitto = useMosquitto();
  let rsa2048: KeyPair;

  beforeAll(() => {
    rsa2048 = certWith({ newkey: 'rsa:2048', digest: 'sha256' });
  });

  const probe = (target: ProbeSpec): Promise<ProbeResult> => probeTarget(target, probeOptions({ ca: pki().ca.cert }));

  it('a 1024-bit RSA certificate signed with SHA-1: weak-key and weak-signature', async () => {
    // Prepare: mosquitto's OpenSSL refuses to load a 1024-bit key above security level 0.
    const broker = await mosquitto({ tls: { ...certWith({ newkey: 'rsa:1024', digest: 'sha1' }), ciphers: 'DEFAULT@SECLEVEL=0' }, auth: 'password' });

    // Act
    const result = await probe(spec(broker.port, 'mqtt', 'localhost'));

    // Assess: security level 0 lets TLS 1.0/1.1 back in as well.
    expect(result.tls?.cert).toMatchObject({ keyType: 'rsa', keyBits: 1024, signatureAlgorithm: 'sha1WithRSAEncryption' });
    // (untrusted-cert may join at a client security level of 2: see weak-crypto.test.ts.)
    expect(result.findings).toEqual(expect.arrayContaining(['legacy-tls', 'self-signed-cert', 'weak-key', 'weak-signature']));
    expect(result.findings).not.toContain('weak-cipher');
  });

  it('tls_version tlsv1.2 and ciphers AES128-SHA: a floor, not a cap, so the TLS 1.2 check finds the weak suite', async () => {
    // Prepare
    const broker = await mosquitto({ tls: { ...rsa2048, ciphers: 'AES128-SHA', tlsVersion: 'tlsv1.2' }, auth: 'password' });

    // Act
    const result = await probe(spec(broker.port, 'mqtt', 'localhost'));

    // Assess: mosquitto 2.0's tls_version sets the lowest version; TLS 1.3 is still negotiated.
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', tls12Cipher: 'AES128-SHA' });
    expect(result.findings).toEqual(['self-signed-cert', 'weak-cipher']);
  });

  it('ciphers AES128-SHA with TLS 1.3 allowed: the TLS 1.2 check finds what TLS 1.2 clients get', async () => {
    // Prepare: `ciphers` governs TLS 1.2 and older only, so TLS 1.3 clients are fine.
    const broker = await mosquitto({ tls: { ...rsa2048, ciphers: 'AES128-SHA' }, auth: 'password' });

    // Act
    const result = await probe(spec(broker.port, 'mqtt', 'localhost'));

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', tls12Cipher: 'AES128-SHA' });
    expect(result.findings).toEqual(['self-signed-cert', 'weak-cipher']);
  });

  it('a weak suite listed first in ciphers is preferred: mosquitto applies its own order', async () => {
    // Prepare
    const broker = await mosquitto({ tls: { ...rsa2048, ciphers: 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256' }, auth: 'password' });

    // Act
    const result = await probe(spec(broker.port, 'mqtt', 'localhost'));

    // Assess: the probe offered ECDHE-RSA-AES128-GCM-SHA256 first; mosquitto picked its own first.
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', tls12Cipher: 'AES128-SHA' });
    expect(result.findings).toEqual(['self-signed-cert', 'weak-cipher']);
  });

  it('the same suites, strong first in ciphers: not weak-cipher, though the weak one is still accepted', async () => {
    // Prepare
    const broker = await mosquitto({ tls: { ...rsa2048, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA' }, auth: 'password' });

    // Act
    const result = await probe(spec(broker.port, 'mqtt', 'localhost'));

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', tls12Cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
    expect(result.findings).toEqual(['self-signed-cert']);
  });

  it('a certificate for another name: hostname-mismatch at its IP, a match with serverName', async () => {
    // Prepare: CN and SAN other.example, signed by the test CA, no IP SAN.
    const broker = await mosquitto({ tls: pki().otherHost, auth: 'password' });

    // Act
    const byIp = await probe(spec(broker.port, 'mqtt', '127.0.0.1'));
    const byName = await probe({ ...spec(broker.port, 'mqtt', '127.0.0.1'), serverName: 'other.example' });

    // Assess
    expect(byIp.tls).toMatchObject({ authorized: true, hostnameMatch: false });
    expect(byIp.findings).toEqual(['hostname-mismatch']);
    expect(byName.tls).toMatchObject({ authorized: true, hostnameMatch: true });
    expect(byName.findings).toEqual([]);
  });

  it('a default listener with a P-256 certificate: no weak findings', async () => {
    // Prepare
    const broker = await mosquitto({ tls: pki().trusted, auth: 'password' });

    // Act
    const result = await probe(spec(broker.port, 'mqtt', '127.0.0.1'));

    // Assess: the certificate lists IP:127.0.0.1, so the address matches.
    expect(result.tls?.cert).toMatchObject({ keyType: 'ec', keyBits: 256, signatureAlgorithm: 'ecdsa-with-SHA256' });
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', hostnameMatch: true, tls12Cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
    expect(result.findings).toEqual([]);
  });
});
