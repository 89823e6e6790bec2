import { BlockList } from 'node:net';
import * as fc from 'fast-check';
import {
  classifyAddress,
  createAddressGuard,
  describeAddress,
  parseCidrList,
  type AddressClass,
  type AddressPolicy,
  type Cidr,
} from '../../../lambda/probe/address-policy';
import type { ResolvedAddress } from '../../../lambda/probe/types';

/** Every address tried against the guard (table rows and property runs), for the report. */
const tried = new Set<string>();

afterAll(() => {
  if (process.env.PORTWATCH_FUZZ_REPORT === '1') {
    console.log(`address-policy: ${SSRF_CASES.length} SSRF table cases, ${tried.size} distinct addresses tried against the guard`);
  }
});

function cidrs(text: string | readonly string[]): readonly Cidr[] {
  const result = parseCidrList(text);
  if (!result.ok) throw new Error(`bad test ranges: ${result.error.field} ${result.error.reason}`);
  return result.value;
}

function resolved(address: string): ResolvedAddress {
  tried.add(address);
  return { address, family: address.includes(':') ? 6 : 4 };
}

const EXPLICIT_ALLOW = ['10.0.0.0/8', '127.0.0.1/32', '169.254.169.254', 'fd00:ec2::254/128', '2001:db8::/32'];
const POLICIES = {
  default: { allow: [] },
  allowPrivate: { allow: [], allowPrivate: true },
  local: { allow: [], allowPrivate: true, allowLoopback: true },
  explicit: { allow: cidrs(EXPLICIT_ALLOW) },
} satisfies Record<string, AddressPolicy>;

type Verdict = 'allowed' | 'refused';
const A: Verdict = 'allowed';
const R: Verdict = 'refused';

/**
 * Address, expected class, and the verdict under: the default policy (AWS), allowPrivate only,
 * `portwatch local` (allowPrivate + allowLoopback), and the explicit allow list EXPLICIT_ALLOW.
 */
