import { UsageError } from '../../../lib/cli/cli-io';
import { DURATION_FLAGS, INTEGER_FLAGS, parseDurationFlag, parseIntegerFlag, type DurationFlag } from '../../../lib/cli/options';
import { PROBER_INTEGER_VARIABLES } from '../../../lambda/contracts/prober-env';
import { parseTargetItem } from '../../../lambda/monitor/target';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('duration flags', () => {
  it.each<[string, number]>([
    ['30s', 30_000],
    ['5m', 300_000],
    [' 1h30m ', 5_400_000],
    ['1s', 1000],
    ['1d', 86_400_000],
  ])('--interval accepts %j', (value, ms) => {
    // Act
    const result = parseDurationFlag(DURATION_FLAGS.interval, value);
    // Assess
    expect(result).toBe(ms);
  });

  it.each<[string, string]>([
    ['abc', '--interval: "abc" is not a duration (e.g. 30s, 5m)'],
    ['30', '--interval: "30" is not a duration: add a unit, e.g. 30s'],
    // 0s would be refused too: no suggestion of it, the range instead.
    ['0', '--interval: "0" is not a duration from 1s to 1d (e.g. 30s, 5m)'],
    ['100000', '--interval: "100000" is not a duration from 1s to 1d (e.g. 30s, 5m)'],
    ['0s', '--interval: "0s" is not a duration from 1s to 1d'],
    ['200ms', '--interval: "200ms" is not a duration from 1s to 1d'],
    ['2d', '--interval: "2d" is not a duration from 1s to 1d'],
  ])('--interval refuses %j on one line naming the flag and the value', (value, message) => {
    // Act
    const text = messageOf(() => parseDurationFlag(DURATION_FLAGS.interval, value));
    // Assess
    expect(text).toBe(message);
  });

  it('suggests only durations the flag accepts', () => {
    // Prepare: a flag of one to ten hours, where 30s and 5m would be refused.
    const hours: DurationFlag = { flag: '--every', minMs: 3_600_000, maxMs: 36_000_000 };
    // Act
    const words = messageOf(() => parseDurationFlag(hours, 'soon'));
    const number = messageOf(() => parseDurationFlag(hours, '30'));
    // Assess
    expect(words).toBe('--every: "soon" is not a duration (e.g. 1h)');
    expect(number).toBe('--every: "30" is not a duration from 1h to 10h (e.g. 1h)');
    for (const suggested of [...words.matchAll(/e\.g\. (\w+)/g)].map((m) => m[1] as string)) {
      expect(parseDurationFlag(hours, suggested)).toBeGreaterThan(0);
    }
  });
});

describe('integer flags', () => {
  it.each<[keyof typeof INTEGER_FLAGS, string, string]>([
    ['timeout', 'abc', '--timeout: "abc" is not a timeout in ms (100-30000)'],
    ['timeout', '99', '--timeout: "99" is not a timeout in ms (100-30000)'],
    ['timeout', '30001', '--timeout: "30001" is not a timeout in ms (100-30000)'],
    ['concurrency', '0', '--concurrency: "0" is not a number of targets (1-1000)'],
    ['limit', '-1', '--limit: "-1" is not a number of events (1-10000)'],
    ['ticks', '1.5', '--ticks: "1.5" is not a number of ticks (1-1000000)'],
  ])('%s refuses %j', (flag, value, message) => {
    // Act
    const text = messageOf(() => parseIntegerFlag(INTEGER_FLAGS[flag], value));
    // Assess
    expect(text).toBe(message);
  });

  it('--timeout takes exactly the timeoutMs a Targets item may hold', () => {
    // Prepare
    const { min, max } = INTEGER_FLAGS.timeout;
    const item = (timeoutMs: number): boolean => parseTargetItem({ target: 'h.example', timeoutMs }).ok;
    // Act + Assess: the edges agree, inside and out.
    expect([item(min - 1), item(min), item(max), item(max + 1)]).toEqual([false, true, true, false]);
    expect(parseIntegerFlag(INTEGER_FLAGS.timeout, String(min))).toBe(min);
    expect(parseIntegerFlag(INTEGER_FLAGS.timeout, String(max))).toBe(max);
  });

  it('flags that set a prober variable take its range', () => {
    // Assess
    expect(INTEGER_FLAGS.timeout).toMatchObject({ min: PROBER_INTEGER_VARIABLES.probeTimeoutMs.min, max: PROBER_INTEGER_VARIABLES.probeTimeoutMs.max });
    expect(INTEGER_FLAGS.concurrency).toMatchObject({ min: PROBER_INTEGER_VARIABLES.probeConcurrency.min, max: PROBER_INTEGER_VARIABLES.probeConcurrency.max });
    expect(INTEGER_FLAGS.confirmAttempts).toMatchObject({ min: PROBER_INTEGER_VARIABLES.confirmAttempts.min, max: PROBER_INTEGER_VARIABLES.confirmAttempts.max });
    expect(INTEGER_FLAGS.confirmDelay).toMatchObject({ min: PROBER_INTEGER_VARIABLES.confirmDelayMs.min, max: PROBER_INTEGER_VARIABLES.confirmDelayMs.max });
  });
});
