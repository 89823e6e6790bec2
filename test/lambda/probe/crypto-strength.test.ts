import { X509Certificate } from 'node:crypto';
import { isWeakCipher, isWeakKey, keyFacts, signatureAlgorithm, signatureAlgorithmOid } from '../../../lambda/probe/crypto-strength';
import { certWith } from '../../helpers/certs';

describe('signatureAlgorithm, read from the DER of certificates made at test time', () => {
  it.each([
    ['SHA-1 with RSA', { newkey: 'rsa:1024', digest: 'sha1' }, '1.2.840.113549.1.1.5', 'sha1WithRSAEncryption'],
    ['MD5 with RSA', { newkey: 'rsa:1024', digest: 'md5' }, '1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
    ['SHA-256 with RSA', { newkey: 'rsa:2048', digest: 'sha256' }, '1.2.840.113549.1.1.11', 'sha256WithRSAEncryption'],
    ['ECDSA with SHA-384', { newkey: 'ec', curve: 'P-384', digest: 'sha384' }, '1.2.840.10045.4.3.3', 'ecdsa-with-SHA384'],
  ])('%s', (_name, options, oid, name) => {
    // Prepare
    const der = new X509Certificate(certWith(options).cert).raw;

    // Act
    const readOid = signatureAlgorithmOid(der);
    const readName = signatureAlgorithm(der);

    // Assess
    expect(readOid).toBe(oid);
    expect(readName).toBe(name);
  });

  it('names an algorithm it does not know by its OID', () => {
    // Prepare: SEQUENCE { SEQUENCE {}, SEQUENCE { OID 1.2.3.4 }, BIT STRING }
    const der = Buffer.from([0x30, 0x0b, 0x30, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x03, 0x00]);

    // Act
    const name = signatureAlgorithm(der);

    // Assess
    expect(name).toBe('1.2.3.4');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['not a SEQUENCE', Buffer.from([0x04, 0x02, 0x30, 0x00])],
    ['a length past the end', Buffer.from([0x30, 0x82, 0xff, 0xff, 0x30, 0x00])],
    ['a length of more than four bytes', Buffer.from([0x30, 0x85, 1, 0, 0, 0, 0])],
    ['no second element', Buffer.from([0x30, 0x02, 0x30, 0x00])],
    ['an algorithm that is not an OID', Buffer.from([0x30, 0x08, 0x30, 0x00, 0x30, 0x04, 0x02, 0x02, 0x01, 0x01])],
    ['an OID whose last arc does not end', Buffer.from([0x30, 0x08, 0x30, 0x00, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x83])],
    ['an algorithm running past the certificate', Buffer.from([0x30, 0x04, 0x30, 0x00, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03])],
  ])('gives up on a malformed certificate: %s', (_name, der) => {
    // Act
    const oid = signatureAlgorithmOid(der);

    // Assess
    expect(oid).toBeNull();
  });
});

describe('keyFacts', () => {
  it.each([
    ['RSA 1024', { newkey: 'rsa:1024', digest: 'sha256' }, { keyType: 'rsa', keyBits: 1024 }],
    ['EC P-256', { newkey: 'ec', curve: 'P-256', digest: 'sha256' }, { keyType: 'ec', keyBits: 256 }],
    ['EC P-192', { newkey: 'ec', curve: 'prime192v1', digest: 'sha256' }, { keyType: 'ec', keyBits: 192 }],
    ['Ed25519', { newkey: 'ed25519', digest: 'sha256' }, { keyType: 'ed25519', keyBits: 256 }],
  ])('%s', (_name, options, expected) => {
    // Prepare: openssl ignores the digest for Ed25519, which signs its own way.
    const cert = new X509Certificate(certWith(options.newkey === 'ed25519' ? { ...options, digest: 'sha512' } : options).cert);

    // Act
    const facts = keyFacts(cert);

    // Assess
    expect(facts).toEqual(expected);
  });
});

describe('isWeakKey', () => {
  it.each([
    ['rsa', 1024, true],
    ['rsa', 2047, true],
    ['rsa', 2048, false],
    ['rsa-pss', 1024, true],
    ['dsa', 3072, true],
    ['ec', 192, true],
    ['ec', 224, false],
    ['ec', 256, false],
    ['ed25519', 256, false],
    ['rsa', null, false],
    [null, null, false],
  ] as const)('%s %s bits: weak %s', (type, bits, weak) => {
    // Act / Assess
    expect(isWeakKey(type, bits)).toBe(weak);
  });
});

describe('isWeakCipher', () => {
  it.each([
    ['AES128-SHA', true],
    ['AES256-GCM-SHA384', true],
    ['ECDHE-RSA-AES128-SHA', true],
    ['ECDHE-ECDSA-AES256-SHA384', true],
    ['DHE-RSA-AES128-SHA256', true],
    ['DES-CBC3-SHA', true],
    ['ECDHE-RSA-AES128-GCM-SHA256', false],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', false],
    ['DHE-RSA-AES256-CCM', false],
    ['TLS_AES_256_GCM_SHA384', false],
    [null, false],
  ] as const)('%s: weak %s', (name, weak) => {
    // Act / Assess
    expect(isWeakCipher(name)).toBe(weak);
  });
});
