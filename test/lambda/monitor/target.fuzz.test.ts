import * as fc from 'fast-check';
import {
  KNOWN_ATTRIBUTES,
  formatHostPort,
  parseHost,
  parseTargetItem,
  parseTargetKey,
  type TargetFieldError,
} from '../../../lambda/monitor/target';
import type { Target } from '../../../lambda/monitor/model';

/**
 * Property tests of Targets-table parsing: whatever a user (or an attacker with write access to the
 * table) stores, parsing never throws, and it yields either a well-defined target or a readable error.
 * Seeded so a CI failure reproduces; PORTWATCH_FUZZ_REPORT=1 prints what was tried.
 */
const SEED = 42;
const RUNS = 2000;
const stats = { items: 0, accepted: 0, rejected: 0, keys: 0, roundTrips: 0, skippedHosts: 0 };
/** Rejections per field (`labels.x` counted as `labels`), for the report. */
const rejectedBy = new Map<string, number>();

afterAll(() => {
  if (process.env.PORTWATCH_FUZZ_REPORT === '1') {
    console.log(
      `target fuzz (seed ${SEED}): ${stats.items} items, ${stats.accepted} accepted, ${stats.rejected} rejected; ` +
        `${stats.keys} keys; ${stats.roundTrips} host:port round-trips (${stats.skippedHosts} invalid hosts skipped); ` +
        `rejected by ${[...rejectedBy].map(([field, n]) => `${field} ${n}`).join(', ')}`,
    );
  }
});

// ---- arbitraries ---------------------------------------------------------------------------------

/** Every kind of JS value an unmarshalled (or hand-built) item could hold, and some it could not. */
const anything = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: 'binary',
});

/** Strings of 250 to 100,000 characters, built by repetition so they cost little to generate. */
const hugeString = fc
  .tuple(fc.string({ minLength: 1, maxLength: 8, unit: 'binary' }), fc.integer({ min: 250, max: 100_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

const idnLabel = fc.string({ unit: fc.constantFrom(...'abcxyz09üößéñжΩあ中'), minLength: 1, maxLength: 12 });
const idnHost = fc.array(idnLabel, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));

/** Host spellings, valid and not: names, IDN, IPv4 (also hex and octal), IPv6, known traps. */
const hostText = fc.oneof(
  fc.domain(),
  idnHost,
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
  fc.constantFrom('localhost', 'a..b', '1.2.3', '0x7f000001', 'fe80::1%eth0', 'ex%41mple.com', 'a/b', '-a.example', '.', ''),
);

/** Changes a user might make to a good host: case, a trailing dot, padding. */
const spelled = fc
  .tuple(hostText, fc.constantFrom('as-is', 'upper', 'dot', 'pad'))
  .map(([host, how]) => (how === 'upper' ? host.toUpperCase() : how === 'dot' ? `${host}.` : how === 'pad' ? ` ${host} ` : host));

/** Hosts that are valid but for a few IDN draws, in the spellings users write. */
const validHost = fc.oneof(
  fc.domain(),
  fc.domain().map((host) => `${host.toUpperCase()}.`),
  idnHost,
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV6().map((host) => host.toUpperCase()),
);

const portText = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }).map(String),
  fc.constantFrom('', '08883', '8883x', '1.5', '-1', '0x50', '65536', ' 8883'),
  fc.string({ maxLength: 6 }),
);

const targetKey = fc.oneof(
  spelled,
  fc.tuple(spelled, portText).map(([host, port]) => `${host}:${port}`),
  fc.tuple(fc.ipV6(), fc.option(portText)).map(([host, port]) => (port === null ? `[${host}]` : `[${host}]:${port}`)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  hugeString,
  fc.tuple(fc.domain(), hugeString).map(([host, tail]) => `${host}${tail}`),
  anything,
);

/** A known attribute: usually a plausible value, often a wrong type. */
function mixed(...good: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...good), weight: 3 },
    { arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), hugeString), weight: 1 },
    { arbitrary: anything, weight: 1 },
  );
}

const labels = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 70 }), fc.oneof(fc.string({ maxLength: 140 }), fc.integer(), fc.boolean(), anything), { maxKeys: 25 }),
  fc.array(fc.string({ maxLength: 80 }), { maxLength: 25 }),
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }).map((list) => new Set(list)),
  fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })), { maxLength: 5 }).map((list) => new Map(list)),
  anything,
);

