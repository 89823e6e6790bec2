/** Target parsing: a Targets-table item (or a key, host, port) validated into a Target, never throwing. */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { Depth, Transport } from '../probe/types';
import { parseDigest } from './digest-field';
import { isInternationalName, meetsIdnRules } from './idn';
import type { Expect, StateDigest, Target } from './model';
import { describeValue, fail, type ParseResult } from '../parse/field-error';
import { parseDuration } from '../parse/duration';
import { parseWindows } from './windows';
import { parsePort } from '../parse/port';
import { parsePlaintextPort } from './plaintext-port';
import { parseOrigin } from './origin';
import { parseEvery } from './lane';

export { describeValue, formatFieldError, type ParseResult, type TargetFieldError } from '../parse/field-error';
export { parseWindows } from './windows';

export const DEFAULT_PORT = 8883;
export const MAX_TARGET_KEY_LENGTH = 300;
/** The longest DNS name (RFC 1035: 255 octets on the wire, 253 characters written without the final dot). */
export const MAX_HOST_NAME_LENGTH = 253;
/**
 * A target's `timeoutMs`, and every `--timeout` flag of the CLI (options.ts): one deadline, one range.
 * 100 ms is about the shortest handshake over a real network; 30 s is a prober's whole budget per phase.
 */
export const TIMEOUT_RANGE_MS = { min: 100, max: 30_000 } as const;
const { min: MIN_TIMEOUT_MS, max: MAX_TIMEOUT_MS } = TIMEOUT_RANGE_MS;
const MAX_DESCRIPTION_LENGTH = 1024;
const MAX_LABELS = 20;
const MAX_LABEL_LENGTH = 128;
const DEPTHS: readonly Depth[] = ['tcp', 'tls', 'mqtt'];
const TRANSPORTS: readonly Transport[] = ['tcp', 'udp'];
const EXPECTS: readonly Expect[] = ['open', 'closed'];
/** Attributes portwatch reads; others are kept by the user for their own use and ignored here. */
export const KNOWN_ATTRIBUTES = [
  'target',
  'port',
  'protocol',
  'expect',
  'depth',
  'enabled',
  'labels',
  'timeoutMs',
  'description',
  'muteUntil',
  'maintenance',
  'remindEvery',
  'plaintextPort',
  'serverName',
  'every',
  // Written by the prober (a cache of the target's state, see digest.ts), passed on by the dispatcher.
  'digest',
  // Written by discovery (lambda/discovery/): the AWS resource behind the target, for the alert's root cause.
  'origin',
] as const;


/**
 * Canonical host: an IP literal as written (IPv6 without brackets, lower case) or a DNS name
 * converted to ASCII (IDN to punycode), lower case, without a trailing dot.
 */
export function parseHost(raw: string, field: string): ParseResult<string> {
  const trimmed = raw.trim();
  if (trimmed === '') return fail(field, raw, 'has an empty host');
  if (isIP(trimmed) === 4) return { ok: true, value: trimmed };
  if (isIP(trimmed) === 6) {
    // A zone (fe80::1%eth0) names an interface of one machine; targets are shared between machines.
    if (trimmed.includes('%')) return fail(field, raw, 'has an IPv6 zone (%...), which portwatch does not support');
    return { ok: true, value: trimmed.toLowerCase() };
  }
  if (/^[\d.]*\d[\d.]*$/.test(trimmed)) return fail(field, raw, 'is not a valid IPv4 address');
  // domainToASCII parses a URL host: it stops at `/ ? # \`, percent-decodes and reads 0x7f.1 as
  // 127.0.0.1. Only letters, digits, `.`, `-`, `_` and non-ASCII (IDN) characters may reach it.
  if (/[\u0000-\u002c\u002f\u003a-\u0040\u005b-\u005e\u0060\u007b-\u007f]/.test(trimmed)) {
    return fail(field, raw, 'is not a valid host name (letters, digits, ".", "-", "_" or IDN)');
  }
  const ascii = domainToASCII(trimmed.replace(/\.$/, '')).toLowerCase();
  if (isIP(ascii) !== 0) return fail(field, raw, 'is not a valid IPv4 address (write it as four decimal numbers)');
  // One reason whichever check refuses: Node versions differ in which one does (idn.ts).
  const international = isInternationalName(trimmed);
  const invalid = international ? 'is not a valid host name (not a valid international domain name)' : 'is not a valid host name';
  if (ascii === '') return fail(field, raw, invalid);
  // Said with the numbers: a long generated name is refused for its length, not for a typo to hunt.
  // domainToASCII checks no length on any Node version (WHATWG URL hosts do not), so this is the only check.
  if (ascii.length > MAX_HOST_NAME_LENGTH) {
    const form = international ? ' in its ASCII form' : '';
    return fail(field, raw, `is ${ascii.length} characters${form}; host names stop at ${MAX_HOST_NAME_LENGTH}`);
  }
  const labelOk = (label: string): boolean => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?$/.test(label);
  if (!ascii.split('.').every(labelOk)) return fail(field, raw, invalid);
  // Where Node versions disagree on a name: the CLI (Node 20+) and the prober (Node 24) must not.
  if (!meetsIdnRules(ascii)) return fail(field, raw, invalid);
  return { ok: true, value: ascii };
}

