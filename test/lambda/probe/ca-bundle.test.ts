import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { CaBundleError, parseCaBundle, readCaBundle } from '../../../lambda/probe/ca-bundle';
import { trustAnchors } from '../../../lambda/probe/tls-handshake';
import { selfSignedCert, usePki } from '../../helpers/certs';

describe('readCaBundle', () => {
  const pki = usePki();

  function file(name: string, text: string): string {
    const path = join(pki().dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('returns the certificates of a bundle, in order, and nothing else', () => {
    // Prepare: a key in between, as in a combined key-and-certificate file, and CRLF line ends.
    const other = selfSignedCert('/CN=other CA', null);
    const path = file('bundle.pem', `${pki().ca.cert}${pki().ca.key}${other.replace(/\n/g, '\r\n')}`);

    // Act
    const pem = readCaBundle(path, 'caBundleFile');

    // Assess
    expect(pem).not.toMatch(/PRIVATE KEY/);
    const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    expect(certs.map((c) => new X509Certificate(c).subject)).toEqual([new X509Certificate(pki().ca.cert).subject, 'CN=other CA']);
  });

  it.each([
    ['a missing file', () => join(pki().dir, 'nope.pem'), 'does not exist'],
    ['a directory', () => pki().dir, 'is a directory, not a PEM file'],
    ['an empty file', () => file('empty.pem', ''), 'is not PEM (no "-----BEGIN CERTIFICATE-----" block)'],
    ['DER bytes', () => file('ca.der', Buffer.from(new X509Certificate(pki().ca.cert).raw).toString('latin1')), 'is not PEM (no "-----BEGIN CERTIFICATE-----" block)'],
    ['a key and a request', () => file('key.pem', `${pki().ca.key}-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n`), 'holds no certificate (PEM blocks found: PRIVATE KEY, CERTIFICATE REQUEST)'],
  ])('refuses %s, naming the field and the path', (_case, path, problem) => {
    // Prepare
    const where = path();

    // Act
    const error = thrownBy(() => readCaBundle(where, '--ca'));

    // Assess
    expect(error).toBeInstanceOf(CaBundleError);
    expect(error?.message).toBe(`--ca: ${JSON.stringify(where)} ${problem}`);
  });

  it('refuses a certificate block that does not parse, saying which one', () => {
    // Act
    const error = thrownBy(() => parseCaBundle(`${pki().ca.cert}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n`, 'PORTWATCH_CA', 'the variable'));

    // Assess
    expect(error).toBeInstanceOf(CaBundleError);
    expect(error?.message).toMatch(/^PORTWATCH_CA: the variable holds a certificate that does not parse \(number 2 of 2: .+\)$/);
  });
});

describe('trustAnchors', () => {
  it.each([
    ['one PEM string', (pem: string) => pem],
    ['a list of PEMs', (pem: string) => [pem]],
    ['a Buffer', (pem: string) => Buffer.from(pem)],
  ])('keeps every public root and adds %s', (_case, wrap) => {
    // Prepare
    const extra = selfSignedCert('/CN=private CA', null);

    // Act
    const anchors = trustAnchors(wrap(extra));

    // Assess: in addition to Node's roots, not instead of them.
    expect(anchors.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
    expect(anchors.slice(rootCertificates.length).map(String)).toEqual([extra]);
  });
});

function thrownBy(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  return undefined;
}