const SSRF_CASES: readonly [string, AddressClass, Verdict, Verdict, Verdict, Verdict][] = [
  // loopback: the Lambda runtime API listens on 127.0.0.1:9001
  ['127.0.0.1', 'loopback', R, R, A, A],
  ['127.255.255.254', 'loopback', R, R, A, R],
  ['127.1.2.3', 'loopback', R, R, A, R],
  ['::1', 'loopback', R, R, A, R],
  ['0:0:0:0:0:0:0:1', 'loopback', R, R, A, R],
  // unspecified: connecting to 0.0.0.0 reaches the local host on Linux
  ['0.0.0.0', 'unspecified', R, R, R, R],
  ['0.1.2.3', 'unspecified', R, R, R, R],
  ['::', 'unspecified', R, R, R, R],
  // RFC 1918 and its edges
  ['10.0.0.1', 'private', R, A, A, A],
  ['10.255.255.255', 'private', R, A, A, A],
  ['9.255.255.255', 'public', A, A, A, A],
  ['11.0.0.0', 'public', A, A, A, A],
  ['172.16.0.1', 'private', R, A, A, R],
  ['172.31.255.255', 'private', R, A, A, R],
  ['172.15.255.255', 'public', A, A, A, A],
  ['172.32.0.1', 'public', A, A, A, A],
  ['192.168.0.1', 'private', R, A, A, R],
  ['192.168.255.255', 'private', R, A, A, R],
  ['192.169.0.1', 'public', A, A, A, A],
  // carrier-grade NAT
  ['100.64.0.1', 'cgnat', R, A, A, R],
  ['100.127.255.255', 'cgnat', R, A, A, R],
  ['100.63.255.255', 'public', A, A, A, A],
  ['100.128.0.1', 'public', A, A, A, A],
  // cloud metadata and credentials: refused by the flags, allowed only by an explicit range
  ['169.254.169.254', 'metadata', R, R, R, A],
  ['169.254.170.2', 'metadata', R, R, R, R],
  ['169.254.170.23', 'metadata', R, R, R, R],
  ['fd00:ec2::254', 'metadata', R, R, R, A],
  ['FD00:EC2:0:0:0:0:0:254', 'metadata', R, R, R, A],
  ['fd00:ec2::23', 'metadata', R, R, R, R],
  ['100.100.100.200', 'metadata', R, R, R, R],
  ['168.63.129.16', 'metadata', R, R, R, R],
  // link-local, including the Amazon DNS resolver (not a credentials endpoint)
  ['169.254.169.253', 'link-local', R, A, A, R],
  ['169.254.1.1', 'link-local', R, A, A, R],
  ['fe80::1', 'link-local', R, A, A, R],
  ['fe80::1%eth0', 'link-local', R, A, A, R],
  ['febf:ffff::1', 'link-local', R, A, A, R],
  // IPv6 unique-local and deprecated site-local
  ['fc00::1', 'unique-local', R, A, A, R],
  ['fd12:3456:789a::1', 'unique-local', R, A, A, R],
  ['fd00:ec2::253', 'unique-local', R, A, A, R],
  ['fec0::1', 'private', R, A, A, R],
  // multicast and broadcast
  ['224.0.0.1', 'multicast', R, R, R, R],
  ['239.255.255.250', 'multicast', R, R, R, R],
  ['ff02::1', 'multicast', R, R, R, R],
  ['255.255.255.255', 'reserved', R, R, R, R],
  // reserved and documentation
  ['240.0.0.1', 'reserved', R, R, R, R],
  ['192.0.2.1', 'reserved', R, R, R, R],
  ['198.51.100.7', 'reserved', R, R, R, R],
  ['203.0.113.9', 'reserved', R, R, R, R],
  ['198.18.0.1', 'reserved', R, R, R, R],
  ['192.0.0.8', 'reserved', R, R, R, R],
  ['2001:db8::1', 'reserved', R, R, R, A],
  ['3fff::1', 'reserved', R, R, R, R],
  ['2001::1', 'reserved', R, R, R, R],
  ['100::1', 'reserved', R, R, R, R],
  ['4000::1', 'reserved', R, R, R, R],
  ['::127.0.0.1', 'reserved', R, R, R, R],
  // IPv4-mapped IPv6: classified (and matched against allow) by the embedded IPv4 address
  ['::ffff:127.0.0.1', 'loopback', R, R, A, A],
  ['::ffff:7f00:1', 'loopback', R, R, A, A],
  ['::FFFF:7F00:0001', 'loopback', R, R, A, A],
  ['::ffff:169.254.169.254', 'metadata', R, R, R, A],
  ['::ffff:a9fe:a9fe', 'metadata', R, R, R, A],
  ['::ffff:10.1.2.3', 'private', R, A, A, A],
  ['::ffff:0.0.0.0', 'unspecified', R, R, R, R],
  ['::ffff:8.8.8.8', 'public', A, A, A, A],
  // NAT64 (64:ff9b::/96): the gateway forwards to the embedded IPv4 address
  ['64:ff9b::10.0.0.1', 'private', R, A, A, A],
  ['64:ff9b::a00:1', 'private', R, A, A, A],
  ['64:ff9b::127.0.0.1', 'loopback', R, R, A, A],
  ['64:ff9b::169.254.169.254', 'metadata', R, R, R, A],
  ['64:ff9b::8.8.8.8', 'public', A, A, A, A],
  ['64:ff9b:1::1', 'private', R, A, A, R],
  // 6to4 (2002::/16): a non-public embedded IPv4 address decides
  ['2002:7f00:1::1', 'loopback', R, R, A, A],
  ['2002:a9fe:a9fe::1', 'metadata', R, R, R, A],
  ['2002:c0a8:101::1', 'private', R, A, A, R],
  ['2002:808:808::1', 'public', A, A, A, A],
  // public
  ['8.8.8.8', 'public', A, A, A, A],
  ['1.1.1.1', 'public', A, A, A, A],
  ['52.95.110.1', 'public', A, A, A, A],
  ['2606:4700::1111', 'public', A, A, A, A],
  ['2001:4860:4860::8888', 'public', A, A, A, A],
  ['2a05:d018::1', 'public', A, A, A, A],
  // not IP literals: never treated as public
  ['localhost', 'reserved', R, R, R, R],
  ['0177.0.0.1', 'reserved', R, R, R, R],
  ['0x7f000001', 'reserved', R, R, R, R],
  ['', 'reserved', R, R, R, R],
];

