/**
 * Transport `udp`: is something speaking DTLS (MQTT-SN over DTLS, CoAPS) on the port? UDP has no
 * handshake of its own, so the probe sends a DTLS 1.2 ClientHello and listens. A DTLS record back
 * (usually HelloVerifyRequest) is `open`; an ICMP port unreachable, which Linux reports as
 * ECONNREFUSED on a connected UDP socket, is `closed`; silence is `filtered`, honestly labelled
 * open|filtered: a UDP service may simply ignore what it does not like.
 */
import { randomFillSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { withDeadline } from './deadline';
import { classifyConnectError, isUnscopedLinkLocal, UNSCOPED_LINK_LOCAL_CODE } from './tcp';
import type { AddressResult, ResolvedAddress } from './types';

const DTLS_1_0 = 0xfeff;
const DTLS_1_2 = 0xfefd;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;

/** A handful of suites and extensions an embedded DTLS 1.2 server (mbedTLS, tinydtls, OpenSSL) accepts. */
const CIPHER_SUITES = [
  0xc02b, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
  0xc02f, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  0xc02c, // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
  0xc030, // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  0xc0ae, // TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (CoAP's mandatory suite)
  0xc0a8, // TLS_PSK_WITH_AES_128_CCM_8 (CoAP PSK)
  0x009c, // TLS_RSA_WITH_AES_128_GCM_SHA256
  0x00ff, // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
];

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function u24(value: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(value, 0, 3);
  return b;
}

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), u16(body.length), body]);
}

function list16(items: readonly number[]): Buffer {
  return Buffer.concat([u16(items.length * 2), ...items.map(u16)]);
}

/**
 * One DTLS record holding one unfragmented ClientHello (RFC 6347 4.1 and 4.2.2):
 *   record:    type 22 | version feff | epoch 0 | sequence 0 (48 bits) | length
 *   handshake: type 1 | length (24) | message_seq 0 | fragment_offset 0 | fragment_length = length
 *   body:      client_version fefd | random 32 | session_id <0> | cookie <0> | suites | compression null | extensions
 * The record says DTLS 1.0 and the body 1.2, as real clients do, so servers of either version answer.
 */
export function buildDtlsClientHello(random: Buffer): Buffer {
  const extensions = Buffer.concat([
    extension(0x000a, list16([0x0017, 0x001d])), // supported_groups: secp256r1, x25519
    extension(0x000b, Buffer.from([1, 0])), // ec_point_formats: uncompressed
    extension(0x000d, list16([0x0403, 0x0804, 0x0401, 0x0503])), // signature_algorithms
    extension(0x0017, Buffer.alloc(0)), // extended_master_secret
  ]);
  const body = Buffer.concat([
    u16(DTLS_1_2),
    random,
    Buffer.from([0]), // session_id: empty
    Buffer.from([0]), // cookie: empty (the server answers with HelloVerifyRequest)
    list16(CIPHER_SUITES),
    Buffer.from([1, 0]), // compression_methods: null
    u16(extensions.length),
    extensions,
  ]);
  const handshake = Buffer.concat([Buffer.from([1]), u24(body.length), u16(0), u24(0), u24(body.length), body]);
  const header = Buffer.concat([Buffer.from([CONTENT_HANDSHAKE]), u16(DTLS_1_0), u16(0), Buffer.alloc(6), u16(handshake.length)]);
  return Buffer.concat([header, handshake]);
}

/** Record header (13), handshake header (12), client_version (2): then the 32-byte random. */
const RANDOM_OFFSET = 27;
/** Every probe sends the same hello but for its random: built once, copied and filled per probe. */
const HELLO_TEMPLATE = buildDtlsClientHello(Buffer.alloc(32));

/** The ClientHello one probe sends: the template with a fresh random. */
export function dtlsClientHello(): Buffer {
  const hello = Buffer.from(HELLO_TEMPLATE);
  randomFillSync(hello, RANDOM_OFFSET, 32);
  return hello;
}

/** Describes a datagram: a DTLS record (handshake or alert) or something else. */
export function describeDtlsReply(reply: Buffer): { readonly dtls: boolean; readonly reason: string } {
  const type = reply[0];
  const version = reply.length >= 3 ? reply.readUInt16BE(1) : -1;
  const isDtls = (type === CONTENT_HANDSHAKE || type === CONTENT_ALERT) && (version === DTLS_1_0 || version === DTLS_1_2) && reply.length >= 13;
  if (!isDtls) return { dtls: false, reason: `reply is not DTLS (${reply.length} bytes)` };
  if (type === CONTENT_ALERT) return { dtls: true, reason: `DTLS alert ${reply[14] ?? '?'}` };
  const names: Readonly<Record<number, string>> = { 2: 'ServerHello', 3: 'HelloVerifyRequest' };
  const kind = reply[13];
  return { dtls: true, reason: `DTLS ${kind !== undefined ? (names[kind] ?? `handshake type ${kind}`) : 'handshake'}` };
}

/**
 * Sends the ClientHello to one address and waits for a reply. One retransmission at half the
 * deadline: a single lost datagram must not make an open port look filtered.
 */
export function probeDtlsAddress(target: ResolvedAddress, port: number, timeoutMs: number): Promise<AddressResult> {
  const started = performance.now();
  const base = { address: target.address, family: target.family };
  // As for TCP (tcp.ts): a link-local address without a zone names no link. The engine says so itself,
  // on every transport and Node version, instead of leaving the guess to the runtime.
  if (isUnscopedLinkLocal(target)) {
    return Promise.resolve({ ...base, status: classifyConnectError(UNSCOPED_LINK_LOCAL_CODE), reason: UNSCOPED_LINK_LOCAL_CODE, latencyMs: 0 });
  }
  const elapsed = (): number => Math.round(performance.now() - started);
  return withDeadline(
    timeoutMs,
    'DTLS reply',
    (deadline) =>
      new Promise<AddressResult>((resolve) => {
        const socket = createSocket(target.family === 6 ? 'udp6' : 'udp4');
        deadline.own(() => socket.close());
        const hello = dtlsClientHello();
        const send = (): void => {
          if (!deadline.settled) socket.send(hello, () => undefined);
        };
        socket.on('error', (err: NodeJS.ErrnoException) => {
          const code = err.code ?? 'ERROR';
          const status = classifyConnectError(code);
          resolve({ ...base, status, reason: status === 'closed' ? `${code} (ICMP port unreachable)` : code, latencyMs: elapsed() });
        });
        socket.on('message', (msg: Buffer) => {
          const reply = describeDtlsReply(msg);
          resolve({ ...base, status: 'open', reason: reply.reason, latencyMs: elapsed() });
        });
        socket.connect(port, target.address, () => {
          send();
          const retransmit = setTimeout(send, Math.floor(timeoutMs / 2));
          deadline.own(() => clearTimeout(retransmit));
        });
      }),
    (info) => ({ ...base, status: 'filtered', reason: `open|filtered: no reply within ${info.timeoutMs} ms`, latencyMs: elapsed() }),
  );
}