export interface HostPort {
  readonly host: string;
  /** null when the key names no port. */
  readonly port: number | null;
}

/** `scheme://`: a URL, which names a protocol and perhaps a path, where a key names host and port. */
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Splits `host`, `host:port`, `[v6]:port`, `[v6]` or a bare IPv6 literal (an address on the default
 * port). The key is taken as given: surrounding spaces are refused, not trimmed, because the key is
 * also the Targets table's partition key and ` broker` would be a second item for the same broker.
 * Callers that read typed text (the CLI) trim it first.
 */
export function parseTargetKey(key: unknown, field = 'target'): ParseResult<HostPort> {
  if (typeof key !== 'string') return fail(field, key, 'must be a string such as "broker.example.com:8883"');
  if (key.length === 0) return fail(field, key, 'is empty');
  if (key.length > MAX_TARGET_KEY_LENGTH) return fail(field, key, `is longer than ${MAX_TARGET_KEY_LENGTH} characters`);
  if (/^\s|\s$/.test(key)) return fail(field, key, 'has leading or trailing spaces');
  if (/\s/.test(key) || /[\u0000-\u001f\u007f]/.test(key)) return fail(field, key, 'contains whitespace or control characters');
  if (URL_SCHEME.test(key)) return fail(field, key, `is a URL: write host:port${urlSuggestion(key)}`);
  const text = key;
  if (text.startsWith('[') && !/^\[[^\]]*\](?::.*)?$/.test(text)) {
    return fail(field, key, 'has a bracket that is not closed or is followed by something other than :port');
  }
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    const inner = bracketed[1] ?? '';
    if (isIP(inner) !== 6) return fail(field, key, 'has brackets around something that is not an IPv6 address');
    if (inner.includes('%')) return fail(field, key, 'has an IPv6 zone (%...), which portwatch does not support');
    if (bracketed[2] === undefined) return { ok: true, value: { host: inner.toLowerCase(), port: null } };
    const port = parsePort(bracketed[2], field);
    if (!port.ok) return fail(field, key, 'has a port that is not an integer 1-65535');
    return { ok: true, value: { host: inner.toLowerCase(), port: port.value } };
  }
  if (isIP(text) === 6) {
    if (text.includes('%')) return fail(field, key, 'has an IPv6 zone (%...), which portwatch does not support');
    const split = ipv6PortReading(text);
    if (split !== null) {
      // `::1:8883` is both the address ::1:8883 and ::1 on port 8883; guessing would probe the wrong one.
      return fail(field, key, `is ambiguous: write [${split.host}]:${split.port} for port ${split.port}, or [${text}] for that address`);
    }
    return { ok: true, value: { host: text.toLowerCase(), port: null } };
  }
  const colon = text.lastIndexOf(':');
  if (colon !== -1 && text.indexOf(':') !== colon) {
    return fail(field, key, 'looks like an IPv6 address; write it as [address]:port');
  }
  const hostPart = colon === -1 ? text : text.slice(0, colon);
  const host = parseHost(hostPart, field);
  // Report the key as given, not only its host part: that is what the user must find and fix.
  if (!host.ok) return fail(field, key, host.error.reason);
  if (colon === -1) return { ok: true, value: { host: host.value, port: null } };
  const port = parsePort(text.slice(colon + 1), field);
  if (!port.ok) return fail(field, key, 'has a port that is not an integer 1-65535');
  return { ok: true, value: { host: host.value, port: port.value } };
}

/**
 * The other reading of an unbracketed IPv6 literal: its last group as a decimal port after an address
 * that is valid without it (`2001:db8::1:8883` -> 2001:db8::1 port 8883). Null when there is none, so
 * the literal can only be the address (`::1`, `2001:db8::1`, a full eight-group address).
 */
