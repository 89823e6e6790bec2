import {
  PortwatchConfigError,
  requireCidr,
  requireEmail,
  requireIntegerInRange,
} from '../../../lib/constructs/config-validation';

describe('requireIntegerInRange', () => {
  test.each([1, 5, 10])('accepts %p in [1, 10]', (value) => {
    expect(requireIntegerInRange('n', value, 1, 10)).toBe(value);
  });

  test.each([0, 11, 2.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %p naming the setting and the value', (value) => {
    expect(() => requireIntegerInRange('scheduleMinutes', value, 1, 10)).toThrow(
      new PortwatchConfigError(`scheduleMinutes must be an integer from 1 to 10, got ${String(value)}`),
    );
  });
});

describe('requireEmail', () => {
  test.each(['ops@example.com', 'first.last+tag@sub.example.co.uk'])('accepts %p', (email) => {
    expect(requireEmail('alertEmail', email)).toBe(email);
  });

  test.each(['', 'ops', 'ops@', '@example.com', 'ops@example', 'a@b.c,d@e.f', 'a b@example.com'])('rejects %p', (email) => {
    expect(() => requireEmail('alertEmail', email)).toThrow(`alertEmail must be one e-mail address such as ops@example.com, got ${JSON.stringify(email)}`);
  });
});

describe('requireCidr', () => {
  test.each(['10.0.0.0/8', '192.168.1.0/24', '127.0.0.1/32', '0.0.0.0/0', 'fd00::/8', '::1/128', 'fe80::/10'])('accepts %p', (cidr) => {
    expect(requireCidr('allowedCidrs', cidr)).toBe(cidr);
  });

  test.each(['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0/8', 'example.com/24', '10.0.0.0/-1', '10.0.0.0/8/8', ''])(
    'rejects %p naming the setting and the value',
    (cidr) => {
      expect(() => requireCidr('allowedCidrs', cidr)).toThrow(`allowedCidrs must list CIDR blocks such as 10.0.0.0/8 or fd00::/8, got ${JSON.stringify(cidr)}`);
    },
  );
});
