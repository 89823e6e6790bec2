/** `portwatch local --vantage NAME=NETNS [--quorum K]`: the flags read and refused (exit 2) before anything runs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVantageFlags, startVantageLanes, type VantageHost } from '../../../lib/cli/local-vantage';
import { runCli } from './cli-harness';

const host = (over: Partial<VantageHost> = {}): VantageHost => ({ isRoot: true, ip: '/usr/sbin/ip', netnsExists: (n) => n.startsWith('ns'), ...over });

describe('parseVantageFlags', () => {
  it('is null without --vantage: one vantage point, the in-process probe, as before', () => {
    // Act / Assess
    expect(parseVantageFlags([], undefined, host())).toBeNull();
  });

  it('gives each vantage point every name, sorted, and a majority quorum unless --quorum says', () => {
    // Act
    const three = parseVantageFlags(['b=ns2', 'a=ns1', 'c=ns3'], undefined, host());
    const one = parseVantageFlags(['b=ns2', 'a=ns1', 'c=ns3'], 1, host());
    // Assess
    expect(three?.points).toEqual([
      { name: 'b', netns: 'ns2' },
      { name: 'a', netns: 'ns1' },
      { name: 'c', netns: 'ns3' },
    ]);
    expect(three?.configs).toEqual([
      { name: 'b', all: ['a', 'b', 'c'], quorum: 2 },
      { name: 'a', all: ['a', 'b', 'c'], quorum: 2 },
      { name: 'c', all: ['a', 'b', 'c'], quorum: 2 },
    ]);
    expect(one?.configs.map((c) => c.quorum)).toEqual([1, 1, 1]);
  });

  it.each<[string, readonly string[], number | undefined, Partial<VantageHost>, string]>([
    ['no =', ['a'], undefined, {}, '--vantage: "a" is not NAME=NETNS'],
    ['a bad name', ['EU=ns1', 'b=ns2'], undefined, {}, '--vantage: "EU" must be 1-32 lower-case letters, digits and dashes'],
    ['a bad namespace', ['a=ns/1', 'b=ns2'], undefined, {}, '--vantage: "ns/1" (in "a=ns/1") is not a network namespace name'],
    ['a name twice', ['a=ns1', 'a=ns2'], undefined, {}, '--vantage: "a" is named twice'],
    ['one vantage point', ['a=ns1'], undefined, {}, '--vantage: one vantage point (a=ns1) is not a comparison; give at least two'],
    ['--quorum alone', [], 2, {}, '--quorum 2: only means something with --vantage'],
    ['--quorum above the count', ['a=ns1', 'b=ns2'], 3, {}, '--quorum: 3 must be a whole number from 1 to 2'],
    ['not root', ['a=ns1', 'b=ns2'], undefined, { isRoot: false }, '--vantage needs root'],
    ['no ip', ['a=ns1', 'b=ns2'], undefined, { ip: null }, '--vantage needs the `ip` command (Debian package iproute2)'],
    ['a missing namespace', ['a=ns1', 'b=gone'], undefined, {}, '--vantage: network namespace "gone" (in b=gone) does not exist'],
  ])('refuses %s, naming the flag and the value', (_, values, quorum, over, message) => {
    // Act / Assess
    expect(() => parseVantageFlags(values, quorum, host(over))).toThrow(message);
  });
});

describe('startVantageLanes', () => {
  it('refuses to run (exit 2) when a worker cannot start, naming the vantage point and why', async () => {
    // Prepare
    const parsed = parseVantageFlags(['a=ns1', 'b=ns2'], undefined, host());
    if (parsed === null) throw new Error('no vantage points');
    // Act
    const started = startVantageLanes(parsed, { policy: { allow: [] }, ca: null }, { command: (p) => ({ command: `/nonexistent/${p.netns}`, args: [] }) });
    // Assess
    await expect(started).rejects.toThrow('--vantage: a: could not start the probe worker (/nonexistent/ns1): spawn /nonexistent/ns1 ENOENT; b: could not start');
  });
});

describe('portwatch local --vantage', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-vantage-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['--vantage', 'a=pw-none-1'], '--vantage: one vantage point (a=pw-none-1) is not a comparison'],
    [['--vantage', 'a=pw-none-1', '--vantage', 'b=pw-none-2', '--quorum', '0'], '--quorum: "0" is not a number of vantage points (1-64)'],
    [['--quorum', '2'], '--quorum 2: only means something with --vantage'],
  ])('exits 2 on %j before a tick runs', async (args, message) => {
    // Act
    const result = await runCli(['local', '127.0.0.1:1', '--ticks', '1', '--state', join(dir, 'unused'), ...args]);
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
