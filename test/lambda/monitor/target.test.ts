import {
  DEFAULT_PORT,
  describeValue,
  formatFieldError,
  formatHostPort,
  itemKey,
  parseHost,
  parseTargetItem,
  parseTargetKey,
  type ParseResult,
  type TargetFieldError,
} from '../../../lambda/monitor/target';
import type { Target } from '../../../lambda/monitor/model';

/** Narrows a result to its error, failing the test with the value when it was accepted. */
function errorOf<T>(result: ParseResult<T>): TargetFieldError {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function valueOf<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected acceptance, got ${formatFieldError(result.error)}`);
  return result.value;
}

const NOT_A_PORT = 'is not a port (an integer 1-65535)';
const BAD_KEY_PORT = 'has a port that is not an integer 1-65535';
/** 255 characters: a valid key length, too long for a DNS name (253). */
const LONG_KEY = ['a', 'b', 'c', 'd'].map((c) => c.repeat(63)).join('.');
/** 295 characters of valid labels: under the key limit (300), over the name limit. */
const NAME_295 = [...['a', 'b', 'c', 'd'].map((c) => c.repeat(63)), 'e'.repeat(39)].join('.');

describe('parseTargetKey', () => {
  it.each<[string, string, string, number | null]>([
    ['a host name', 'broker.example.com', 'broker.example.com', null],
    ['host:port', 'broker.example.com:8883', 'broker.example.com', 8883],
    ['upper case, lowered', 'Broker.EXAMPLE.com:1883', 'broker.example.com', 1883],
    ['a trailing dot, dropped', 'broker.example.com.:8883', 'broker.example.com', 8883],
    ['an IDN, to punycode', 'bücher.example:8883', 'xn--bcher-kva.example', 8883],
    ['an upper-case IDN, to the same punycode', 'BÜCHER.example', 'xn--bcher-kva.example', null],
    ['an ideographic full stop, as a dot', 'example\u3002com', 'example.com', null],
    ['an underscore label', 'mqtt_1.internal', 'mqtt_1.internal', null],
    ['a single label', 'localhost:1883', 'localhost', 1883],
    ['an IPv4 literal', '192.0.2.10:8883', '192.0.2.10', 8883],
    ['a bracketed IPv6 with port', '[2001:db8::1]:8883', '2001:db8::1', 8883],
    ['a bracketed IPv6, upper case, no port', '[2001:DB8::A]', '2001:db8::a', null],
    ['bare ::1', '::1', '::1', null],
    ['bracketed ::1', '[::1]', '::1', null],
    ['bare 2001:db8::1, on the default port', '2001:db8::1', '2001:db8::1', null],
    ['a bracketed address whose last group looks like a port', '[::1:8883]', '::1:8883', null],
    ['a full eight-group literal (no shorter address to split off)', '2001:db8:0:0:0:0:0:8883', '2001:db8:0:0:0:0:0:8883', null],
    ['a last group that cannot be a port (hex)', '::1:abcd', '::1:abcd', null],
    ['an IPv4-mapped IPv6 literal', '::FFFF:127.0.0.1', '::ffff:127.0.0.1', null],
    ['port 1', 'h.example:1', 'h.example', 1],
    ['port 65535', 'h.example:65535', 'h.example', 65535],
    ['a port with a leading zero, as URLs read it', 'h.example:08883', 'h.example', 8883],
  ])('accepts %s: %j', (_name, key, host, port) => {
    // Prepare: the key as a user would type it.
    // Act
    const result = parseTargetKey(key);
    // Assess
    expect(valueOf(result)).toEqual({ host, port });
  });

  it.each<[string, unknown, RegExp]>([
    ['an empty key', '', /^is empty$/],
    ['a number', 8883, /must be a string/],
    ['a missing key', undefined, /must be a string/],
    ['an over-long key', 'a'.repeat(301), /longer than 300 characters/],
    ['a space inside', 'broker example.com', /whitespace/],
    ['a control character', 'broker\u0000.example.com', /control characters/],
    ['port 0', 'h.example:0', new RegExp(BAD_KEY_PORT)],
    ['port 65536', 'h.example:65536', new RegExp(BAD_KEY_PORT)],
    ['port 8883x', 'h.example:8883x', new RegExp(BAD_KEY_PORT)],
    ['port -1', 'h.example:-1', new RegExp(BAD_KEY_PORT)],
    ['port 1.5', 'h.example:1.5', new RegExp(BAD_KEY_PORT)],
    ['an empty port', 'h.example:', new RegExp(BAD_KEY_PORT)],
    ['an empty host', ':8883', /empty host/],
    ['a bad IPv4 (three parts)', '1.2.3', /not a valid IPv4 address/],
    ['a bad IPv4 (octet > 255)', '256.1.1.1:8883', /not a valid IPv4 address/],
    ['a hex IPv4, read as 127.0.0.1 by URL parsers', '0x7f000001', /not a valid IPv4 address/],
    ['full-width digits that map to 127.0.0.1', '\uff11\uff12\uff17.0.0.1', /not a valid IPv4 address/],
    ['an empty label', 'a..b', /not a valid host name/],
    ['a leading hyphen', '-broker.example.com', /not a valid host name/],
    ['a 64-character label', `${'a'.repeat(64)}.example`, /not a valid host name/],
    ['a name over 253 characters, with its length', LONG_KEY, /^is 255 characters; host names stop at 253$/],
    ['a 295-character name, with its length', NAME_295, /^is 295 characters; host names stop at 253$/],
    ['a leading space (the table would hold a second key)', ' broker.example.com', /^has leading or trailing spaces$/],
    ['a trailing space', 'broker.example.com:8883 ', /^has leading or trailing spaces$/],
    ['a trailing newline', 'broker.example.com\n', /^has leading or trailing spaces$/],
    ['an https URL', 'https://host:8883', /^is a URL: write host:port, e.g. host:8883$/],
    ['an mqtts URL', 'mqtts://host:8883', /^is a URL: write host:port, e.g. host:8883$/],
    ['a URL without a port, user info or path', 'mqtts://user@Broker.example.com/x', /^is a URL: write host:port, e.g. broker.example.com:8883$/],
    ['a URL around an IPv6 literal', 'mqtt://[2001:db8::1]:1883', /^is a URL: write host:port, e.g. \[2001:db8::1\]:1883$/],
    ['a URL with nothing usable to suggest', 'mqtts://bad_host-:x', /^is a URL: write host:port$/],
    ['an unbracketed IPv6 with a port', '::1:8883', /^is ambiguous: write \[::1\]:8883 for port 8883, or \[::1:8883\] for that address$/],
    ['a longer unbracketed IPv6 with a port', '2001:DB8::1:8883', /^is ambiguous: write \[2001:db8::1\]:8883 for port 8883, or \[2001:DB8::1:8883\] for that address$/],
    ['a numeric top-level label', 'broker.123', /not a valid host name/],
    ['a slash, which URL parsing would cut at', 'broker.example.com/x', /not a valid host name/],
    ['a percent escape, which URL parsing would decode', 'ex%41mple.com', /not a valid host name/],
    ['user info', 'user@broker.example.com', /not a valid host name/],
    ['brackets around IPv4', '[192.0.2.1]:8883', /not an IPv6 address/],
    ['an unclosed bracket', '[2001:db8::1', /bracket that is not closed/],
    ['text after the bracket', '[2001:db8::1]x', /bracket that is not closed/],
    ['a bracketed IPv6 with an empty port', '[::1]:', new RegExp(BAD_KEY_PORT)],
    ['a bracketed IPv6 with port 65536', '[::1]:65536', new RegExp(BAD_KEY_PORT)],
    ['a malformed IPv6', '2001:db8:::1', /looks like an IPv6 address/],
    ['an IPv6 zone', 'fe80::1%eth0', /IPv6 zone/],
    ['a bracketed IPv6 zone', '[fe80::1%eth0]:8883', /IPv6 zone/],
  ])('refuses %s: %j', (_name, key, reason) => {
    // Prepare: the key as a user might mistype it.
    // Act
    const error = errorOf(parseTargetKey(key, 'target'));
    // Assess: the field, the whole value as given (cut to 80 characters), and why.
    expect(error.field).toBe('target');
    expect(error.value).toBe(describeValue(key));
    expect(error.reason).toMatch(reason);
  });

  it('shows a huge key cut to 80 characters', () => {
    // Prepare
    const key = `${'x'.repeat(100_000)}.example`;
    // Act
    const error = errorOf(parseTargetKey(key));
    // Assess
    expect(error.value).toHaveLength(80);
    expect(error.value.startsWith('"xxx')).toBe(true);
    expect(error.value.endsWith('...')).toBe(true);
  });
});

describe('parseHost', () => {
  it.each<[string, string]>([
    ['Broker.Example.COM', 'broker.example.com'],
    ['broker.example.com.', 'broker.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['192.0.2.1', '192.0.2.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['::1', '::1'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ])('accepts %j as %j', (raw, host) => {
    // Act
    const result = parseHost(raw, 'host');
    // Assess
    expect(valueOf(result)).toBe(host);
  });

  it.each<[string, RegExp]>([
    ['', /empty host/],
    ['   ', /empty host/],
    ['1.2.3', /not a valid IPv4 address/],
    ['1.2.3.4.5', /not a valid IPv4 address/],
    ['01.2.3.4', /not a valid IPv4 address/],
    ['0x7f.1', /not a valid IPv4 address/],
    ['a..b', /not a valid host name/],
    ['.', /not a valid host name/],
    ['a_', /not a valid host name/],
    ['broker-.example', /not a valid host name/],
    ['a?b', /not a valid host name/],
    ['a#b', /not a valid host name/],
    ['a\\b', /not a valid host name/],
    ['[::1]', /not a valid host name/],
    ['xn--a', /not a valid host name/],
    ['fe80::1%eth0', /IPv6 zone/],
  ])('refuses %j', (raw, reason) => {
    // Act
    const error = errorOf(parseHost(raw, 'host'));
    // Assess
    expect(error.field).toBe('host');
    expect(error.value).toBe(JSON.stringify(raw));
    expect(error.reason).toMatch(reason);
  });
});

describe('formatHostPort', () => {
  it.each<[string, number, string]>([
    ['broker.example.com', 8883, 'broker.example.com:8883'],
    ['192.0.2.1', 1, '192.0.2.1:1'],
    ['2001:db8::1', 65535, '[2001:db8::1]:65535'],
  ])('formats %s and %d as %s', (host, port, display) => {
    // Act
    const text = formatHostPort(host, port);
    // Assess
    expect(text).toBe(display);
    expect(valueOf(parseTargetKey(text))).toEqual({ host, port });
  });
});

describe('parseTargetItem', () => {
  const BASE: Target = {
    target: 'broker.example.com',
    host: 'broker.example.com',
    port: DEFAULT_PORT,
    transport: 'tcp',
    depth: 'mqtt',
    display: 'broker.example.com:8883',
    expect: null,
    enabled: true,
    labels: {},
    description: null,
    windows: [],
    remindEveryMs: null,
  };

  it.each<[string, Record<string, unknown>, Partial<Target>]>([
    ['the defaults', {}, {}],
    ['a port in the key', { target: 'broker.example.com:1883' }, { target: 'broker.example.com:1883', port: 1883, display: 'broker.example.com:1883' }],
    ['a port attribute', { port: 1883 }, { port: 1883, display: 'broker.example.com:1883' }],
    ['a port attribute as a string', { port: '1883' }, { port: 1883, display: 'broker.example.com:1883' }],
    ['a port attribute that agrees with the key', { target: 'broker.example.com:1883', port: 1883 }, { target: 'broker.example.com:1883', port: 1883, display: 'broker.example.com:1883' }],
    ['a null port attribute', { port: null }, {}],
    ['an IPv6 target', { target: '[2001:DB8::1]:8883' }, { target: '[2001:DB8::1]:8883', host: '2001:db8::1', display: '[2001:db8::1]:8883' }],
    ['a bare IPv6 target', { target: '::1' }, { target: '::1', host: '::1', display: '[::1]:8883' }],
    ['an IDN target', { target: 'bücher.example' }, { target: 'bücher.example', host: 'xn--bcher-kva.example', display: 'xn--bcher-kva.example:8883' }],
    ['enabled false', { enabled: false }, { enabled: false }],
    ['enabled "false" (a string, as DynamoDB consoles store it)', { enabled: 'false' }, { enabled: false }],
    ['enabled "TRUE"', { enabled: 'TRUE' }, { enabled: true }],
    ['enabled null', { enabled: null }, { enabled: true }],
    ['labels as a map', { labels: { env: 'prod', tier: 2, critical: true } }, { labels: { env: 'prod', tier: '2', critical: 'true' } }],
    ['labels as a list', { labels: ['env=prod', 'edge', 'url=a=b'] }, { labels: { env: 'prod', edge: '', url: 'a=b' } }],
    ['labels as a string set (DynamoDB SS)', { labels: new Set(['env=prod', 'edge']) }, { labels: { env: 'prod', edge: '' } }],
    ['labels as a Map', { labels: new Map([['env', 'prod']]) }, { labels: { env: 'prod' } }],
    ['a label named __proto__, kept as data', { labels: JSON.parse('{"__proto__":"x"}') as unknown }, { labels: JSON.parse('{"__proto__":"x"}') as Record<string, string> }],
    ['20 labels', { labels: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`l${i}`, 'v'])) }, { labels: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`l${i}`, 'v'])) }],
    ['expect closed', { expect: 'closed' }, { expect: 'closed' }],
    ['expect " OPEN "', { expect: ' OPEN ' }, { expect: 'open' }],
    ['depth tcp', { depth: 'tcp' }, { depth: 'tcp' }],
    ['depth TLS', { depth: 'TLS' }, { depth: 'tls' }],
    ['protocol udp', { protocol: 'udp' }, { transport: 'udp' }],
    ['timeoutMs 100', { timeoutMs: 100 }, { timeoutMs: 100 }],
    ['timeoutMs 30000', { timeoutMs: 30_000 }, { timeoutMs: 30_000 }],
    ['timeoutMs "5000"', { timeoutMs: '5000' }, { timeoutMs: 5000 }],
    ['plaintextPort 1884', { plaintextPort: 1884 }, { plaintextPort: 1884 }],
    ['plaintextPort "1884"', { plaintextPort: '1884' }, { plaintextPort: 1884 }],
    ['plaintextPort false: the check off', { plaintextPort: false }, { plaintextPort: null }],
    ['plaintextPort " None ": the check off', { plaintextPort: ' None ' }, { plaintextPort: null }],
    ['a description', { description: 'Plant 3 broker' }, { description: 'Plant 3 broker' }],
    ['a 1024-character description', { description: 'd'.repeat(1024) }, { description: 'd'.repeat(1024) }],
    ['unknown attributes, ignored', { owner: 'team-iot', ttl: 123, nested: { a: [1] } }, {}],
    ['muteUntil', { muteUntil: '2026-12-01T06:00Z' }, { windows: [{ kind: 'until', until: '2026-12-01T06:00:00.000Z' }] }],
    ['a maintenance window', { maintenance: { cron: '0 2 * * SUN', for: '2h' } }, { windows: [{ kind: 'cron', cron: '0 2 * * SUN', tz: 'UTC', durationMs: 7_200_000 }] }],
    [
      'a list of maintenance windows',
      { maintenance: [{ cron: '0 2 * * SUN', tz: 'Europe/Berlin', for: '1h' }, { cron: '30 1 1 * *', for: '30m' }] },
      { windows: [{ kind: 'cron', cron: '0 2 * * SUN', tz: 'Europe/Berlin', durationMs: 3_600_000 }, { kind: 'cron', cron: '30 1 1 * *', tz: 'UTC', durationMs: 1_800_000 }] },
    ],
    ['remindEvery 24h', { remindEvery: '24h' }, { remindEveryMs: 86_400_000 }],
    ['a digest', { digest: { v: 3, s: 'open', f: 'self-signed-cert', c: '-/-', k: '' } }, { digest: { v: 3, s: 'open', f: 'self-signed-cert', c: '-/-', k: '' } }],
    ['a malformed digest, ignored (it only costs a state read)', { digest: { v: 'three' } }, {}],
  ])('accepts %s', (_name, attributes, changes) => {
    // Prepare
    const item = { target: 'broker.example.com', ...attributes };
    // Act
    const result = parseTargetItem(item);
    // Assess: exactly the defaults plus the expected changes, nothing copied from unknown attributes.
    expect(valueOf(result)).toEqual({ ...BASE, ...changes });
  });

  it('uses the default port it is given', () => {
    // Act
    const target = valueOf(parseTargetItem({ target: 'broker.example.com' }, 1883));
    // Assess
    expect(target.port).toBe(1883);
    expect(target.display).toBe('broker.example.com:1883');
  });

  it.each<[string, Record<string, unknown>, string, string, RegExp]>([
    ['a missing target', { target: undefined }, 'target', 'undefined', /must be a string/],
    ['a numeric target', { target: 8883 }, 'target', '8883', /must be a string/],
    ['a target with a bad IPv4', { target: '1.2.3' }, 'target', '"1.2.3"', /not a valid IPv4 address/],
    ['a target with an empty label', { target: 'a..b:8883' }, 'target', '"a..b:8883"', /not a valid host name/],
    // What the deployed prober reads: the same key parser as the CLI and targets files, so all three agree.
    ['a target key with a leading space', { target: ' broker.example.com' }, 'target', '" broker.example.com"', /^has leading or trailing spaces$/],
    ['a target written as a URL', { target: 'mqtts://broker.example.com:8883' }, 'target', '"mqtts://broker.example.com:8883"', /^is a URL: write host:port, e.g. broker\.example\.com:8883$/],
    ['an unbracketed IPv6 target with a port', { target: '::1:8883' }, 'target', '"::1:8883"', /^is ambiguous: write \[::1\]:8883 for port 8883/],
    ['a bad port attribute', { port: '8883x' }, 'port', '"8883x"', /not a port/],
    ['port 0', { port: 0 }, 'port', '0', /not a port/],
    ['a port attribute contradicting the key', { target: 'broker.example.com:8883', port: 1883 }, 'port', '1883', /contradicts the port in target "broker\.example\.com:8883"/],
    ['enabled 42', { enabled: 42 }, 'enabled', '42', /must be a boolean/],
    ['enabled "no"', { enabled: 'no' }, 'enabled', '"no"', /must be a boolean/],
    ['expect "sometimes"', { expect: 'sometimes' }, 'expect', '"sometimes"', /must be one of open, closed/],
    ['expect true', { expect: true }, 'expect', 'true', /must be one of open, closed/],
    ['depth "http"', { depth: 'http' }, 'depth', '"http"', /must be one of tcp, tls, mqtt/],
    ['protocol "sctp"', { protocol: 'sctp' }, 'protocol', '"sctp"', /must be one of tcp, udp/],
    ['labels as a string', { labels: 'env=prod' }, 'labels', '"env=prod"', /map of strings or a list of strings/],
    ['labels as a number list', { labels: [1, 2] }, 'labels', '[1,2]', /map of strings or a list of strings/],
    ['labels as binary (DynamoDB B)', { labels: new Uint8Array([1]) }, 'labels', '{"0":1}', /map of strings or a list of strings/],
    ['a bad label name', { labels: { 'bad name': 'x' } }, 'labels.bad name', '"bad name"', /not a label name/],
    ['an empty label name in a list', { labels: ['=x'] }, 'labels.', '""', /not a label name/],
    ['a label value that is an object', { labels: { env: { a: 1 } } }, 'labels.env', '{"a":1}', /must be a string/],
    ['a label value over 128 characters', { labels: { env: 'v'.repeat(129) } }, 'labels.env', describeValue('v'.repeat(129)), /longer than 128 characters/],
    ['21 labels', { labels: Array.from({ length: 21 }, (_, i) => `l${i}`) }, 'labels', describeValue(Array.from({ length: 21 }, (_, i) => `l${i}`)), /more than 20 labels/],
    ['timeoutMs 99', { timeoutMs: 99 }, 'timeoutMs', '99', /between 100 and 30000/],
    ['timeoutMs 30001', { timeoutMs: 30_001 }, 'timeoutMs', '30001', /between 100 and 30000/],
    ['timeoutMs 1.5', { timeoutMs: 1.5 }, 'timeoutMs', '1.5', /integer number of milliseconds/],
    ['plaintextPort 0', { plaintextPort: 0 }, 'plaintextPort', '0', /not a port \(an integer 1-65535\), nor false\/none/],
    ['plaintextPort 65536', { plaintextPort: 65_536 }, 'plaintextPort', '65536', /not a port/],
    ['plaintextPort true', { plaintextPort: true }, 'plaintextPort', 'true', /nor false\/none/],
    ['timeoutMs -1', { timeoutMs: -1 }, 'timeoutMs', '-1', /integer number of milliseconds/],
    ['timeoutMs "soon"', { timeoutMs: 'soon' }, 'timeoutMs', '"soon"', /integer number of milliseconds/],
    ['a numeric description', { description: 42 }, 'description', '42', /must be a string/],
    ['a 1025-character description', { description: 'd'.repeat(1025) }, 'description', describeValue('d'.repeat(1025)), /longer than 1024 characters/],
    ['muteUntil "next tuesday"', { muteUntil: 'next tuesday' }, 'muteUntil', '"next tuesday"', /^must be an ISO-8601 time/],
    ['muteUntil as a BigInt', { muteUntil: 5n }, 'muteUntil', '5', /^must be an ISO-8601 time/],
    ['a maintenance cron that is a BigInt', { maintenance: { cron: 5n, for: '2h' } }, 'maintenance.cron', '5', /^must be a 5-field cron expression/],
    ['a bad cron in a list', { maintenance: [{ cron: '0 2 * * SUN', for: '1h' }, { cron: '99 2 * * *', for: '1h' }] }, 'maintenance[1].cron', '"99 2 * * *"', /^is not a valid cron expression/],
    ['an unknown time zone', { maintenance: { cron: '0 2 * * *', tz: 'Mars/Base', for: '1h' } }, 'maintenance.tz', '"Mars/Base"', /^is not an IANA time zone/],
    ['11 maintenance windows', { maintenance: Array.from({ length: 11 }, () => ({ cron: '0 2 * * *', for: '1h' })) }, 'maintenance', describeValue(Array.from({ length: 11 }, () => ({ cron: '0 2 * * *', for: '1h' }))), /more than 10 windows/],
    ['remindEvery 30s', { remindEvery: '30s' }, 'remindEvery', '"30s"', /at least 1m/],
    ['remindEvery as a number', { remindEvery: 3600 }, 'remindEvery', '3600', /must be a duration/],
  ])('refuses %s', (_name, attributes, field, value, reason) => {
    // Prepare
    const item = { target: 'broker.example.com', ...attributes };
    // Act
    const error = errorOf(parseTargetItem(item));
    // Assess
    expect(error.field).toBe(field);
    expect(error.value).toBe(value);
    expect(error.reason).toMatch(reason);
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a string', 'broker.example.com:8883', '"broker.example.com:8883"'],
    ['a number', 42, '42'],
    ['an array', ['broker.example.com'], '["broker.example.com"]'],
  ])('refuses a non-object item: %s', (_name, item, shown) => {
    // Act
    const error = errorOf(parseTargetItem(item));
    // Assess
    expect(error).toEqual({ field: 'item', value: shown, reason: 'must be an object' });
  });
});

describe('describeValue', () => {
  it.each<[string, unknown, string]>([
    ['a string, quoted', 'abc', '"abc"'],
    ['NaN, not null', Number.NaN, 'NaN'],
    ['a BigInt', 10n, '10'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
    ['a Set', new Set(['a']), 'Set ["a"]'],
    ['a Map', new Map([['a', 1]]), 'Map [["a",1]]'],
    ['a BigInt in a null-prototype object', Object.assign(Object.create(null) as object, { n: 1n }), '[object Object]'],
  ])('shows %s', (_name, value, shown) => {
    // Act and assess
    expect(describeValue(value)).toBe(shown);
  });

  it('cuts long values to 80 characters', () => {
    // Act
    const shown = describeValue('z'.repeat(200));
    // Assess
    expect(shown).toBe(`"${'z'.repeat(76)}...`);
  });
});

describe('itemKey and formatFieldError', () => {
  it.each<[unknown, string | null]>([
    [{ target: 'broker.example.com' }, 'broker.example.com'],
    [{ target: '' }, null],
    [{ target: 'a'.repeat(301) }, null],
    [{ target: 42 }, null],
    [null, null],
  ])('itemKey(%j) is %j', (item, key) => {
    expect(itemKey(item)).toBe(key);
  });

  it('formats an error as field, value and reason', () => {
    expect(formatFieldError({ field: 'port', value: '"8883x"', reason: NOT_A_PORT })).toBe(`port: "8883x" ${NOT_A_PORT}`);
  });
});
