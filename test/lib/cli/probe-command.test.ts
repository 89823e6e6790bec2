import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../../../lib/cli/cli-io';
import { main } from '../../../lib/cli/main';
import { parseProbeInvocation, registerProbeCommand } from '../../../lib/cli/probe-command';
import type { ProbeResult } from '../../../lambda/probe/types';
import { startBroker, type RunningBroker } from '../../helpers/brokers';
import { selfSignedCert, usePki } from '../../helpers/certs';
import { loopbackResolver } from '../../helpers/probe-fixtures';
import { closedPort } from '../../helpers/servers';
import { jsonLines, runBin } from './cli-harness';

const DEFAULTS = { port: '8883', timeout: '3000', depth: 'mqtt', certExpiringDays: '14', concurrency: '16' };
const REPO = join(__dirname, '..', '..', '..');

describe('parseProbeInvocation', () => {
  it.each([
    ['broker.example.com', { host: 'broker.example.com', port: 8883 }],
    ['broker.example.com:1883', { host: 'broker.example.com', port: 1883 }],
    ['[2001:db8::1]:8884', { host: '2001:db8::1', port: 8884 }],
    ['2001:db8::1', { host: '2001:db8::1', port: 8883 }],
    ['[::1]', { host: '::1', port: 8883 }],
    ['[::1:8883]', { host: '::1:8883', port: 8883 }],
    ['127.0.0.1:9', { host: '127.0.0.1', port: 9 }],
  ])('reads the target %s', (target, expected) => {
    // Act
    const invocation = parseProbeInvocation([target], DEFAULTS);

    // Assess
    expect(invocation.specs).toEqual([{ target, ...expected, transport: 'tcp', depth: 'mqtt' }]);
  });

  it('gives every target the --server-name, in canonical form, and refuses an IP or a bad name', () => {
    // Act
    const invocation = parseProbeInvocation(['203.0.113.10'], { ...DEFAULTS, serverName: 'Broker.Example.COM.' });

    // Assess
    expect(invocation.specs).toEqual([{ target: '203.0.113.10', host: '203.0.113.10', port: 8883, transport: 'tcp', depth: 'mqtt', serverName: 'broker.example.com' }]);
    expect(() => parseProbeInvocation(['203.0.113.10'], { ...DEFAULTS, serverName: '203.0.113.10' })).toThrow(/^--server-name: "203\.0\.113\.10" is an IP address/);
    expect(() => parseProbeInvocation(['203.0.113.10'], { ...DEFAULTS, serverName: 'a b' })).toThrow(/^--server-name: "a b" is not a valid host name/);
  });

  it('trims a typed target: a pasted space is not part of the host', () => {
    // Act
    const invocation = parseProbeInvocation([' broker.example.com:1883 '], DEFAULTS);

    // Assess: the target as the output names it, without the spaces.
    expect(invocation.specs).toEqual([{ target: 'broker.example.com:1883', host: 'broker.example.com', port: 1883, transport: 'tcp', depth: 'mqtt' }]);
  });

  it('applies --port to targets without one, and --udp, --depth, --timeout, --json', () => {
    // Act
    const invocation = parseProbeInvocation(['a.example', 'b.example:1'], { ...DEFAULTS, port: '8884', udp: true, depth: 'TLS', timeout: '500', json: true });

    // Assess
    expect(invocation).toEqual({
      specs: [
        { target: 'a.example', host: 'a.example', port: 8884, transport: 'udp', depth: 'tls' },
        { target: 'b.example:1', host: 'b.example', port: 1, transport: 'udp', depth: 'tls' },
      ],
      timeoutMs: 500,
      certExpiringDays: 14,
      concurrency: 16,
      format: 'json',
    });
  });

  it.each([
    ['1884', 1884],
    ['none', null],
  ])('reads --plaintext-port %s as the same rule as the target attribute', (raw, expected) => {
    // Act
    const invocation = parseProbeInvocation(['x'], { ...DEFAULTS, plaintextPort: raw });

    // Assess
    expect(invocation.plaintextPort).toBe(expected);
  });

  it.each([
    [['x'], { port: '99999' }, '--port: "99999" is not a port (an integer 1-65535)'],
    [['x'], { port: 'abc' }, '--port: "abc" is not a port (an integer 1-65535)'],
    [['x'], { timeout: '99' }, '--timeout: "99" is not a timeout in ms (100-30000)'],
    [['x'], { timeout: '30001' }, '--timeout: "30001" is not a timeout in ms (100-30000)'],
    [['x'], { timeout: '1.5' }, '--timeout: "1.5" is not a timeout in ms (100-30000)'],
    [['x'], { depth: 'deep' }, '--depth: "deep" must be one of tcp, tls, mqtt'],
    [['x'], { certExpiringDays: '-1' }, '--cert-expiring-days: "-1" is not a number of days (0-3650)'],
    [['x'], { concurrency: '0' }, '--concurrency: "0" is not a number of targets (1-1000)'],
    [['x'], { concurrency: '1001' }, '--concurrency: "1001" is not a number of targets (1-1000)'],
    [['https://h.example:8883'], {}, 'TARGET: "https://h.example:8883" is a URL: write host:port, e.g. h.example:8883'],
    [['::1:8883'], {}, 'TARGET: "::1:8883" is ambiguous: write [::1]:8883 for port 8883, or [::1:8883] for that address'],
    [['host:99999'], {}, 'TARGET: "host:99999" has a port that is not an integer 1-65535'],
    [['ok.example', 'bad host'], {}, 'TARGET: "bad host" contains whitespace or control characters'],
    [['::1:8883x'], {}, expect.stringMatching(/^TARGET: "::1:8883x" /)],
    [['x'], { plaintextPort: '0' }, '--plaintext-port: "0" is not a port (an integer 1-65535), nor false/none to switch the plaintext-listener check off'],
  ])('refuses %j with %j', (targets, overrides, message) => {
    // Act
    const error = thrownBy(() => parseProbeInvocation(targets, { ...DEFAULTS, ...overrides }));

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toEqual(message);
  });
});