function ipv6PortReading(text: string): { host: string; port: number } | null {
  const colon = text.lastIndexOf(':');
  const head = text.slice(0, colon);
  const tail = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(tail) || isIP(head) !== 6) return null;
  const port = parsePort(tail, 'port');
  return port.ok ? { host: head.toLowerCase(), port: port.value } : null;
}

/** `, e.g. host:8883` from the URL's host and port when those make a valid key; else nothing to suggest. */
function urlSuggestion(url: string): string {
  const authority = (url.replace(URL_SCHEME, '').split(/[/?#]/, 1)[0] ?? '').replace(/^.*@/, '');
  if (authority === '') return '';
  const parsed = parseTargetKey(authority);
  return parsed.ok ? `, e.g. ${formatHostPort(parsed.value.host, parsed.value.port ?? DEFAULT_PORT)}` : '';
}

export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function parseEnum<T extends string>(item: Record<string, unknown>, field: string, allowed: readonly T[]): ParseResult<T | null> {
  const value = item[field];
  if (value === undefined || value === null) return { ok: true, value: null };
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value.trim().toLowerCase())) {
    return { ok: true, value: value.trim().toLowerCase() as T };
  }
  return fail(field, value, `must be one of ${allowed.join(', ')}`);
}

function parseEnabled(value: unknown): ParseResult<boolean> {
  if (value === undefined || value === null) return { ok: true, value: true };
  if (typeof value === 'boolean') return { ok: true, value };
  // DynamoDB consoles make it easy to store "false" as a string; honour the obvious meaning.
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return { ok: true, value: value.trim().toLowerCase() === 'true' };
  return fail('enabled', value, 'must be a boolean');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function parseLabels(value: unknown): ParseResult<Record<string, string>> {
  if (value === undefined || value === null) return { ok: true, value: {} };
  const notLabels = 'must be a map of strings or a list of strings';
  const entries: [string, unknown][] = [];
  // A list may arrive as an array (DynamoDB L) or a Set (DynamoDB SS); both read `name` or `name=value`.
  if (Array.isArray(value) || value instanceof Set) {
    for (const v of value as Iterable<unknown>) {
      if (typeof v !== 'string') return fail('labels', value, notLabels);
      const eq = v.indexOf('=');
      entries.push(eq === -1 ? [v, ''] : [v.slice(0, eq), v.slice(eq + 1)]);
    }
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      if (typeof k !== 'string') return fail('labels', value, notLabels);
      entries.push([k, v]);
    }
  } else if (isPlainObject(value)) entries.push(...Object.entries(value));
  else return fail('labels', value, notLabels);
  if (entries.length > MAX_LABELS) return fail('labels', value, `has more than ${MAX_LABELS} labels`);
  const labels: [string, string][] = [];
  for (const [k, v] of entries) {
    if (!/^[A-Za-z0-9_.:/-]{1,64}$/.test(k)) return fail(`labels.${k.slice(0, 64)}`, k, 'is not a label name (1-64 of A-Z a-z 0-9 _ . : / -)');
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return fail(`labels.${k}`, v, 'must be a string');
    const text = String(v);
    if (text.length > MAX_LABEL_LENGTH) return fail(`labels.${k}`, v, `is longer than ${MAX_LABEL_LENGTH} characters`);
    labels.push([k, text]);
  }
  // fromEntries defines own properties, so a label named __proto__ is kept rather than swallowed.
  return { ok: true, value: Object.fromEntries(labels) };
}

function parseTimeout(value: unknown): ParseResult<number | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : null;
  if (text === null || !/^\d{1,6}$/.test(text)) return fail('timeoutMs', value, `must be an integer number of milliseconds (${MIN_TIMEOUT_MS}-${MAX_TIMEOUT_MS})`);
  const ms = Number(text);
  if (ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) return fail('timeoutMs', value, `must be between ${MIN_TIMEOUT_MS} and ${MAX_TIMEOUT_MS}`);
  return { ok: true, value: ms };
}

const MIN_REMINDER_MS = 60_000;
/**
 * `serverName`: the name clients use, sent as SNI and checked against the certificate instead of the
 * host. Allowed on any target, not only IP ones: a broker reached by an internal name or one address
 * of a pool still presents the certificate of its public name. A host name, never an IP (SNI carries
 * names only, RFC 6066), in the same canonical form as a target's host.
 */
