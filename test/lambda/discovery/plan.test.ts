import { desiredItems } from '../../../lambda/discovery/desired';
import type { Endpoint } from '../../../lambda/discovery/endpoint';
import { planDiscovery } from '../../../lambda/discovery/plan';
import { tagSettings } from '../../../lambda/discovery/tags';
import type { Origin } from '../../../lambda/monitor/exposure-model';
import { parseOrigin } from '../../../lambda/monitor/origin';

const origin = (over: Partial<Origin> = {}): Origin => ({ account: '111122223333', region: 'eu-west-1', kind: 'network-interface', resourceId: 'eni-1', arn: 'arn:eni-1', name: 'web', securityGroups: ['sg-1'], ...over });
const endpoint = (host: string, over: Partial<Origin> = {}, tags: Record<string, string> = {}): Endpoint => ({ host, origin: origin(over), tags });
const AT = '2026-12-01T10:00:00.000Z';
const scanned = new Set(['111122223333/eu-west-1', '111122223333/global']);

describe('tagSettings', () => {
  it.each([
    [{}, 'closed'],
    [{ 'portwatch:expect': 'open' }, 'open'],
    [{ 'portwatch:expect': ' Closed ' }, 'closed'],
    [{ 'portwatch:expect': 'any' }, null],
  ])('reads expect from %j', (tags, expected) => {
    expect(tagSettings(tags, 'r').expect).toBe(expected);
  });

  it('warns about a bad expect tag, keeps the default, and copies usable tags into labels (Name first, no aws: or portwatch:)', () => {
    // Act
    const s = tagSettings({ 'portwatch:expect': 'maybe', zeta: '1', Name: 'web', 'aws:cloudformation:stack-name': 's', 'bad key': 'x', long: 'v'.repeat(200) }, 'eni-1');
    // Assess
    expect(s.expect).toBe('closed');
    expect(s.warnings).toEqual(['eni-1: tag portwatch:expect="maybe" is not open, closed or any; using closed']);
    expect(Object.keys(s.labels)).toEqual(['Name', 'zeta']);
  });
});

describe('desiredItems', () => {
  it('merges resources sharing an address (the interface names it, groups and tags join) and skips ignored and wildcard ones', () => {
    // Act
    const d = desiredItems(
      [
        endpoint('203.0.113.10', { kind: 'elastic-ip', resourceId: 'eipalloc-1', securityGroups: [] }, { env: 'prod', Name: 'eip' }),
        endpoint('203.0.113.10', { securityGroups: ['sg-2', 'sg-1'] }, { Name: 'web' }),
        endpoint('2001:DB8::1', {}, { 'portwatch:ignore': 'true' }),
        endpoint('\\052.example.com.', { kind: 'dns-record', region: 'global', resourceId: 'Z/*.example.com/A' }),
      ],
      8883,
    );
    // Assess
    expect(d.items).toEqual([
      { target: '203.0.113.10:8883', expect: 'closed', labels: { Name: 'web', env: 'prod' }, description: 'discovered: network interface eni-1 (web) in 111122223333 eu-west-1', origin: origin({ securityGroups: ['sg-1', 'sg-2'] }), enabled: true },
    ]);
    expect(d.skipped).toEqual([expect.stringContaining('a wildcard name is not a host'), 'network interface eni-1 (web) in 111122223333 eu-west-1: tagged portwatch:ignore']);
  });
});

describe('planDiscovery', () => {
  const item = desiredItems([endpoint('203.0.113.10')], 8883).items[0];
  if (!item) throw new Error('fixture');

  it('adds what is new, leaves what is equal (maps in any order), and never touches a user item', () => {
    // Prepare: the same item as stored, keys in another order; a user item under another discovered key.
    const stored = { labels: {}, origin: { ...item.origin, securityGroups: new Set(['sg-1']) }, description: item.description, enabled: true, expect: 'closed', target: item.target, digest: { v: 1 } };
    const second = desiredItems([endpoint('203.0.113.11', { resourceId: 'eni-2' })], 8883).items[0];
    if (!second) throw new Error('fixture');
    // Act
    const plan = planDiscovery([item, second], [stored, { target: '203.0.113.11:8883', expect: 'open' }], scanned, AT);
    // Assess
    expect(plan).toEqual({ add: [], update: [], disable: [], userOwned: ['203.0.113.11:8883'], unchanged: 1 });
  });

  it('knows a user target under another spelling of the same endpoint (no port, the default port)', () => {
    // Act
    const plan = planDiscovery([item, { ...item, target: 'broker.example.com:8883' }], [{ target: '203.0.113.10' }, { target: 'Broker.example.com', port: 8883 }], scanned, AT);
    // Assess
    expect(plan.add).toEqual([]);
    expect(plan.userOwned).toEqual(['203.0.113.10', 'Broker.example.com']);
    // Discovered first, then added by the user without the port: the discovered one steps aside.
    const both = planDiscovery([item], [item, { target: '203.0.113.10' }], scanned, AT);
    expect(both.disable).toEqual([{ target: item.target, origin: item.origin, reason: `the user watches this endpoint as 203.0.113.10 (seen by discovery at ${AT})` }]);
  });

  it('disables a vanished resource only when its scope was read, once, and re-enables it only if discovery disabled it', () => {
    // Prepare
    const gone = { ...item, target: '203.0.113.99:8883', origin: { ...item.origin, resourceId: 'eni-9' } };
    const otherAccount = { ...item, target: '198.51.100.1:8883', origin: { ...item.origin, account: '444455556666' } };
    const alreadyOff = { ...gone, target: '203.0.113.98:8883', enabled: false, disabledReason: 'gone' };
    const userOff = { ...item, enabled: false };
    // Act
    const plan = planDiscovery([], [gone, otherAccount, alreadyOff], scanned, AT);
    const back = planDiscovery([item], [{ ...item, enabled: false, disabledReason: 'gone', disabledAt: AT }], scanned, AT);
    const stays = planDiscovery([item], [userOff], scanned, AT);
    // Assess
    expect(plan.disable).toEqual([{ target: '203.0.113.99:8883', origin: gone.origin, reason: `network interface eni-9 (web) in 111122223333 eu-west-1 no longer found by discovery at ${AT}` }]);
    expect(back.update).toEqual([{ item, changed: ['enabled'] }]);
    expect(stays.unchanged).toBe(1);
  });

  it('names each changed attribute', () => {
    // Act
    const plan = planDiscovery([{ ...item, expect: 'open', labels: { team: 'x' } }], [item], scanned, AT);
    // Assess
    expect(plan.update.map((u) => u.changed)).toEqual([['expect', 'labels']]);
  });
});

describe('parseOrigin', () => {
  it('accepts what discovery writes and names the field of a damaged origin', () => {
    expect(parseOrigin(origin())).toEqual({ ok: true, value: origin() });
    expect(parseOrigin(undefined)).toEqual({ ok: true, value: undefined });
    expect(parseOrigin({ ...origin(), kind: 'vpc' })).toMatchObject({ ok: false, error: { field: 'origin.kind' } });
    expect(parseOrigin({ ...origin(), account: 7 })).toMatchObject({ ok: false, error: { field: 'origin.account', value: '7' } });
    expect(parseOrigin('x')).toMatchObject({ ok: false, error: { field: 'origin' } });
  });
});
