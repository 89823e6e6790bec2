import {
  PortwatchConfigError,
  requireEmail,
  requireIntegerInRange,
} from '../../../../lib/infra/constructs/config-validation';

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
