import { isUnscopedLinkLocal, probeTcpAddress } from '../../../lambda/probe/tcp';
import { errorInfo, isClientCertRequired, peerAlert } from '../../../lambda/probe/tls-handshake';
import { parseServerFlight } from '../../../lambda/probe/tls-records';
import type { ResolvedAddress } from '../../../lambda/probe/types';
import { probeDtlsAddress } from '../../../lambda/probe/udp-dtls';

/**
 * Where the probe engine used to answer differently on Node 20 and Node 24, it now decides by what it
 * knows, not by what this Node's libuv or OpenSSL does. CI runs this file on both versions.
 */
const V6 = (address: string): ResolvedAddress => ({ address, family: 6 });

describe('an IPv6 link-local address without a zone', () => {
  it.each<[ResolvedAddress, boolean]>([
    [V6('fe80::1'), true],
    [V6('FE80::1'), true],
    [V6('fe80:0:0:0:0:0:0:1'), true],
    // fe80::/10 ends at febf::.
    [V6('febf:ffff::1'), true],
    [V6('fec0::1'), false],
    [V6('fe7f::1'), false],
    // A zone names the link: Node and the kernel can connect it.
    [V6('fe80::1%eth0'), false],
    [V6('::1'), false],
    [V6('::ffff:169.254.1.1'), false],
    [V6('2001:db8::1'), false],
    [{ address: '169.254.1.1', family: 4 }, false],
  ])('%j is unscoped link-local: %p', (target, expected) => {
    // Act, Assess
    expect(isUnscopedLinkLocal(target)).toBe(expected);
  });

  it('is EINVAL over TCP at once, as connect(2) says on Node 20, whatever this Node would do', async () => {
    // Act
    const result = await probeTcpAddress(V6('fe80::1'), 8883, 2000);

    // Assess: latency 0, no socket: no SYN went to a link Node 24 would have picked.
    expect(result).toEqual({ address: 'fe80::1', family: 6, status: 'error', reason: 'EINVAL', latencyMs: 0 });
  });

  it('is EINVAL over UDP too, with no datagram sent', async () => {
    // Act
    const result = await probeDtlsAddress(V6('fe80::1'), 8883, 2000);

    // Assess
    expect(result).toEqual({ address: 'fe80::1', family: 6, status: 'error', reason: 'EINVAL', latencyMs: 0 });
  });
});

describe('a TLS alert from the server', () => {
  // Node's code is OpenSSL's reason text: OpenSSL 3.0 (Node 20) and 3.5 (Node 24) word the first family apart.
  it.each<[string, string | null]>([
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'handshake_failure'],
    ['ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE', 'handshake_failure'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'bad_certificate'],
    ['ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE', 'bad_certificate'],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'protocol_version'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'unknown_ca'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'certificate_required'],
    // Not an alert from the server.
    ['ERR_SSL_WRONG_VERSION_NUMBER', null],
    ['ERR_SSL_NO_PROTOCOLS_AVAILABLE', null],
    ['ECONNRESET', null],
  ])('%s is the alert %p', (code, alert) => {
    // Act, Assess
    expect(peerAlert(code)).toBe(alert);
  });

  it('reads the same whichever OpenSSL worded it', () => {
    // Prepare: the errors Node 20 and Node 24 raise for the same handshake_failure alert.
    const node20 = Object.assign(new Error('...:sslv3 alert handshake failure:...'), { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', reason: 'sslv3 alert handshake failure' });
    const node24 = Object.assign(new Error('...:ssl/tls alert handshake failure:...'), { code: 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE', reason: 'ssl/tls alert handshake failure' });

    // Act
    const [from20, from24] = [errorInfo(node20), errorInfo(node24)];

    // Assess
    expect(from20.reason).toBe('handshake_failure alert');
    expect(from24.reason).toBe(from20.reason);
  });

  it('keeps OpenSSL\'s reason for an error that is not an alert', () => {
    // Act
    const info = errorInfo(Object.assign(new Error('long text'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER', reason: 'wrong version number' }));

    // Assess
    expect(info).toEqual({ code: 'ERR_SSL_WRONG_VERSION_NUMBER', reason: 'wrong version number' });
  });

  it('tells a client certificate demand from either spelling of the TLS 1.2 alert', () => {
    // Prepare: a first flight with CertificateRequest (handshake type 13) in clear.
    const certificateRequest = Buffer.from([22, 3, 3, 0, 4, 13, 0, 0, 0]);
    const flight = parseServerFlight(certificateRequest);

    // Act, Assess
    expect(flight.certificateRequested).toBe(true);
    expect(isClientCertRequired('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', flight)).toBe(true);
    expect(isClientCertRequired('ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE', flight)).toBe(true);
    expect(isClientCertRequired('ERR_SSL_WRONG_VERSION_NUMBER', flight)).toBe(false);
  });
});
