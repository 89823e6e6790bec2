/**
 * Scanner safety: which resolved addresses the prober may connect to.
 *
 * Anyone who can write the Targets table can point the scanner anywhere, so the probe asks an
 * AddressGuard about every address DNS returned (not the name in the table): a name that resolves,
 * or later rebinds, to 127.0.0.1 or 169.254.169.254 is refused at connect time.
 *
 * Pure: no I/O, no environment. Plain 128-bit arithmetic on BigInt instead of node:net BlockList,
 * because classification needs the IPv4 address embedded in IPv4-mapped, NAT64 and 6to4 addresses
 * and a human-readable name for the range that matched, which BlockList does not give.
 */
import { isIP } from 'node:net';
import { describeValue, type ParseResult } from '../parse/field-error';
import type { AddressGuard, ResolvedAddress } from './types';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  | 'cgnat'
  | 'unique-local'
  | 'reserved'
  | 'metadata';

/** A validated network range; every field is plain data so a policy can be logged or serialised. */
export interface Cidr {
  readonly family: 4 | 6;
  /** Network address, canonical (IPv6 compressed, lower case). */
  readonly address: string;
  readonly prefix: number;
  /** `address/prefix`. */
  readonly text: string;
}

export interface AddressPolicy {
  /** Ranges allowed whatever their class, including metadata addresses when listed explicitly. */
  readonly allow: readonly Cidr[];
  /** Allow 127.0.0.0/8 and ::1. @default false */
  readonly allowLoopback?: boolean;
  /** Allow private (RFC 1918, fec0::/10), unique-local, CGNAT and link-local ranges, never metadata. @default false */
  readonly allowPrivate?: boolean;
  /** How the user can allow a refused address, appended to each refusal. @default 'ALLOWED_CIDRS' */
  readonly howToAllow?: string;
}

/** The class of an address, the name of the range it fell in, and the IPv4 address it embeds, if any. */
export interface AddressInfo {
  readonly class: AddressClass;
  /** Human-readable range, e.g. `private (RFC 1918)`, `link-local (EC2 instance metadata)`. */
  readonly range: string;
  /** The IPv4 address the classification came from, for IPv4-mapped, NAT64 and 6to4 addresses. */
  readonly embeddedIPv4: string | null;
}

interface Range {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
  readonly class: AddressClass;
  readonly range: string;
}

interface ParsedAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

const V4_BITS = 32;
const V6_BITS = 128;

function bitsOf(family: 4 | 6): number {
  return family === 4 ? V4_BITS : V6_BITS;
}

