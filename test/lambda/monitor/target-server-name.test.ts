import { parseServerName, parseTargetItem } from '../../../lambda/monitor/target';

describe('serverName on a Targets item', () => {
  it.each([
    ['an IP target', '203.0.113.10', 'broker.example.com', 'broker.example.com'],
    ['a name target, overriding its host as SNI', 'broker-1.internal:8883', 'broker.example.com', 'broker.example.com'],
    ['in canonical form: lower case, no trailing dot', '203.0.113.10', 'Broker.Example.COM.', 'broker.example.com'],
  ])('is accepted on %s', (_name, target, serverName, expected) => {
    // Act
    const parsed = parseTargetItem({ target, serverName });

    // Assess
    expect(parsed.ok && parsed.value.serverName).toBe(expected);
  });

  it('is absent from the target when the item has none', () => {
    // Act
    const parsed = parseTargetItem({ target: '203.0.113.10' });

    // Assess
    expect(parsed.ok && 'serverName' in parsed.value).toBe(false);
  });

  it.each([
    ['an IPv4 address', '203.0.113.10', 'is an IP address; SNI and certificate checks take a host name (leave serverName out to check the IP)'],
    ['an IPv6 address', '2001:db8::1', 'is an IP address; SNI and certificate checks take a host name (leave serverName out to check the IP)'],
    ['a name with a space', 'a b', 'is not a valid host name (letters, digits, ".", "-", "_" or IDN)'],
    ['a number', 42, 'must be a host name'],
  ])('refuses %s, naming the field', (_name, serverName, reason) => {
    // Act
    const parsed = parseServerName(serverName);

    // Assess
    expect(parsed).toEqual({ ok: false, error: { field: 'serverName', value: JSON.stringify(serverName), reason } });
  });
});
