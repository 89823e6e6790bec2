import { probeTarget } from '../../../lambda/probe/index';
import { buildDtlsClientHello, describeDtlsReply, dtlsClientHello } from '../../../lambda/probe/udp-dtls';
import { probeOptions, spec, timed } from '../../helpers/probe-fixtures';
import { closedUdpPort, helloVerifyRequest, udpServer, type RunningUdp } from '../../helpers/servers';

describe('buildDtlsClientHello', () => {
  it('is one DTLS 1.2 ClientHello record whose lengths add up', () => {
    // Act
    const hello = buildDtlsClientHello(Buffer.alloc(32, 7));

    // Assess: record header
    expect(hello[0]).toBe(22);
    expect(hello.readUInt16BE(1)).toBe(0xfeff);
    expect(hello.subarray(3, 11)).toEqual(Buffer.alloc(8)); // epoch 0, sequence 0
    expect(hello.readUInt16BE(11)).toBe(hello.length - 13);
    // handshake header: ClientHello, unfragmented
    const bodyLength = hello.readUIntBE(14, 3);
    expect(hello[13]).toBe(1);
    expect(hello.readUInt16BE(17)).toBe(0); // message_seq
    expect(hello.readUIntBE(19, 3)).toBe(0); // fragment_offset
    expect(hello.readUIntBE(22, 3)).toBe(bodyLength);
    expect(hello.length).toBe(25 + bodyLength);
    // body: DTLS 1.2, our random, empty session id and cookie
    expect(hello.readUInt16BE(25)).toBe(0xfefd);
    expect(hello.subarray(27, 59)).toEqual(Buffer.alloc(32, 7));
    expect(hello[59]).toBe(0);
    expect(hello[60]).toBe(0);
  });
});

describe('dtlsClientHello', () => {
  it('is the built ClientHello with a fresh random for every probe', () => {
    // Act
    const first = dtlsClientHello();
    const second = dtlsClientHello();

    // Assess
    const random = (hello: Buffer): Buffer => hello.subarray(27, 59);
    expect(first).toEqual(buildDtlsClientHello(Buffer.from(random(first))));
    expect(second).toEqual(buildDtlsClientHello(Buffer.from(random(second))));
    expect(random(second)).not.toEqual(random(first));
  });
});

describe('describeDtlsReply', () => {
  it.each([
    [helloVerifyRequest(), { dtls: true, reason: 'DTLS HelloVerifyRequest' }],
    [Buffer.from([21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 40]), { dtls: true, reason: 'DTLS alert 40' }],
    [Buffer.from('hello'), { dtls: false, reason: 'reply is not DTLS (5 bytes)' }],
    [Buffer.alloc(0), { dtls: false, reason: 'reply is not DTLS (0 bytes)' }],
  ])('%#', (reply, expected) => {
    expect(describeDtlsReply(reply)).toEqual(expected);
  });
});

describe('probeTarget over UDP (DTLS)', () => {
  const servers: RunningUdp[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('is open when a DTLS server answers with HelloVerifyRequest', async () => {
    // Prepare
    const server = await udpServer(helloVerifyRequest());
    servers.push(server);

    // Act
    const result = await probeTarget(spec(server.port, 'mqtt', '127.0.0.1', 'udp'), probeOptions());

    // Assess
    expect(result).toMatchObject({ transport: 'udp', status: 'open', reason: '127.0.0.1: DTLS HelloVerifyRequest', tls: null, mqtt: null, findings: [] });
    expect(server.received[0]?.subarray(0, 3)).toEqual(Buffer.from([22, 0xfe, 0xff]));
  });

  it('works over IPv6 too', async () => {
    // Prepare
    const server = await udpServer(helloVerifyRequest(), '::1');
    servers.push(server);

    // Act
    const result = await probeTarget(spec(server.port, 'mqtt', '::1', 'udp'), probeOptions());

    // Assess
    expect(result.addresses).toEqual([expect.objectContaining({ address: '::1', family: 6, status: 'open' })]);
  });

  it('is closed when the kernel answers ICMP port unreachable', async () => {
    // Prepare
    const port = await closedUdpPort();

    // Act
    const result = await probeTarget(spec(port, 'mqtt', '127.0.0.1', 'udp'), probeOptions());

    // Assess
    expect(result).toMatchObject({ status: 'closed', reason: '127.0.0.1: ECONNREFUSED (ICMP port unreachable)' });
  });

  it('is filtered (open|filtered) when nothing answers, after one retransmission', async () => {
    // Prepare
    const server = await udpServer(null);
    servers.push(server);

    // Act
    const { value: result, elapsedMs } = await timed(() => probeTarget(spec(server.port, 'mqtt', '127.0.0.1', 'udp'), probeOptions({ timeoutMs: 300 })));

    // Assess
    expect(result).toMatchObject({ status: 'filtered', reason: '127.0.0.1: open|filtered: no reply within 300 ms' });
    expect(server.received).toHaveLength(2);
    expect(elapsedMs).toBeLessThan(300 + 700);
  });
});