const knownAttributes = fc.record(
  {
    target: targetKey,
    port: fc.oneof(mixed(8883, 1883, 1, 65535, 0, 65536, -1, 1.5, '8883', '08883', '8883x'), portText),
    protocol: mixed('tcp', 'udp', 'UDP', 'sctp'),
    expect: mixed('open', 'closed', ' Closed ', 'sometimes'),
    depth: mixed('tcp', 'tls', 'mqtt', 'MQTT', 'http'),
    enabled: mixed(true, false, 'false', 'TRUE', 42, 'no'),
    labels,
    timeoutMs: mixed(100, 3000, 30_000, 99, 30_001, '5000', 1.5, -1),
    description: fc.oneof(fc.string({ maxLength: 1100 }), hugeString, anything),
    muteUntil: mixed('2026-12-01T06:00:00Z', 'tomorrow', 'next tuesday', 0),
    maintenance: fc.oneof(
      mixed({ cron: '0 2 * * SUN', for: '2h' }, { cron: '0 2 * * *', tz: 'Mars/Base', for: '1h' }, { cron: '99 2 * * *', for: '1h' }),
      fc.record({ cron: anything, tz: anything, for: anything }, { requiredKeys: [] }),
      fc.array(fc.record({ cron: fc.oneof(fc.constant('0 2 * * SUN'), anything), for: fc.oneof(fc.constant('1h'), anything) }), { maxLength: 12 }),
    ),
    remindEvery: mixed('24h', '1m', '30s', 3600),
    digest: fc.oneof(mixed({ v: 3, s: 'open', f: '', c: '-/-', k: '' }, { v: 'three' }), fc.record({ v: anything, s: anything, f: anything, c: anything, k: anything, r: anything }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

/** The target key and port attribute a careful user writes: they agree, except in one case of four. */
const plausibleEndpoint = fc
  .tuple(validHost, fc.option(fc.integer({ min: 1, max: 65535 })), fc.constantFrom('absent', 'same', 'string', 'other'), fc.integer({ min: 1, max: 65535 }))
  .map(([host, keyPort, attribute, otherPort]) => {
    const v6 = host.includes(':');
    const target = keyPort === null ? host : v6 ? `[${host}]:${keyPort}` : `${host}:${keyPort}`;
    const port = keyPort ?? otherPort;
    if (attribute === 'absent') return { target };
    if (attribute === 'same') return { target, port };
    if (attribute === 'string') return { target, port: String(port) };
    return { target, port: otherPort };
  });

/** What a careful user stores: every other attribute absent or of the right type. */
const plausibleAttributes = fc
  .tuple(
    plausibleEndpoint,
    fc.record(
      {
        protocol: fc.constantFrom('tcp', 'udp'),
        expect: fc.constantFrom('open', 'closed', 'CLOSED'),
        depth: fc.constantFrom('tcp', 'tls', 'mqtt'),
        enabled: fc.constantFrom(true, false, 'false', 'true', null),
        labels: fc.oneof(
          fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,20}$/), fc.string({ maxLength: 30 }), { maxKeys: 5 }),
          fc.array(fc.stringMatching(/^[a-z]{1,8}(=[a-z0-9]{0,8})?$/), { maxLength: 5 }),
        ),
        timeoutMs: fc.integer({ min: 100, max: 30_000 }),
        description: fc.string({ maxLength: 200 }),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([endpoint, rest]) => ({ ...rest, ...endpoint }));

const unknownAttributes = fc.dictionary(
  fc.string({ maxLength: 12 }).filter((name) => !(KNOWN_ATTRIBUTES as readonly string[]).includes(name)),
  anything,
  { maxKeys: 3 },
);

/** Items as stored: known attributes (plausible or hostile), plus attributes portwatch does not read. */
const item = fc.oneof(
  { arbitrary: fc.tuple(plausibleAttributes, unknownAttributes).map(([known, extra]) => ({ ...extra, ...known })), weight: 3 },
  // A good key with hostile attributes, so that every attribute's validator meets hostile values.
  { arbitrary: fc.tuple(plausibleEndpoint, knownAttributes, unknownAttributes).map(([endpoint, known, extra]) => ({ ...extra, ...known, ...endpoint })), weight: 3 },
  { arbitrary: fc.tuple(knownAttributes, unknownAttributes).map(([known, extra]) => ({ ...extra, ...known })), weight: 2 },
  { arbitrary: anything, weight: 2 },
);

// ---- invariants ----------------------------------------------------------------------------------

function assertWellDefinedTarget(target: Target): void {
  expect(Number.isInteger(target.port) && target.port >= 1 && target.port <= 65535).toBe(true);
  expect(typeof target.host).toBe('string');
  expect(target.host.length).toBeGreaterThan(0);
  expect(target.host).not.toMatch(/[[\]\s%]/);
  expect(target.host).toBe(target.host.toLowerCase());
  expect(['tcp', 'tls', 'mqtt']).toContain(target.depth);
  expect(['tcp', 'udp']).toContain(target.transport);
  expect([null, 'open', 'closed']).toContain(target.expect);
  expect(typeof target.enabled).toBe('boolean');
  expect(Object.keys(target.labels).length).toBeLessThanOrEqual(20);
  for (const value of Object.values(target.labels)) expect(typeof value).toBe('string');
  if (target.timeoutMs !== undefined) expect(Number.isInteger(target.timeoutMs) && target.timeoutMs >= 100 && target.timeoutMs <= 30_000).toBe(true);
  if (target.description !== null) expect(target.description.length).toBeLessThanOrEqual(1024);
  // The display form is itself a valid key naming the same endpoint.
  const again = parseTargetKey(target.display);
  expect(again).toEqual({ ok: true, value: { host: target.host, port: target.port } });
  expect(parseTargetKey(target.target)).toMatchObject({ ok: true, value: { host: target.host } });
}

function assertReadableError(error: TargetFieldError): void {
  expect(typeof error.field).toBe('string');
  expect(error.field.length).toBeGreaterThan(0);
  expect(typeof error.value).toBe('string');
  expect(error.value.length).toBeLessThanOrEqual(80);
  expect(typeof error.reason).toBe('string');
  expect(error.reason.length).toBeGreaterThan(0);
}

// ---- properties ----------------------------------------------------------------------------------

describe('parseTargetItem (property)', () => {
  it('never throws, and yields a well-defined target or a readable error', () => {
    fc.assert(
      fc.property(item, (candidate) => {
        // Act
        const result = parseTargetItem(candidate);
        // Assess
        stats.items += 1;
        if (result.ok) {
          stats.accepted += 1;
          assertWellDefinedTarget(result.value);
        } else {
          stats.rejected += 1;
          const field = result.error.field.replace(/\..*$/s, '');
          rejectedBy.set(field, (rejectedBy.get(field) ?? 0) + 1);
          assertReadableError(result.error);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Both sides of the parser were exercised, not only the rejections.
    expect(stats.accepted).toBeGreaterThan(RUNS / 20);
    expect(stats.rejected).toBeGreaterThan(RUNS / 20);
  });

  it('parseTargetKey never throws on any key', () => {
    fc.assert(
      fc.property(targetKey, (key) => {
        // Act
        const result = parseTargetKey(key);
        // Assess
        stats.keys += 1;
        if (result.ok) {
          expect(result.value.host.length).toBeGreaterThan(0);
          if (result.value.port !== null) expect(result.value.port >= 1 && result.value.port <= 65535).toBe(true);
        } else assertReadableError(result.error);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('formatHostPort (property)', () => {
  it('is read back by parseTargetKey as the same host and port, for any valid host', () => {
    fc.assert(
      fc.property(validHost, fc.integer({ min: 1, max: 65535 }), (raw, port) => {
        // Prepare: only hosts parseHost accepts (a few IDN draws are not valid names).
        const parsed = parseHost(raw, 'host');
        if (!parsed.ok) {
          stats.skippedHosts += 1;
          return;
        }
        const host = parsed.value;
        // Act
        const key = formatHostPort(host, port);
        // Assess: canonical hosts are fixed points, and host:port survives the trip.
        stats.roundTrips += 1;
        expect(parseHost(host, 'host')).toEqual({ ok: true, value: host });
        expect(parseTargetKey(key)).toEqual({ ok: true, value: { host, port } });
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(stats.roundTrips).toBeGreaterThan(RUNS * 0.8);
  });
});