describe('portwatch probe', () => {
  let plain: RunningBroker;

  beforeAll(async () => {
    plain = await startBroker({ auth: 'anonymous' });
  });
  afterAll(async () => {
    await plain.close();
  });

  async function run(args: readonly string[]): Promise<{ out: string; exitCode: number | undefined }> {
    let out = '';
    let exitCode: number | undefined;
    const program = new Command('portwatch').exitOverride();
    registerProbeCommand(program, {
      stdout: (text) => {
        out += text;
      },
      setExitCode: (code) => {
        exitCode = code;
      },
      probeOptions: { resolver: loopbackResolver() },
    });
    await program.parseAsync(['probe', ...args], { from: 'user' });
    return { out, exitCode };
  }

  it('prints one JSON object per target per line with --json, and exits 0', async () => {
    // Prepare
    const closed = await closedPort();

    // Act
    const { out, exitCode } = await run([`127.0.0.1:${plain.port}`, `127.0.0.1:${closed}`, '--json', '--timeout', '1000']);

    // Assess
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l) as ProbeResult);
    expect(first).toMatchObject({
      target: `127.0.0.1:${plain.port}`,
      host: '127.0.0.1',
      port: plain.port,
      status: 'open',
      reason: expect.any(String),
      latencyMs: expect.any(Number),
      addresses: [{ address: '127.0.0.1', status: 'open' }],
      tls: { version: null, cipher: null, authorized: false, authorizationError: null, cert: null },
      mqtt: { transport: 'plain', connack: 0, anonymous: true },
      findings: ['anonymous-access', 'plaintext-mqtt'],
    });
    expect(second).toMatchObject({ status: 'closed', tls: null, mqtt: null, findings: [] });
    expect(exitCode).toBe(0);
  });

  it('prints an aligned table without --json', async () => {
    // Act
    const { out, exitCode } = await run([`127.0.0.1:${plain.port}`, 'localhost:1']);

    // Assess
    const [header, row1, row2] = out.trimEnd().split('\n');
    expect(header).toMatch(/^TARGET\s+STATUS\s+LATENCY\s+TLS\s+DAYS\s+CONNACK\s+FINDINGS\s+REASON$/);
    expect(row1).toMatch(new RegExp(`^127\\.0\\.0\\.1:${plain.port}\\s+open\\s+\\d+ ms\\s+none\\s+-\\s+0 \\(plain\\)\\s+anonymous-access,plaintext-mqtt\\s+127\\.0\\.0\\.1: connected; `));
    expect(row2).toMatch(/^localhost:1\s+closed\s+/);
    // Columns line up: STATUS starts at the same offset on every line.
    expect(row1?.indexOf('open')).toBe(header?.indexOf('STATUS'));
    expect(row2?.indexOf('closed')).toBe(header?.indexOf('STATUS'));
    expect(exitCode).toBe(0);
  });

  it('exits 1 when a target could not be probed (status error)', async () => {
    // Act
    const { out, exitCode } = await run(['nonexistent.invalid', `127.0.0.1:${plain.port}`, '--json', '--depth', 'tcp']);

    // Assess
    const [failed] = out.trimEnd().split('\n').map((l) => JSON.parse(l) as ProbeResult);
    expect(failed).toMatchObject({ target: 'nonexistent.invalid', status: 'error', reason: 'DNS ENOTFOUND for nonexistent.invalid' });
    expect(exitCode).toBe(1);
  });

  it('exits 2 through main() with a message naming the argument and value', async () => {
    // Prepare
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });

    // Act
    const code = await main(['node', 'portwatch', 'probe', 'broker.example.com', '--port', '99999']);
    spy.mockRestore();

    // Assess
    expect(code).toBe(2);
    expect(errors.join('')).toBe('portwatch: --port: "99999" is not a port (an integer 1-65535)\nrun portwatch probe --help for usage\n');
  });

  it('runs as `portwatch probe HOST:PORT --json` from the bin entry', async () => {
    // Act
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, [join(REPO, 'bin', 'portwatch.js'), 'probe', `127.0.0.1:${plain.port}`, '--json'], { cwd: REPO }, (_err, out) => {
        resolve({ code: child.exitCode, stdout: out });
      });
    });

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({ status: 'open', findings: ['anonymous-access', 'plaintext-mqtt'] });
  });
});