export function parseServerName(value: unknown): ParseResult<string | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'string') return fail('serverName', value, 'must be a host name');
  const host = parseHost(value, 'serverName');
  if (!host.ok) return host;
  if (isIP(host.value) !== 0) return fail('serverName', value, 'is an IP address; SNI and certificate checks take a host name (leave serverName out to check the IP)');
  return host;
}

/** The key an item is stored under, when it has a usable one (even if the rest of it is invalid). */
export function itemKey(item: unknown): string | null {
  if (typeof item !== 'object' || item === null) return null;
  const key = (item as Record<string, unknown>).target;
  return typeof key === 'string' && key.length > 0 && key.length <= MAX_TARGET_KEY_LENGTH ? key : null;
}

/** The item's digest, as an optional field: an item without one parses as it always did. */
function digestOfItem(record: Readonly<Record<string, unknown>>): { digest?: StateDigest } {
  const digest = parseDigest(record.digest);
  return digest === null ? {} : { digest };
}

/**
 * Validates one Targets-table item (already unmarshalled to plain JS). Never throws: a bad item
 * becomes an error naming the field, the value and why, so the rest of the batch goes on.
 */
export function parseTargetItem(item: unknown, defaultPort = DEFAULT_PORT): ParseResult<Target> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return fail('item', item, 'must be an object');
  const record = item as Record<string, unknown>;
  const key = parseTargetKey(record.target);
  if (!key.ok) return key;
  let port = key.value.port ?? defaultPort;
  if (record.port !== undefined && record.port !== null) {
    const attr = parsePort(record.port, 'port');
    if (!attr.ok) return attr;
    if (key.value.port !== null && key.value.port !== attr.value) {
      return fail('port', record.port, `contradicts the port in target ${describeValue(record.target)}`);
    }
    port = attr.value;
  }
  const transport = parseEnum(record, 'protocol', TRANSPORTS);
  if (!transport.ok) return transport;
  const expect = parseEnum(record, 'expect', EXPECTS);
  if (!expect.ok) return expect;
  const depth = parseEnum(record, 'depth', DEPTHS);
  if (!depth.ok) return depth;
  const enabled = parseEnabled(record.enabled);
  if (!enabled.ok) return enabled;
  const labels = parseLabels(record.labels);
  if (!labels.ok) return labels;
  const timeout = parseTimeout(record.timeoutMs);
  if (!timeout.ok) return timeout;
  const plaintextPort = parsePlaintextPort(record.plaintextPort);
  if (!plaintextPort.ok) return plaintextPort;
  const description = record.description;
  if (description !== undefined && description !== null) {
    if (typeof description !== 'string') return fail('description', description, 'must be a string');
    if (description.length > MAX_DESCRIPTION_LENGTH) return fail('description', description, `is longer than ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  const windows = parseWindows(record);
  if (!windows.ok) return windows;
  const serverName = parseServerName(record.serverName);
  if (!serverName.ok) return serverName;
  const origin = parseOrigin(record.origin);
  if (!origin.ok) return origin;
  const every = parseEvery(record.every);
  if (!every.ok) return every;
  let remindEveryMs: number | null = null;
  if (record.remindEvery !== undefined && record.remindEvery !== null) {
    remindEveryMs = typeof record.remindEvery === 'string' ? parseDuration(record.remindEvery) : null;
    if (remindEveryMs === null || remindEveryMs < MIN_REMINDER_MS) return fail('remindEvery', record.remindEvery, 'must be a duration of at least 1m, such as 24h');
  }
  const target: Target = {
    target: record.target as string,
    host: key.value.host,
    port,
    transport: transport.value ?? 'tcp',
    depth: depth.value ?? 'mqtt',
    display: formatHostPort(key.value.host, port),
    expect: expect.value,
    enabled: enabled.value,
    labels: labels.value,
    description: typeof description === 'string' ? description : null,
    windows: windows.value,
    remindEveryMs,
    ...digestOfItem(record),
    ...(timeout.value !== undefined ? { timeoutMs: timeout.value } : {}),
    ...(plaintextPort.value !== undefined ? { plaintextPort: plaintextPort.value } : {}),
    ...(serverName.value !== undefined ? { serverName: serverName.value } : {}),
    ...(origin.value !== undefined ? { origin: origin.value } : {}),
    ...(every.value !== undefined ? { every: every.value } : {}),
  };
  return { ok: true, value: target };
}
