/**
 * The Node.js behaviours portwatch depends on that differ between the versions it runs on: the CLI on
 * Node 20 and up, the Lambdas on Node 24. Each is pinned per version, so a Node upgrade that changes
 * one shows here first; the code that makes portwatch answer alike on all of them is tested beside it
 * (idn.ts: host names; tls-handshake.ts: alert names). Not here: libuv's handling of an unscoped link-local
 * address (tcp.ts), which only a connect shows, and that connect would send a SYN to a guessed link.
 */
import { connect } from 'node:tls';
import { domainToASCII, domainToUnicode } from 'node:url';
import { peerAlert } from '../lambda/probe/tls-handshake';
import { usePki } from './helpers/certs';
import { tlsServer, useServers } from './helpers/servers';

const major = Number(process.versions.node.split('.')[0]);

/** What each version does, checked on Node 20.20 and Node 24.21. */
const FACTS: Readonly<Record<number, { readonly aceA: string; readonly aceAsciiDecoded: string; readonly mixedDirections: string; readonly alertCode: string }>> = {
  20: {
    aceA: '',
    aceAsciiDecoded: 'ab',
    mixedDirections: 'xn--a-0hc',
    alertCode: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  },
  24: {
    aceA: 'xn--a',
    aceAsciiDecoded: 'xn--ab-',
    mixedDirections: '',
    alertCode: 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE',
  },
};

describe(`this Node (${process.version})`, () => {
  it('is the version the run asked for, in the jest worker too', () => {
    // Assess: with-node24 (and .ci/run's Node 20 leg) say which major they started; workers inherit it.
    const expected = process.env.PORTWATCH_EXPECT_NODE_MAJOR;
    if (expected !== undefined) expect(major).toBe(Number(expected));
    expect(major).toBeGreaterThanOrEqual(20);
  });
});

(FACTS[major] ? describe : describe.skip)(`Node ${major}'s behaviours that differ between versions`, () => {
  const facts = FACTS[major]!;
  const pki = usePki();
  const listen = useServers();

  it('domainToASCII: an undecodable `xn--` label', () => {
    // Act, Assess: Node 20 refuses it, Node 24 passes it through unchecked.
    expect(domainToASCII('xn--a')).toBe(facts.aceA);
  });

  it('domainToUnicode: punycode of plain ASCII', () => {
    // Act, Assess: Node 20 decodes it, Node 24 keeps it.
    expect(domainToUnicode('xn--ab-')).toBe(facts.aceAsciiDecoded);
  });

  it('domainToASCII: a label mixing left-to-right and right-to-left letters', () => {
    // Act, Assess: Node 24 applies the IDNA bidi rule, Node 20 does not here.
    expect(domainToASCII('aא')).toBe(facts.mixedDirections);
  });

  it('OpenSSL: the error code of a handshake_failure alert, which tls-handshake.ts reads by the alert name', async () => {
    // Prepare: TLS 1.2 demanding a client certificate; the client has none, the server sends the alert.
    const server = await listen(tlsServer({ ...pki().trusted, ca: pki().ca.cert, requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' }));

    // Act
    const code = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'none'));
      socket.on('secureConnect', () => socket.write('x'));
      socket.on('close', () => resolve('closed without an error'));
    });

    // Assess
    expect(code).toBe(facts.alertCode);
    expect(peerAlert(code)).toBe('handshake_failure');
  });
});
