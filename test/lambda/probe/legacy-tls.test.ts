import { createServer, Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { probeTarget } from '../../../lambda/probe/index';
import { legacyClientHello } from '../../../lambda/probe/legacy-tls';
import type { ProbeResult } from '../../../lambda/probe/types';
import { usePki } from '../../helpers/certs';
import { probeOptions, spec } from '../../helpers/probe-fixtures';
import { LEGACY_TLS_SERVER, tlsServer, useServers, type Running } from '../../helpers/servers';

const NOW = new Date();

/** The ClientHello's fields that matter here: offered version, random, and the SNI name if any. */
function readHello(record: Buffer): { recordType: number; handshakeType: number; clientVersion: number; random: string; sni: string | null } {
  let at = 5 + 4 + 2 + 32;
  at += 1 + (record[at] ?? 0); // session id
  at += 2 + record.readUInt16BE(at); // cipher suites
  at += 1 + (record[at] ?? 0); // compression methods
  const end = at + 2 + record.readUInt16BE(at);
  let sni: string | null = null;
  for (at += 2; at + 4 <= end; ) {
    const type = record.readUInt16BE(at);
    const length = record.readUInt16BE(at + 2);
    // server_name: list length (2), name type (1), name length (2), name.
    if (type === 0) sni = record.subarray(at + 4 + 5, at + 4 + length).toString('latin1');
    at += 4 + length;
  }
  return { recordType: record[0] ?? -1, handshakeType: record[5] ?? -1, clientVersion: record.readUInt16BE(9), random: record.subarray(11, 43).toString('hex'), sni };
}

describe('legacyClientHello', () => {
  const own = (): void => undefined;

  it('is OpenSSL\'s ClientHello offering nothing newer than TLS 1.1, with a fresh random each time', async () => {
    // Act
    const first = await legacyClientHello('127.0.0.1', own);
    const second = await legacyClientHello('127.0.0.1', own);

    // Assess
    expect(first).not.toBeNull();
    const a = readHello(first as Buffer);
    const b = readHello(second as Buffer);
    expect(a).toMatchObject({ recordType: 0x16, handshakeType: 1, clientVersion: 0x0302, sni: null });
    expect(b.random).not.toBe(a.random);
  });

  it('names the host in SNI for a DNS name, as the full handshake does', async () => {
    // Act
    const hello = await legacyClientHello('broker.example', own);

    // Assess
    expect(readHello(hello as Buffer).sni).toBe('broker.example');
  });
});

/**
 * Connections the server sees per probe: the TCP phase's connect-only, the modern handshake (TLS 1.3
 * here), the TLS 1.2 suite check, then the legacy ClientHello when its answer settles the question,
 * plus the full legacy handshake when not.
 */
const HELLO_SETTLED = 1 + 3;
const FULL_HANDSHAKE = 1 + 4;

/** The legacy check's part of a probe's reason, which comes last and may itself hold a `; `. */
const legacyReason = (result: ProbeResult): string => result.reason.slice(result.reason.indexOf('; legacy ') + 2);

describe('the legacy-tls verdict from the answer to the legacy ClientHello', () => {
  const pki = usePki(NOW);
  const listen = useServers();
  let handshakes = 0;

  /** A TLS server that counts the handshakes it completes (the hello-only check completes none). */
  async function serve(extra: TlsOptions): Promise<Running> {
    const server = tlsServer({ key: pki().trusted.key, cert: pki().trusted.cert, ...extra }, (socket) => socket.resume());
    server.on('secureConnection', () => handshakes++);
    return listen(server);
  }

  const probe = (port: number): Promise<ProbeResult> => probeTarget(spec(port, 'tls', 'localhost'), probeOptions({ now: () => NOW, ca: pki().ca.cert }));

  beforeEach(() => {
    handshakes = 0;
  });

  it('finds legacy TLS accepted without completing a second handshake', async () => {
    // Prepare
    const server = await serve(LEGACY_TLS_SERVER);

    // Act
    const result = await probe(server.port);

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', legacyTls: true, authorized: true, clientCertRequired: false });
    expect(legacyReason(result)).toBe('legacy TLSv1.1 accepted');
    expect(result.findings).toEqual(['legacy-tls']);
    // The modern handshake and the TLS 1.2 suite check; none for the legacy question.
    expect(handshakes).toBe(2);
    expect(server.stats.accepted).toBe(HELLO_SETTLED);
  });

  it('finds legacy TLS refused from the server\'s alert', async () => {
    // Prepare
    const server = await serve({});

    // Act
    const result = await probe(server.port);

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', legacyTls: false });
    expect(legacyReason(result)).toBe('legacy TLS 1.0/1.1 refused');
    expect(server.stats.accepted).toBe(HELLO_SETTLED);
  });

  it('leaves a CertificateRequest to the full handshake, which learns the certificate is required', async () => {
    // Prepare
    const server = await serve({ ...LEGACY_TLS_SERVER, ca: pki().ca.cert, requestCert: true, rejectUnauthorized: true });

    // Act
    const result = await probe(server.port);

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', legacyTls: true, clientCertRequired: true });
    expect(legacyReason(result)).toBe('legacy TLSv1.1 accepted (server requires a client certificate (handshake_failure alert))');
    expect(result.findings).toEqual(['legacy-tls']);
    // No TLS 1.2 suite check: it would be refused for want of a certificate as well.
    expect(server.stats.accepted).toBe(FULL_HANDSHAKE - 1);
  });

  it('takes the evidence from the legacy handshake when the server speaks nothing newer than TLS 1.0', async () => {
    // Prepare
    const server = await serve({ ...LEGACY_TLS_SERVER, maxVersion: 'TLSv1' });

    // Act
    const result = await probe(server.port);

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1', legacyTls: true, authorized: true, hostnameMatch: true });
    expect(result.tls?.cert?.subject).toBe('CN=localhost, O=portwatch tests');
    expect(result.findings).toEqual(['legacy-tls']);
  });

  /**
   * A TLS 1.3 server behind a front that answers anything offering only TLS 1.0/1.1 with `legacyAnswer`
   * (the modern handshake passes through untouched). Counts the legacy connections.
   */
  async function frontedServer(legacyAnswer: (client: Socket) => void): Promise<{ port: number; connections: () => number; legacyConnections: () => number }> {
    const tls = (await serve({})).port;
    let legacyConnections = 0;
    const front = await listen(
      createServer((client: Socket) => {
        client.once('data', (hello: Buffer) => {
          if (hello.readUInt16BE(9) <= 0x0302) {
            legacyConnections++;
            legacyAnswer(client);
            return;
          }
          const upstream = new Socket();
          upstream.on('error', () => client.destroy());
          client.on('error', () => upstream.destroy());
          upstream.connect(tls, '127.0.0.1', () => {
            upstream.write(hello);
            client.pipe(upstream).pipe(client);
          });
        });
      }),
    );
    return { port: front.port, connections: () => front.stats.accepted, legacyConnections: () => legacyConnections };
  }

  it('leaves an answer that is neither ServerHello nor alert to the full handshake', async () => {
    // Prepare
    const server = await frontedServer((client) => client.end());

    // Act
    const result = await probe(server.port);

    // Assess: both legacy attempts met the hang-up; the verdict is the full handshake's.
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', legacyTls: null });
    expect(result.reason).toMatch(/legacy TLS not determined: no TLS: server closed the connection without a reply to the ClientHello/);
    expect(server.legacyConnections()).toBe(2);
    expect(server.connections()).toBe(FULL_HANDSHAKE);
  });

  it('gives up on a stream of records that never decide, and leaves it to the full handshake', async () => {
    // Prepare: empty handshake records, one per write, until the client goes away.
    const server = await frontedServer((client) => {
      const drip = setInterval(() => (client.destroyed ? clearInterval(drip) : client.write(Buffer.from([0x16, 3, 1, 0, 0]))), 1);
      client.on('close', () => clearInterval(drip));
      client.on('error', () => undefined);
    });

    // Act
    const result = await probe(server.port);

    // Assess
    expect(result.tls).toMatchObject({ version: 'TLSv1.3' });
    expect(result.tls?.legacyTls).not.toBe(true);
    expect(server.legacyConnections()).toBe(2);
    expect(server.connections()).toBe(FULL_HANDSHAKE);
  });

  it('survives an answer larger than the read cap', async () => {
    // Prepare: full-size handshake records of zeros, as fast as the client reads.
    const record = Buffer.concat([Buffer.from([0x16, 3, 1, 0x3f, 0xfb]), Buffer.alloc(0x3ffb)]);
    const server = await frontedServer((client) => {
      const pump = (): void => {
        while (!client.destroyed && client.write(record));
      };
      client.on('drain', pump);
      client.on('error', () => undefined);
      pump();
    });

    // Act
    const result = await probe(server.port);

    // Assess: the hello's read hit the cap undecided, so the full handshake ran and hit it too.
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', legacyTls: null });
    expect(legacyReason(result)).toBe('legacy TLS not determined: TLS handshake aborted: server sent more than the 16384-byte read cap; connection destroyed');
    expect(server.legacyConnections()).toBe(2);
    expect(server.connections()).toBe(FULL_HANDSHAKE);
  });
});