describe('classifyAddress and createAddressGuard: SSRF cases', () => {
  const guards = {
    default: createAddressGuard(POLICIES.default),
    allowPrivate: createAddressGuard(POLICIES.allowPrivate),
    local: createAddressGuard(POLICIES.local),
    explicit: createAddressGuard(POLICIES.explicit),
  };
  const verdict = (reason: string | null): Verdict => (reason === null ? A : R);

  it.each(SSRF_CASES)('%s is %s; default %s, allowPrivate %s, local %s, explicit %s', (address, cls, byDefault, byPrivate, byLocal, byExplicit) => {
    // Prepare
    const candidate = resolved(address);
    // Act
    const actual = {
      class: classifyAddress(address),
      default: guards.default(candidate),
      allowPrivate: guards.allowPrivate(candidate),
      local: guards.local(candidate),
      explicit: guards.explicit(candidate),
    };
    // Assess
    expect({
      class: actual.class,
      default: verdict(actual.default),
      allowPrivate: verdict(actual.allowPrivate),
      local: verdict(actual.local),
      explicit: verdict(actual.explicit),
    }).toEqual({ class: cls, default: byDefault, allowPrivate: byPrivate, local: byLocal, explicit: byExplicit });
    // Every refusal names the address and starts the same way, so logs can be searched.
    for (const reason of [actual.default, actual.allowPrivate, actual.local, actual.explicit]) {
      if (reason !== null) expect(reason.startsWith('refused: ')).toBe(true);
    }
  });
});

describe('createAddressGuard: refusal reasons', () => {
  it('refuses to build from a range whose network does not parse, rather than allow 0.0.0.0/prefix', () => {
    expect(() => createAddressGuard({ allow: [{ family: 4, address: 'ten', prefix: 8, text: 'ten/8' }] })).toThrow('allowed range ten/8 does not parse as IPv4');
  });

  it.each<[string, AddressPolicy, string]>([
    ['169.254.169.254', POLICIES.default, 'refused: 169.254.169.254 is link-local (instance metadata); allow it with ALLOWED_CIDRS'],
    ['169.254.169.254', POLICIES.local, 'refused: 169.254.169.254 is link-local (instance metadata); allow it with ALLOWED_CIDRS'],
    ['10.1.2.3', POLICIES.default, 'refused: 10.1.2.3 is private (RFC 1918); allow it with ALLOWED_CIDRS'],
    ['::ffff:127.0.0.1', POLICIES.default, 'refused: ::ffff:127.0.0.1 is loopback, IPv4-mapped 127.0.0.1; allow it with ALLOWED_CIDRS'],
    ['64:ff9b::10.0.0.1', POLICIES.default, 'refused: 64:ff9b::10.0.0.1 is private (RFC 1918), NAT64 10.0.0.1; allow it with ALLOWED_CIDRS'],
    ['fd00:ec2::254', POLICIES.default, 'refused: fd00:ec2::254 is unique-local (instance metadata); allow it with ALLOWED_CIDRS'],
    ['127.0.0.1', { allow: [], howToAllow: '--allow-cidr 127.0.0.1/32' }, 'refused: 127.0.0.1 is loopback; allow it with --allow-cidr 127.0.0.1/32'],
    ['not-an-ip', POLICIES.default, 'refused: "not-an-ip" is not an IP address'],
  ])('%s', (address, policy, reason) => {
    // Prepare
    const guard = createAddressGuard(policy);
    // Act and assess
    expect(guard(resolved(address))).toBe(reason);
  });

  it('allows metadata addresses when the allow list covers everything (an explicit choice)', () => {
    // Prepare
    const guard = createAddressGuard({ allow: cidrs('0.0.0.0/0,::/0') });
    // Act and assess
    for (const address of ['169.254.169.254', 'fd00:ec2::254', '127.0.0.1', '::']) expect(guard(resolved(address))).toBeNull();
  });

  it('matches an IPv6 range only against IPv6 addresses', () => {
    // Prepare: ::ffff:0:0/96 written as IPv6 allows the mapped form, not the plain IPv4 form.
    const guard = createAddressGuard({ allow: cidrs('::ffff:0:0/96') });
    // Act and assess
    expect(guard(resolved('::ffff:10.0.0.1'))).toBeNull();
    expect(guard(resolved('10.0.0.1'))).not.toBeNull();
  });
});

describe('describeAddress', () => {
  it.each<[string, ReturnType<typeof describeAddress>]>([
    ['8.8.8.8', { class: 'public', range: 'public', embeddedIPv4: null }],
    ['::ffff:a9fe:a9fe', { class: 'metadata', range: 'link-local (instance metadata), IPv4-mapped 169.254.169.254', embeddedIPv4: '169.254.169.254' }],
    ['2002:c0a8:101::1', { class: 'private', range: 'private (RFC 1918), 6to4 192.168.1.1', embeddedIPv4: '192.168.1.1' }],
    ['2002:808:808::1', { class: 'public', range: 'public', embeddedIPv4: null }],
    ['host.example', null],
  ])('%s', (address, info) => {
    expect(describeAddress(address)).toEqual(info);
  });
});

