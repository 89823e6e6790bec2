import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin, runCli, type CliResult } from './cli-harness';

/**
 * One error style, as a user meets it: a bad value is one line naming the flag (or argument) and the
 * value, then where to read the usage, exit code 2; never the whole --help. Every row runs the CLI's
 * entry point in this process (a process per row cost ten seconds of the suite); one test runs a row
 * of each command through the bin entry as a user would and finds the same output.
 */
/** The command, its arguments, the flag or argument the error must name, the value it must show ('' for none), the message ('' for any). */
type Row = readonly [command: string, args: readonly string[], flag: string, value: string, message: string];

const BAD_VALUES: readonly Row[] = [
  ['local', ['--interval', 'abc'], '--interval', 'abc', '--interval: "abc" is not a duration (e.g. 30s, 5m)'],
  ['local', ['--interval', '0'], '--interval', '0', '--interval: "0" is not a duration from 1s to 1d (e.g. 30s, 5m)'],
  ['local', ['--interval', '30'], '--interval', '30', '--interval: "30" is not a duration: add a unit, e.g. 30s'],
  ['local', ['--posture-every', '2d'], '--posture-every', '2d', ''],
  ['local', ['--ticks', '0'], '--ticks', '0', ''],
  ['local', ['--timeout', '50'], '--timeout', '50', '--timeout: "50" is not a timeout in ms (100-30000)'],
  ['local', ['--concurrency', '2000'], '--concurrency', '2000', '--concurrency: "2000" is not a number of targets (1-1000)'],
  ['local', ['--topic-arn', 'alerts', '127.0.0.1'], '--topic-arn', 'alerts', ''],
  ['probe', ['h.example', '--timeout', '50'], '--timeout', '50', '--timeout: "50" is not a timeout in ms (100-30000)'],
  ['probe', ['h.example', '--concurrency', '2000'], '--concurrency', '2000', '--concurrency: "2000" is not a number of targets (1-1000)'],
  ['probe', ['h.example', '--port', '99999'], '--port', '99999', ''],
  ['probe', ['h.example', '--depth', 'deep'], '--depth', 'deep', ''],
  ['probe', ['h.example', '--cert-expiring-days', 'soon'], '--cert-expiring-days', 'soon', ''],
  ['probe', ['mqtts://h.example:8883'], 'TARGET', 'mqtts://h.example:8883', 'TARGET: "mqtts://h.example:8883" is a URL: write host:port, e.g. h.example:8883'],
  ['probe', ['::1:8883'], 'TARGET', '::1:8883', ''],
  ['targets add', ['h.example', '--timeout', 'abc'], '--timeout', 'abc', '--timeout: "abc" is not a timeout in ms (100-30000)'],
  ['targets add', ['h.example', '--timeout', '50'], '--timeout', '50', '--timeout: "50" is not a timeout in ms (100-30000)'],
  ['targets add', ['h.example', '--label', 'foo'], '--label', 'foo', '--label: "foo" must be key=value'],
  ['targets add', ['h.example', '--expect', 'sometimes'], '--expect', 'sometimes', ''],
  ['targets add', [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(39)}`], 'TARGET', '', 'is 295 characters; host names stop at 253'],
  ['history', ['h.example', '--limit', '0'], '--limit', '0', '--limit: "0" is not a number of events (1-10000)'],
  ['mute', ['h.example', '--until', 'someday'], '--until', 'someday', ''],
];

/** Commander's own refusals: the flag or name is the value. */
const BAD_USAGE: readonly Row[] = [
  ['local', ['--bogus'], '--bogus', '', '--bogus: not an option of portwatch local'],
  ['status', ['--jsn'], '--jsn', '', '--jsn: not an option of portwatch status (did you mean --json?)'],
  ['local', ['--interval'], '--interval', '', '--interval: needs a value'],
  ['history', [], 'TARGET', '', 'TARGET: missing (a required argument)'],
  ['', ['prob'], '"prob"', '', '"prob": not a command of portwatch (did you mean probe?)'],
  ['targets', ['bogus'], '"bogus"', '', '"bogus": not a command of portwatch targets'],
];

describe('bad input', () => {
  let cwd: string;
  let home: string;
  beforeAll(() => {
    // Nothing here may touch a state directory; if a row were accepted, it would be made in here.
    cwd = mkdtempSync(join(tmpdir(), 'portwatch-bad-input-'));
    home = process.cwd();
    process.chdir(cwd);
  });
  afterAll(() => {
    process.chdir(home);
    rmSync(cwd, { recursive: true, force: true });
  });

  /** The CLI in this process, in the scratch directory: what bin/portwatch.js runs, without a process. */
  const run = (args: readonly string[]): Promise<CliResult> => runCli(args);

  it.each([BAD_VALUES[0]!, BAD_VALUES[8]!, BAD_VALUES[15]!, BAD_USAGE[4]!])('from the bin entry, portwatch %s %j reads the same as in process', async (command, args) => {
    // Act
    const argv = [...command.split(' ').filter(Boolean), ...args];
    const [bin, inProcess] = [await runBin(argv, { cwd }), await run(argv)];
    // Assess
    expect(bin).toEqual(inProcess);
  });

  it.each([...BAD_VALUES, ...BAD_USAGE])('portwatch %s %j: exit 2, one line naming %s', async (command, args, flag, value, message) => {
    // Act
    const result = await run([...command.split(' ').filter(Boolean), ...args]);
    // Assess: exit 2, nothing on stdout, the error and the pointer to --help, no usage block.
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[0]).toMatch(new RegExp(`^portwatch: ${escape(flag)}[: ]`));
    if (value !== '') expect(lines[0]).toContain(JSON.stringify(value));
    if (message !== '') expect(lines[0]).toContain(message);
    expect(lines[1]).toBe(`run ${['portwatch', command].filter(Boolean).join(' ')} --help for usage`);
    expect(result.stderr).not.toContain('Usage:');
  });

  it('no suggestion is itself a value the flag refuses', async () => {
    // Act
    const zero = await run(['local', '--interval', '0']);
    // Assess: "add a unit, e.g. 0s" would only lead to the next refusal.
    expect(zero.stderr).not.toMatch(/(^|[^\d])0s\b/);
  });

  it.each<[string, readonly string[]]>([
    ['--timeout 99', ['--timeout', '99']],
    ['--timeout 30001', ['--timeout', '30001']],
    ['--concurrency 1001', ['--concurrency', '1001']],
  ])('%s: one range, the same words in every command that has the flag', async (_name, flag) => {
    // Act
    const probe = await run(['probe', 'h.example', ...flag]);
    const local = await run(['local', ...flag]);
    const add = flag[0] === '--timeout' ? await run(['targets', 'add', 'h.example', ...flag]) : probe;
    // Assess
    const first = (stderr: string): string => stderr.split('\n')[0] ?? '';
    expect(first(local.stderr)).toBe(first(probe.stderr));
    expect(first(add.stderr)).toBe(first(probe.stderr));
    expect([probe.code, local.code, add.code]).toEqual([2, 2, 2]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