function parseIPv4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** Expands an IPv6 literal already validated by isIP (no zone) into its 128-bit value. */
function parseIPv6(text: string): bigint {
  let body = text;
  let tail: bigint[] = [];
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIPv4(last);
    tail = [v4 >> 16n, v4 & 0xffffn];
    body = body.slice(0, lastColon + 1) + '0';
  }
  const toGroups = (part: string): bigint[] => (part === '' ? [] : part.split(':').map((g) => BigInt(parseInt(g, 16))));
  let groups: bigint[];
  const doubleColon = body.indexOf('::');
  if (doubleColon === -1) groups = toGroups(body);
  else {
    const head = toGroups(body.slice(0, doubleColon));
    const rest = toGroups(body.slice(doubleColon + 2));
    groups = [...head, ...new Array<bigint>(8 - head.length - rest.length - (tail.length > 0 ? 1 : 0)).fill(0n), ...rest];
  }
  if (tail.length > 0) groups = [...groups.slice(0, -1), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Parses an IP literal; an IPv6 zone (`fe80::1%eth0`) is ignored for classification. */
function parseAddress(text: string): ParsedAddress | null {
  const bare = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  const family = isIP(text);
  if (family === 4) return { family, value: parseIPv4(bare) };
  if (family === 6 && isIP(bare) === 6) return { family, value: parseIPv6(bare) };
  return null;
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run (>= 2) of zero groups as `::`. */
function formatIPv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function formatAddress(family: 4 | 6, value: bigint): string {
  return family === 4 ? formatIPv4(value) : formatIPv6(value);
}

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = bitsOf(family);
  return ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
}

function contains(range: { family: 4 | 6; network: bigint; prefix: number }, address: ParsedAddress): boolean {
  return range.family === address.family && (address.value & mask(range.family, range.prefix)) === range.network;
}

function range(cidr: string, cls: AddressClass, name: string): Range {
  const [address = '', prefix = ''] = cidr.split('/');
  const parsed = parseAddress(address);
  if (parsed === null) throw new Error(`bad built-in range ${cidr}`);
  return { family: parsed.family, network: parsed.value, prefix: Number(prefix), class: cls, range: name };
}

/**
 * Special-purpose ranges, most specific first (the first match wins). Sources: the IANA IPv4 and
 * IPv6 Special-Purpose Address Registries (RFC 6890 and successors) and the cloud providers' docs.
 *
 * Metadata: every address that serves instance or task credentials on a cloud host is its own class,
 * refused even when private or link-local ranges are allowed. Included: EC2 IMDS (169.254.169.254,
 * fd00:ec2::254; also GCP, Azure and OCI IMDS), ECS task metadata and credentials (169.254.170.2),
 * EKS Pod Identity agent (169.254.170.23, fd00:ec2::23), Alibaba Cloud metadata (100.100.100.200) and
 * Azure WireServer (168.63.129.16, a public-range address that only answers inside Azure).
 * Not included: the Amazon DNS resolver (169.254.169.253, fd00:ec2::253) and Time Sync
 * (169.254.169.123, fd00:ec2::123): they hand out no credentials, so they keep their plain
 * link-local / unique-local class and are still refused by default.
 */
const V4_RANGES: readonly Range[] = [
  range('169.254.169.254/32', 'metadata', 'link-local (instance metadata)'),
  range('169.254.170.2/32', 'metadata', 'link-local (ECS task metadata and credentials)'),
  range('169.254.170.23/32', 'metadata', 'link-local (EKS Pod Identity credentials)'),
  range('100.100.100.200/32', 'metadata', 'carrier-grade NAT (Alibaba Cloud instance metadata)'),
  range('168.63.129.16/32', 'metadata', 'Azure WireServer (instance metadata)'),
  range('0.0.0.0/8', 'unspecified', 'unspecified ("this network", 0.0.0.0/8)'),
  range('10.0.0.0/8', 'private', 'private (RFC 1918)'),
  range('100.64.0.0/10', 'cgnat', 'carrier-grade NAT (RFC 6598)'),
  range('127.0.0.0/8', 'loopback', 'loopback'),
  range('169.254.0.0/16', 'link-local', 'link-local'),
  range('172.16.0.0/12', 'private', 'private (RFC 1918)'),
  range('192.0.0.0/24', 'reserved', 'reserved (IETF protocol assignments)'),
  range('192.0.2.0/24', 'reserved', 'reserved (documentation, TEST-NET-1)'),
  range('192.88.99.0/24', 'reserved', 'reserved (deprecated 6to4 relay anycast)'),
  range('192.168.0.0/16', 'private', 'private (RFC 1918)'),
  range('198.18.0.0/15', 'reserved', 'reserved (benchmarking)'),
  range('198.51.100.0/24', 'reserved', 'reserved (documentation, TEST-NET-2)'),
  range('203.0.113.0/24', 'reserved', 'reserved (documentation, TEST-NET-3)'),
  range('224.0.0.0/4', 'multicast', 'multicast'),
  range('255.255.255.255/32', 'reserved', 'reserved (limited broadcast)'),
  range('240.0.0.0/4', 'reserved', 'reserved (240.0.0.0/4)'),
];

const V6_RANGES: readonly Range[] = [
  range('fd00:ec2::254/128', 'metadata', 'unique-local (instance metadata)'),
  range('fd00:ec2::23/128', 'metadata', 'unique-local (EKS Pod Identity credentials)'),
  range('::/128', 'unspecified', 'unspecified'),
  range('::1/128', 'loopback', 'loopback'),
  // Inside ::/8, so before it.
  range('64:ff9b:1::/48', 'private', 'private (local-use NAT64, RFC 8215)'),
  range('::/8', 'reserved', 'reserved (::/8, incl. deprecated IPv4-compatible)'),
  range('100::/64', 'reserved', 'reserved (discard-only)'),
  range('2001::/23', 'reserved', 'reserved (IETF protocol assignments, incl. Teredo)'),
  range('2001:db8::/32', 'reserved', 'reserved (documentation)'),
  range('3fff::/20', 'reserved', 'reserved (documentation)'),
  range('2000::/3', 'public', 'public'),
  range('fc00::/7', 'unique-local', 'unique-local'),
  range('fe80::/10', 'link-local', 'link-local'),
  range('fec0::/10', 'private', 'private (deprecated site-local)'),
  range('ff00::/8', 'multicast', 'multicast'),
  // Everything outside 2000::/3 not named above is unassigned IETF space.
  range('::/0', 'reserved', 'reserved (unassigned)'),
];

const MAPPED = range('::ffff:0:0/96', 'reserved', 'IPv4-mapped');
const NAT64 = range('64:ff9b::/96', 'reserved', 'NAT64');
const SIX_TO_FOUR = range('2002::/16', 'reserved', '6to4');

function classifyV4(address: ParsedAddress): { class: AddressClass; range: string } {
  const match = V4_RANGES.find((r) => contains(r, address));
  return match === undefined ? { class: 'public', range: 'public' } : { class: match.class, range: match.range };
}

function classifyParsed(address: ParsedAddress): AddressInfo {
  if (address.family === 4) return { ...classifyV4(address), embeddedIPv4: null };
  // IPv4-mapped and NAT64 (64:ff9b::/96) carry an IPv4 address in their last 32 bits; the packet
  // ends up at that IPv4 address (the kernel or a NAT64 gateway unwraps it), so it decides the class.
  // 6to4 (2002:V4ADDR::/48) is tunnelled to the IPv4 address in bits 16-47: a host with a 6to4
  // interface sends it there itself, so an embedded non-public address decides the class; an
  // embedded public address leaves 2002::/16 public, as it is.
  let embedded: bigint | null = null;
  let kind = '';
  if (contains(MAPPED, address) || contains(NAT64, address)) {
    embedded = address.value & 0xffffffffn;
    kind = contains(MAPPED, address) ? 'IPv4-mapped' : 'NAT64';
  } else if (contains(SIX_TO_FOUR, address)) {
    embedded = (address.value >> 80n) & 0xffffffffn;
    kind = '6to4';
  }
  if (embedded !== null) {
    const v4 = classifyV4({ family: 4, value: embedded });
    if (kind !== '6to4' || v4.class !== 'public') {
      const text = formatIPv4(embedded);
      return { class: v4.class, range: `${v4.range}, ${kind} ${text}`, embeddedIPv4: text };
    }
  }
  const match = V6_RANGES.find((r) => contains(r, address));
  return { class: match?.class ?? 'reserved', range: match?.range ?? 'reserved', embeddedIPv4: null };
}

/**
 * Names the class and range of an IP literal; null when `address` is not one. An IPv6 zone
 * (`fe80::1%eth0`) is ignored.
 */
export function describeAddress(address: string): AddressInfo | null {
  const parsed = parseAddress(address);
  return parsed === null ? null : classifyParsed(parsed);
}

/**
 * The class of an IP literal. Anything that is not an IP literal is `reserved`: a guard never
 * treats what it cannot read as public.
 */
export function classifyAddress(address: string): AddressClass {
  return describeAddress(address)?.class ?? 'reserved';
}

/**
 * Parses a list of ranges such as `10.0.0.0/8,fd00::/8` (commas and/or whitespace between entries)
 * or an array of entries. A bare address means that one address (/32 or /128). Host bits must be
 * zero (`10.0.0.1/8` is refused: it is more likely a typo than a wish to allow all of 10/8).
 */
export function parseCidrList(text: string | readonly string[], field = 'allowedCidrs'): ParseResult<readonly Cidr[]> {
  const entries = typeof text === 'string' ? text.split(/[\s,]+/).filter((e) => e !== '') : text;
  const cidrs: Cidr[] = [];
  for (const [index, entry] of entries.entries()) {
    const parsed = parseCidr(entry);
    if (!parsed.ok) return { ok: false, error: { field: `${field}[${index}]`, value: describeValue(entry), reason: parsed.reason } };
    cidrs.push(parsed.value);
  }
  return { ok: true, value: cidrs };
}

function parseCidr(entry: unknown): { ok: true; value: Cidr } | { ok: false; reason: string } {
  if (typeof entry !== 'string') return { ok: false, reason: 'must be a string such as 10.0.0.0/8' };
  const trimmed = entry.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash === -1 ? trimmed : trimmed.slice(0, slash);
  if (addressText.includes('%')) return { ok: false, reason: 'has an IPv6 zone (%...), which a range cannot have' };
  if (addressText.startsWith('[')) return { ok: false, reason: 'has brackets; write an IPv6 range as fd00::/8' };
  const address = parseAddress(addressText);
  if (address === null) return { ok: false, reason: 'does not start with an IPv4 or IPv6 address (e.g. 10.0.0.0/8, fd00::/8)' };
  const bits = bitsOf(address.family);
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, reason: `has a prefix length that is not an integer 0-${bits}` };
    }
    prefix = Number(prefixText);
  }
  const network = address.value & mask(address.family, prefix);
  const canonical = formatAddress(address.family, network);
  if (network !== address.value) return { ok: false, reason: `has host bits set; did you mean ${canonical}/${prefix}?` };
  return { ok: true, value: { family: address.family, address: canonical, prefix, text: `${canonical}/${prefix}` } };
}

