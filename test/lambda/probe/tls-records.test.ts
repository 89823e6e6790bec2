import fc from 'fast-check';
import { parseServerFlight } from '../../../lambda/probe/tls-records';

const record = (type: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([type, 3, 3, payload.length >> 8, payload.length & 0xff]), payload]);
const handshake = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, 0, body.length >> 8, body.length & 0xff]), body]);

describe('parseServerFlight', () => {
  it('reads the ServerHello version, a CertificateRequest and the certificates, across records', () => {
    // Prepare: ServerHello (TLS 1.0) | Certificate with two certs | CertificateRequest | ServerHelloDone,
    // split mid-message.
    const hello = handshake(2, Buffer.concat([Buffer.from([3, 1]), Buffer.alloc(34)]));
    const certs = [Buffer.from('leaf-der'), Buffer.from('ca-der')];
    const list = Buffer.concat(certs.map((c) => Buffer.concat([Buffer.from([0, 0, c.length]), c])));
    const certificate = handshake(11, Buffer.concat([Buffer.from([0, 0, list.length]), list]));
    const request = handshake(13, Buffer.from([1, 1, 0, 0]));
    const done = handshake(14, Buffer.alloc(0));
    const stream = Buffer.concat([hello, certificate, request, done]);
    const bytes = Buffer.concat([record(22, stream.subarray(0, 20)), record(22, stream.subarray(20))]);

    // Act
    const flight = parseServerFlight(bytes);

    // Assess
    expect(flight).toEqual({ replied: true, looksLikeTls: true, serverHelloVersion: 0x0301, certificateRequested: true, serverHelloDone: true, certificates: certs, alert: null });
  });

  it('reads an alert and stops at ChangeCipherSpec', () => {
    // Prepare
    const bytes = Buffer.concat([record(21, Buffer.from([2, 70])), record(20, Buffer.from([1])), record(22, handshake(13, Buffer.alloc(4)))]);

    // Act
    const flight = parseServerFlight(bytes);

    // Assess
    expect(flight.alert).toEqual([2, 70]);
    expect(flight.certificateRequested).toBe(false);
  });

  it('tells non-TLS replies and silence apart', () => {
    expect(parseServerFlight(Buffer.from('HTTP/1.1 400'))).toMatchObject({ replied: true, looksLikeTls: false });
    expect(parseServerFlight(Buffer.alloc(0))).toMatchObject({ replied: false, looksLikeTls: false });
  });

  it('never throws, whatever the server sent', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, tlsPrefix) => {
        const input = tlsPrefix ? Buffer.concat([Buffer.from([22, 3, 3]), Buffer.from(bytes)]) : Buffer.from(bytes);
        parseServerFlight(input);
      }),
      { numRuns: 500 },
    );
  });
});