describe('parseCidrList', () => {
  it.each<[string, string | readonly string[], readonly string[]]>([
    ['a comma list', '10.0.0.0/8,fd00::/8', ['10.0.0.0/8', 'fd00::/8']],
    ['spaces, newlines and a trailing comma', ' 10.0.0.0/8 , 192.168.0.0/16\n172.16.0.0/12,', ['10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12']],
    ['an empty string', '', []],
    ['an array', ['169.254.169.254', 'fd00:ec2::254'], ['169.254.169.254/32', 'fd00:ec2::254/128']],
    ['a long IPv6 form, canonicalised', 'FD00:0EC2:0:0:0:0:0:254/128', ['fd00:ec2::254/128']],
    ['an IPv4-mapped range', '::ffff:10.0.0.0/104', ['::ffff:a00:0/104']],
    ['everything', '0.0.0.0/0 ::/0', ['0.0.0.0/0', '::/0']],
  ])('accepts %s', (_name, input, texts) => {
    // Act
    const result = parseCidrList(input);
    // Assess
    expect(result.ok && result.value.map((c) => c.text)).toEqual(texts);
  });

  it('returns plain data for each range', () => {
    expect(parseCidrList('10.0.0.0/8,fd00::/8')).toEqual({
      ok: true,
      value: [
        { family: 4, address: '10.0.0.0', prefix: 8, text: '10.0.0.0/8' },
        { family: 6, address: 'fd00::', prefix: 8, text: 'fd00::/8' },
      ],
    });
  });

  it.each<[string | readonly string[], string, string, RegExp]>([
    ['10.0.0.1/8', 'allowedCidrs[0]', '"10.0.0.1/8"', /host bits set; did you mean 10\.0\.0\.0\/8\?/],
    ['10.0.0.0/8,10.0.0.0/33', 'allowedCidrs[1]', '"10.0.0.0/33"', /prefix length that is not an integer 0-32/],
    ['10.0.0.0/', 'allowedCidrs[0]', '"10.0.0.0/"', /prefix length/],
    ['10.0.0.0/08', 'allowedCidrs[0]', '"10.0.0.0/08"', /prefix length/],
    ['10.0.0.0/8/9', 'allowedCidrs[0]', '"10.0.0.0/8/9"', /prefix length/],
    ['fd00::/129', 'allowedCidrs[0]', '"fd00::/129"', /prefix length that is not an integer 0-128/],
    ['fd00::/-1', 'allowedCidrs[0]', '"fd00::/-1"', /prefix length/],
    ['fd00::1/8', 'allowedCidrs[0]', '"fd00::1/8"', /did you mean fd00::\/8\?/],
    ['banana', 'allowedCidrs[0]', '"banana"', /does not start with an IPv4 or IPv6 address/],
    ['10.0.0/8', 'allowedCidrs[0]', '"10.0.0/8"', /does not start with an IPv4 or IPv6 address/],
    ['010.0.0.0/8', 'allowedCidrs[0]', '"010.0.0.0/8"', /does not start with an IPv4 or IPv6 address/],
    ['[fd00::]/8', 'allowedCidrs[0]', '"[fd00::]/8"', /brackets/],
    ['fe80::%eth0/64', 'allowedCidrs[0]', '"fe80::%eth0/64"', /zone/],
    [[42 as unknown as string], 'allowedCidrs[0]', '42', /must be a string/],
  ])('refuses %j', (input, field, value, reason) => {
    // Act
    const result = parseCidrList(input);
    // Assess
    if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
    expect(result.error.field).toBe(field);
    expect(result.error.value).toBe(value);
    expect(result.error.reason).toMatch(reason);
  });

  it('names the configuration field it was given', () => {
    const result = parseCidrList('nope', 'ALLOWED_CIDRS');
    expect(result.ok ? null : result.error.field).toBe('ALLOWED_CIDRS[0]');
  });
});