const PRIVATE_CLASSES: ReadonlySet<AddressClass> = new Set(['private', 'unique-local', 'cgnat', 'link-local']);

/**
 * Builds the guard the probe consults for every resolved address: null when the address may be
 * probed, else why not. Public addresses are always allowed. Anything else only when it lies in
 * `allow`, or by `allowLoopback` / `allowPrivate`. Metadata addresses (and unspecified, multicast,
 * reserved) are allowed only by `allow`. An IPv4-mapped, NAT64 or 6to4 address embedding a
 * non-public IPv4 address also matches `allow` by that IPv4 address.
 */
export function createAddressGuard(policy: AddressPolicy): AddressGuard {
  const allow = policy.allow.map((c) => {
    // A range that does not parse must not quietly become 0.0.0.0/prefix: that would allow another range.
    const network = parseAddress(c.address);
    if (network === null || network.family !== c.family) throw new Error(`allowed range ${c.text} does not parse as IPv${c.family}`);
    return { family: c.family, network: network.value, prefix: c.prefix };
  });
  const hint = policy.howToAllow ?? 'ALLOWED_CIDRS';
  return ({ address }: ResolvedAddress): string | null => {
    const parsed = parseAddress(address);
    if (parsed === null) return `refused: ${describeValue(address)} is not an IP address`;
    const info = classifyParsed(parsed);
    if (info.class === 'public') return null;
    const candidates = [parsed, ...(info.embeddedIPv4 === null ? [] : [{ family: 4 as const, value: parseIPv4(info.embeddedIPv4) }])];
    if (allow.some((r) => candidates.some((c) => contains(r, c)))) return null;
    if (info.class === 'loopback' && policy.allowLoopback === true) return null;
    if (PRIVATE_CLASSES.has(info.class) && policy.allowPrivate === true) return null;
    return `refused: ${address} is ${info.range}; allow it with ${hint}`;
  };
}