function thrownBy(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

describe('portwatch probe --ca, as a user runs it', () => {
  const pki = usePki();
  let trusted: RunningBroker;
  let selfSigned: RunningBroker;

  beforeAll(async () => {
    trusted = await startBroker({ tls: pki().trusted, auth: 'required' });
    selfSigned = await startBroker({ tls: pki().selfSigned, auth: 'required' });
  });
  afterAll(async () => {
    await Promise.all([trusted.close(), selfSigned.close()]);
  });

  /** A file in the suite's PKI folder, removed with it. */
  function pemFile(name: string, text: string): string {
    const path = join(pki().dir, name);
    writeFileSync(path, text);
    return path;
  }

  async function probeJson(port: number, extra: readonly string[]): Promise<ProbeResult> {
    const { code, stdout, stderr } = await runBin(['probe', `127.0.0.1:${port}`, '--json', '--depth', 'tls', ...extra]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const [result] = jsonLines(stdout) as unknown as ProbeResult[];
    return result as ProbeResult;
  }

  it('reports a broker signed by a private CA as untrusted-cert without --ca', async () => {
    // Act
    const result = await probeJson(trusted.port, []);

    // Assess
    expect(result.tls).toMatchObject({ authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', hostnameMatch: true });
    expect(result.findings).toEqual(['untrusted-cert']);
  });

  it('trusts that broker with --ca naming a bundle that holds its CA among others', async () => {
    // Prepare: an unrelated certificate first, the CA second, and a key that must be passed over.
    const bundle = pemFile('bundle.pem', `${selfSignedCert('/CN=unrelated CA', null)}${pki().ca.key}${pki().ca.cert}`);

    // Act
    const result = await probeJson(trusted.port, ['--ca', bundle]);

    // Assess
    expect(result.tls).toMatchObject({ authorized: true, authorizationError: null, hostnameMatch: true });
    expect(result.findings).toEqual([]);
  });

  it('leaves a self-signed broker self-signed-cert under an unrelated --ca', async () => {
    // Act
    const result = await probeJson(selfSigned.port, ['--ca', join(pki().dir, 'ca.pem')]);

    // Assess
    expect(result.tls).toMatchObject({ authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(result.findings).toEqual(['self-signed-cert']);
  });

  it.each([
    ['a missing file', () => join(pki().dir, 'missing.pem'), 'does not exist'],
    ['a file that is not PEM', () => pemFile('notes.txt', 'listener 8883\n'), 'is not PEM (no "-----BEGIN CERTIFICATE-----" block)'],
    ['a PEM file with no certificate', () => pemFile('only-key.pem', pki().ca.key), 'holds no certificate (PEM blocks found: PRIVATE KEY)'],
  ])('exits 2 on %s, naming --ca and the path', async (_case, path, problem) => {
    // Prepare
    const file = path();

    // Act
    const { code, stdout, stderr } = await runBin(['probe', '127.0.0.1:1', '--ca', file]);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`portwatch: --ca: ${JSON.stringify(file)} ${problem}\nrun portwatch probe --help for usage\n`);
  });
});