describe('address policy (properties)', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const inTen = fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`);
  const ipv4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));
  const options = { seed: 42, numRuns: 500 };

  it('refuses any IPv4 address in 10/8 by default and allows it with allow 10.0.0.0/8', () => {
    // Prepare
    const byDefault = createAddressGuard({ allow: [] });
    const allowTen = createAddressGuard({ allow: cidrs('10.0.0.0/8') });
    fc.assert(
      fc.property(inTen, fc.boolean(), (v4, mapped) => {
        const address = mapped ? `::ffff:${v4}` : v4;
        // Act
        const refused = byDefault(resolved(address));
        const allowed = allowTen(resolved(address));
        // Assess
        expect(classifyAddress(address)).toBe('private');
        expect(refused).toBe(`refused: ${address} is private (RFC 1918)${mapped ? `, IPv4-mapped ${v4}` : ''}; allow it with ALLOWED_CIDRS`);
        expect(allowed).toBeNull();
      }),
      options,
    );
  });

  it('classifies an IPv4 address, its IPv4-mapped and its NAT64 forms alike', () => {
    fc.assert(
      fc.property(ipv4, (v4) => {
        // Prepare
        const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
        const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        // Act
        const classes = [v4, `::ffff:${v4}`, `::ffff:${hex}`, `64:ff9b::${v4}`, `64:ff9b::${hex}`].map((x) => {
          tried.add(x);
          return classifyAddress(x);
        });
        // Assess
        expect(new Set(classes).size).toBe(1);
      }),
      options,
    );
  });

  it('refuses under the default policy exactly what is not public, and never throws', () => {
    const guard = createAddressGuard({ allow: [] });
    const anyAddress = fc.oneof(ipv4, fc.ipV6(), fc.ipV4Extended(), fc.string({ maxLength: 50 }));
    fc.assert(
      fc.property(anyAddress, (address) => {
        // Act
        const reason = guard(resolved(address));
        // Assess
        expect(reason === null).toBe(classifyAddress(address) === 'public');
      }),
      options,
    );
  });

  it('matches allow ranges exactly as node:net BlockList does', () => {
    // Prepare: networks and probes inside 10/8 and fc00::/7, which the default policy refuses, so
    // the guard's answer depends only on the allow range; BlockList is the independent oracle.
    const uniqueLocal = fc
      .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
      .map(([first = 0, ...rest]) => [(first & 0x01ff) | 0xfc00, ...rest]);
    const v4Case = fc.record({
      family: fc.constant(4 as const),
      network: fc.tuple(octet, octet, octet).map(([b, c, d]) => [10, b, c, d]),
      probe: fc.tuple(octet, octet, octet).map(([b, c, d]) => [10, b, c, d]),
      prefix: fc.integer({ min: 8, max: 32 }),
      shared: fc.integer({ min: 0, max: 4 }),
    });
    const v6Case = fc.record({
      family: fc.constant(6 as const),
      network: uniqueLocal,
      probe: uniqueLocal,
      prefix: fc.integer({ min: 7, max: 128 }),
      shared: fc.integer({ min: 0, max: 8 }),
    });
    const outcomes = { inside: 0, outside: 0 };
    fc.assert(
      fc.property(fc.oneof(v4Case, v6Case), ({ family, network, probe, prefix, shared }) => {
        // The probe copies the network's first `shared` parts, so that matches are common.
        const parts = [...network.slice(0, shared), ...probe.slice(shared)];
        const [text, probeText] = family === 4 ? [network.join('.'), parts.join('.')] : [network.map((g) => g.toString(16)).join(':'), parts.map((g) => g.toString(16)).join(':')];
        const oracle = new BlockList();
        oracle.addSubnet(text, prefix, family === 4 ? 'ipv4' : 'ipv6');
        // parseCidrList refuses host bits and names the network; use the range it suggests.
        const given = parseCidrList([`${text}/${prefix}`]);
        const suggested = given.ok ? given.value : cidrs(/did you mean (\S+)\?/.exec(given.error.reason)?.[1] ?? 'missing');
        // Act
        const reason = createAddressGuard({ allow: suggested })(resolved(probeText));
        // Assess
        const inside = oracle.check(probeText, family === 4 ? 'ipv4' : 'ipv6');
        outcomes[inside ? 'inside' : 'outside'] += 1;
        expect(reason === null).toBe(inside);
      }),
      options,
    );
    // Both sides were exercised.
    expect(Math.min(outcomes.inside, outcomes.outside)).toBeGreaterThan(options.numRuns / 10);
  });

  it('parses any address as a single-address range that contains it', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4, fc.ipV6()), (address) => {
        // Prepare
        const family = address.includes(':') ? 6 : 4;
        // Act
        const parsed = parseCidrList([address]);
        // Assess: canonical text, a full-length prefix, and an allow list that lets that address through.
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        const [cidr] = parsed.value;
        expect(cidr).toMatchObject({ family, prefix: family === 4 ? 32 : 128 });
        if (family === 6) expect(`[${cidr?.address ?? ''}]`).toBe(new URL(`http://[${address}]/`).hostname);
        expect(createAddressGuard({ allow: parsed.value })(resolved(address))).toBeNull();
      }),
      options,
    );
  });
});
