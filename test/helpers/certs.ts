/**
 * A throw-away PKI for probe tests, made at test time with the openssl CLI (`openssl ca` is the one
 * tool here that can back-date a certificate, which the expired case needs). EC P-256 keys: fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

export interface TestPki {
  /** The test CA (not in the system trust store: pass `ca` to trust it). */
  readonly ca: KeyPair;
  /** CN=localhost, SAN DNS:localhost IP:127.0.0.1 IP:::1, signing itself. */
  readonly selfSigned: KeyPair;
  /** CN=localhost, same SANs, signed by the CA, valid 1 day ago to 300 days ahead. */
  readonly trusted: KeyPair;
  /** Signed by the CA, valid in January 2020 only. */
  readonly expired: KeyPair;
  /** Signed by the CA, expires in 3 days and 1 hour. */
  readonly expiring: KeyPair;
  /** CN=other.example, SAN DNS:other.example, signed by the CA. */
  readonly otherHost: KeyPair;
  /** Client certificate signed by the CA. */
  readonly client: KeyPair;
  readonly dir: string;
  cleanup(): void;
}

const OPENSSL = process.env.OPENSSL ?? '/usr/bin/openssl';
const DAY_MS = 86_400_000;
const LOCAL_SANS = 'DNS:localhost,IP:127.0.0.1,IP:::1';

function openssl(dir: string, args: readonly string[]): void {
  execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `openssl ca` date format. */
function caDate(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

export function createTestPki(now: Date = new Date()): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-pki-'));
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

  openssl(dir, ['req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '400', '-subj', '/O=portwatch tests/CN=portwatch test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(dir, ['req', '-x509', ...ecKey, '-keyout', 'self.key', '-out', 'self.pem', '-days', '300', '-subj', '/O=portwatch tests/CN=localhost', '-addext', `subjectAltName=${LOCAL_SANS}`]);

  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = test',
      '[ test ]',
      'database = index.txt',
      'new_certs_dir = .',
      'serial = serial',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[ any ]',
      // Subject fields come out in this order: O then CN, as real certificates are encoded.
      'organizationName = optional',
      'commonName = supplied',
      '',
    ].join('\n'),
  );

  const issue = (name: string, subject: string, extensions: string, start: Date, end: Date): KeyPair => {
    writeFileSync(join(dir, `${name}.ext`), `[ ext ]\n${extensions}\n`);
    openssl(dir, ['req', '-new', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, ['ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.pem`, '-startdate', caDate(start), '-enddate', caDate(end), '-extfile', `${name}.ext`, '-extensions', 'ext']);
    return { key: read(`${name}.key`), cert: read(`${name}.pem`) };
  };
  const server = (sans: string): string => `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE`;
  const ago = (days: number): Date => new Date(now.getTime() - days * DAY_MS);
  const ahead = (days: number): Date => new Date(now.getTime() + days * DAY_MS);

  return {
    ca: { key: read('ca.key'), cert: read('ca.pem') },
    selfSigned: { key: read('self.key'), cert: read('self.pem') },
    trusted: issue('trusted', '/O=portwatch tests/CN=localhost', server(LOCAL_SANS), ago(1), ahead(300)),
    expired: issue('expired', '/O=portwatch tests/CN=localhost', server(LOCAL_SANS), new Date('2020-01-01T00:00:00Z'), new Date('2020-02-01T00:00:00Z')),
    expiring: issue('expiring', '/O=portwatch tests/CN=localhost', server(LOCAL_SANS), ago(1), new Date(ahead(3).getTime() + 3_600_000)),
    otherHost: issue('other', '/O=portwatch tests/CN=other.example', server('DNS:other.example'), ago(1), ahead(300)),
    client: issue('client', '/CN=portwatch test client', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE', ago(1), ahead(300)),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A TestPki made once for the calling suite (beforeAll) and removed after it (afterAll). Read it inside
 * tests and hooks: `pki()` throws before the suite has started.
 */
export function usePki(now: Date = new Date()): () => TestPki {
  let pki: TestPki | null = null;
  beforeAll(() => {
    pki = createTestPki(now);
  });
  afterAll(() => {
    pki?.cleanup();
  });
  return () => {
    if (pki === null) throw new Error('usePki: read the PKI inside a test or hook, not while the suite is declared');
    return pki;
  };
}

/** A self-signed certificate for `subject` (`/CN=...`) with these SANs (`DNS:a,IP:b`), or none. */
export function selfSignedCert(subject: string, sans: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-cert-'));
  try {
    const san = sans === null ? [] : ['-addext', `subjectAltName=${sans}`];
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'cert.key', '-out', 'cert.pem', '-days', '2', '-subj', subject, ...san]);
    return readFileSync(join(dir, 'cert.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A self-signed certificate and its key, a fresh key each call: for a server whose certificate is replaced. */
export function selfSignedKeyPair(subject: string, sans: string, days = 30): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-cert-'));
  try {
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'cert.key', '-out', 'cert.pem', '-days', String(days), '-subj', subject, '-addext', `subjectAltName=${sans}`]);
    return { key: readFileSync(join(dir, 'cert.key'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A self-signed key pair with the key and digest asked for, for the weak-crypto checks: `newkey` as
 * openssl takes it (`rsa:1024`, `ec` with `curve`), `digest` an openssl digest flag (`sha1`, `md5`).
 * The openssl CLI signs SHA-1 and MD5 at any security level; loading such a key into a server is what
 * needs the level lowered (LEGACY_TLS_SERVER's ciphers, mosquitto `ciphers DEFAULT@SECLEVEL=0`).
 */
export function certWith(options: { readonly newkey: string; readonly curve?: string; readonly digest: string; readonly subject?: string; readonly sans?: string }): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-cert-'));
  try {
    const curve = options.curve === undefined ? [] : ['-pkeyopt', `ec_paramgen_curve:${options.curve}`];
    const subject = options.subject ?? '/O=portwatch tests/CN=localhost';
    openssl(dir, ['req', '-x509', '-newkey', options.newkey, ...curve, `-${options.digest}`, '-nodes', '-keyout', 'cert.key', '-out', 'cert.pem', '-days', '30', '-subj', subject, '-addext', `subjectAltName=${options.sans ?? LOCAL_SANS}`]);
    return { key: readFileSync(join(dir, 'cert.key'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
