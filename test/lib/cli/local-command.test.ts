import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTargetArgs, probeFlags, topicRegion } from '../../../lib/cli/local-args';
import { parseDuration as parseDurationMs } from '../../../lambda/parse/duration';
import { startBroker } from '../../helpers/brokers';
import { createTestPki } from '../../helpers/certs';
import { jsonLines, runCli } from './cli-harness';

/** `portwatch local` in-process: option validation, target arguments, SNS fan-out, terminal output. */
describe('portwatch local', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-localcmd-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [['--interval', '5x', '127.0.0.1'], '--interval: "5x" is not a duration (e.g. 30s, 5m)'],
    [['--interval', '30', '127.0.0.1'], '--interval: "30" is not a duration: add a unit, e.g. 30s'],
    [['--interval', '200ms', '127.0.0.1'], '--interval: "200ms" is not a duration from 1s to 1d'],
    [['--ticks', '0', '127.0.0.1'], '--ticks: "0" is not a number of ticks (1-1000000)'],
    [['--timeout', 'fast', '127.0.0.1'], '--timeout: "fast" is not a timeout in ms (100-30000)'],
    [['127.0.0.1:70000'], 'TARGET "127.0.0.1:70000": target: "127.0.0.1:70000" has a port that is not an integer 1-65535'],
    [['127.0.0.1 expect=sometimes'], 'TARGET "127.0.0.1 expect=sometimes": expect: "sometimes" must be one of open, closed'],
    [['--topic-arn', 'alerts', '127.0.0.1'], '--topic-arn: "alerts" is not an SNS topic ARN'],
    [['--allow', '10.0.0.1/8', '127.0.0.1'], '--allow: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?'],
    [['--targets', '/nonexistent/targets.txt'], 'cannot read targets file /nonexistent/targets.txt: no such file'],
    [['--no-such-flag'], '--no-such-flag: not an option of portwatch local'],
    [['--interval', '10s', '--posture-every', '5s', '127.0.0.1'], '--posture-every 5s is shorter than --interval 10s'],
    [['--plaintext-port', '70000', '127.0.0.1'], '--plaintext-port: "70000" is not a port'],
  ])('exits 2 on %j, naming the flag and the value', async (args, message) => {
    const result = await runCli(['local', '--ticks', '1', '--state', join(dir, 'unused'), ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('exits 2 when there is nothing to watch', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '# nothing yet\n');
    const fromFile = await runCli(['local', '--targets', empty, '--ticks', '1', '--state', join(dir, 'empty-state')]);
    const fromTable = await runCli(['local', '--ticks', '1', '--state', join(dir, 'empty-state')]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain(`no valid targets in ${empty}: nothing to watch`);
    expect(fromTable.code).toBe(2);
    expect(fromTable.stderr).toContain('no targets: give --targets FILE or TARGET arguments');
  });

  it('looks deep (TLS, MQTT) at every tick by default: a broker that starts requiring credentials is reported at the next tick', async () => {
    // Prepare: a TLS broker that lets anonymous clients in until the first tick has looked at it.
    const pki = createTestPki();
    let lockedAt = Infinity;
    const broker = await startBroker({ tls: { key: pki.selfSigned.key, cert: pki.selfSigned.cert }, auth: () => (Date.now() < lockedAt ? 'anonymous' : 'required') });
    const target = `127.0.0.1:${broker.port}`;
    const watcher = setInterval(() => {
      // Half an interval after the first CONNACK: tick 1 (and its confirmations) are over, tick 2 is to come.
      if (broker.seen.connacks.length > 0 && lockedAt === Infinity) lockedAt = Date.now() + 500;
    }, 10);
    try {
      // Act
      const result = await runCli(['local', `${target} depth=mqtt`, '--interval', '1s', '--ticks', '2', '--state', join(dir, 'posture-state'), '--json', '--timeout', '2000', '--confirm-delay', '0']);

      // Assess: the anonymous CONNACK (0) at tick 1, the refusal (5) at tick 2, and the alert for it.
      expect(result.code).toBe(0);
      expect(broker.seen.connacks[0]).toBe(0);
      expect(broker.seen.connacks).toContain(5);
      expect(jsonLines(result.stdout).map((a) => [a.event, a.addedFindings, a.removedFindings])).toEqual([
        // The first sight of a broker that lets anyone in alerts by itself.
        ['baseline', ['anonymous-access', 'self-signed-cert'], []],
        ['posture', [], ['anonymous-access']],
      ]);
    } finally {
      clearInterval(watcher);
      await broker.close();
      pki.cleanup();
    }
  });

  it('says how often it looks deep, and takes --posture-every as a whole number of ticks', async () => {
    const state = join(dir, 'cadence-state');
    const every = await runCli(['local', '127.0.0.1:1 depth=tcp', '--interval', '1s', '--ticks', '2', '--state', state, '--timeout', '300']);
    const once = await runCli(['local', '127.0.0.1:1 depth=tcp', '--ticks', '1', '--state', state, '--timeout', '300']);
    const slower = await runCli(['local', '127.0.0.1:1 depth=tcp', '--interval', '1s', '--posture-every', '5m', '--ticks', '2', '--state', state, '--timeout', '300']);
    const rounded = await runCli(['local', '127.0.0.1:1 depth=tcp', '--interval', '1s', '--posture-every', '2500ms', '--ticks', '2', '--state', state, '--timeout', '300']);

    expect([every.code, once.code, slower.code, rounded.code]).toEqual([0, 0, 0, 0]);
    expect(every.stdout).toContain(`watching 1 target every 1s, deep look (TLS, MQTT) every 1s (state in ${state}); alerts follow`);
    expect(once.stdout).toContain(`watching 1 target once, with a deep look (TLS, MQTT) (state in ${state}); alerts follow`);
    expect(slower.stdout).toContain(`watching 1 target every 1s, deep look (TLS, MQTT) every 5m (state in ${state}); alerts follow`);
    expect(rounded.stdout).toContain('deep look (TLS, MQTT) every 3s (');
    expect(rounded.stderr).toContain('--posture-every 2500ms is not a whole number of ticks of --interval 1s: a deep look every 3rd tick (3s)');
  });

  it('re-reads the targets file when it changes between ticks; removed targets keep their history', async () => {
    // Prepare
    const file = join(dir, 'live.txt');
    const state = join(dir, 'live-state');
    writeFileSync(file, '127.0.0.1:1 depth=tcp expect=open\n');
    const run = runCli(['local', '--targets', file, '--ticks', '2', '--interval', '1s', '--state', state, '--json', '--timeout', '300', '--confirm-delay', '0']);
    // The lock file appears once the file has been read and the database opened: edit it then.
    while (!existsSync(join(state, 'lock.json'))) await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, '# moved to port 2\n127.0.0.1:2 depth=tcp expect=open label=moved\n');

    // Act
    const result = await run;
    const list = await runCli(['targets', 'list', '--state', state, '--json']);
    const status = await runCli(['status', '--state', state, '--json']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`1 target now in ${file}: 1 added, 0 changed, 1 removed`);
    expect(jsonLines(result.stdout).map((a) => [a.event, a.target])).toEqual([
      ['baseline', '127.0.0.1:1'],
      ['baseline', '127.0.0.1:2'],
    ]);
    expect(jsonLines(list.stdout).map((i) => i.target)).toEqual(['127.0.0.1:2']);
    expect(jsonLines(status.stdout).map((r) => [r.target, r.status, r.inTargets])).toEqual([
      ['127.0.0.1:1', 'closed', false],
      ['127.0.0.1:2', 'closed', true],
    ]);
  });

  it('keeps the digests the prober stores: a rerun on the same file changes no target and settles them without state reads', async () => {
    // Prepare
    const file = join(dir, 'digest.txt');
    const state = join(dir, 'digest-state');
    writeFileSync(file, '127.0.0.1:1 depth=tcp expect=closed\n127.0.0.1:2 depth=tcp\n');
    const first = await runCli(['local', '--targets', file, '--ticks', '1', '--state', state, '--timeout', '300', '--confirm-delay', '0']);

    // Act
    const again = await runCli(['local', '--targets', file, '--ticks', '1', '--state', state, '--timeout', '300', '--confirm-delay', '0', '--verbose']);
    const list = await runCli(['targets', 'list', '--state', state, '--json']);

    // Assess
    expect([first.code, again.code]).toEqual([0, 0]);
    expect(again.stderr).toContain(`2 targets from ${file}: 0 added, 0 changed, 0 removed`);
    // Settled by their digests, but for one due its hourly check against the state (a 1-in-60 chance each).
    const counted = (name: string): number => Number(new RegExp(`tick done .*${name}=(\\d+)`).exec(again.stderr)?.[1] ?? NaN);
    expect(counted('digestHits') + counted('digestChecks')).toBe(2);
    expect(counted('digestHits')).toBeGreaterThanOrEqual(1);
    expect(jsonLines(list.stdout).map((i) => i.target)).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
  });

  it('publishes each alert to SNS before printing it when --topic-arn is given', async () => {
    // Prepare: a stand-in for SNS Publish (AWS Query protocol), reached through the standard endpoint variable.
    const published: URLSearchParams[] = [];
    const sns: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        published.push(new URLSearchParams(body));
        res.setHeader('content-type', 'text/xml');
        res.end('<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>');
      });
    });
    await new Promise<void>((r) => sns.listen(0, '127.0.0.1', r));
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${(sns.address() as AddressInfo).port}` });
    try {
      // Act
      const result = await runCli(['local', '127.0.0.1:1 depth=tcp expect=open', '--ticks', '1', '--state', join(dir, 'sns-state'), '--json', '--timeout', '300', '--confirm-delay', '0', '--topic-arn', 'arn:aws:sns:eu-west-1:123456789012:portwatch-alerts']);

      // Assess
      expect(result.code).toBe(0);
      expect(jsonLines(result.stdout)).toEqual([expect.objectContaining({ event: 'baseline', target: '127.0.0.1:1', to: 'closed' })]);
      expect(published).toHaveLength(1);
      expect(published[0]?.get('Action')).toBe('Publish');
      expect(published[0]?.get('TopicArn')).toBe('arn:aws:sns:eu-west-1:123456789012:portwatch-alerts');
      expect(published[0]?.get('Subject')).toBe('[portwatch] CLOSED 127.0.0.1:1 on first check (expected open)');
    } finally {
      process.env = saved;
      await new Promise((r) => sns.close(r));
    }
  });

  it('reads target arguments in the targets.txt line format', () => {
    expect(parseTargetArgs(['127.0.0.1:1883 depth=tcp label=a=b', '[::1]']).map((e) => [e.target.display, e.item])).toEqual([
      ['127.0.0.1:1883', { target: '127.0.0.1:1883', depth: 'tcp', labels: { a: 'b' } }],
      ['[::1]:8883', { target: '[::1]' }],
    ]);
  });

  it('parses durations and topic ARNs', () => {
    expect([parseDurationMs('30s'), parseDurationMs('5m'), parseDurationMs('1h'), parseDurationMs('1m30s'), parseDurationMs('250ms')]).toEqual([30_000, 300_000, 3_600_000, 90_000, 250]);
    expect([parseDurationMs('30'), parseDurationMs('1y'), parseDurationMs('-1s'), parseDurationMs('')]).toEqual([null, null, null, null]);
    expect(topicRegion('arn:aws:sns:eu-west-1:123456789012:alerts')).toBe('eu-west-1');
    expect(topicRegion('arn:aws-us-gov:sns:us-gov-west-1:123456789012:a.fifo')).toBe('us-gov-west-1');
    expect(topicRegion('arn:aws:sqs:eu-west-1:123456789012:q')).toBeNull();
  });
});

/** `portwatch local --ca`: the private CA of a fleet's brokers, trusted besides the public roots, as the stack's caBundle. */
describe('portwatch local --ca', () => {
  it('trusts a broker signed by a private CA only when --ca names it, and refuses a bad file naming --ca and the path', async () => {
    // Prepare: a TLS broker whose certificate the test CA signed; the CA as a PEM file.
    const pki = createTestPki();
    const broker = await startBroker({ tls: pki.trusted, auth: 'required' });
    const dir = mkdtempSync(join(tmpdir(), 'portwatch-localca-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, pki.ca.cert);
    const keyOnly = join(dir, 'key.pem');
    writeFileSync(keyOnly, pki.ca.key);
    const target = `127.0.0.1:${broker.port} expect=closed`;
    try {
      // Act
      const without = await runCli(['local', target, '--ticks', '1', '--json', '--state', join(dir, 'a')]);
      const withCa = await runCli(['local', target, '--ticks', '1', '--json', '--ca', caFile, '--state', join(dir, 'b')]);
      const bad = await runCli(['local', target, '--ticks', '1', '--ca', keyOnly, '--state', join(dir, 'c')]);
      const detail = await runCli(['status', `127.0.0.1:${broker.port}`, '--state', join(dir, 'b')]);

      // Assess: the first look finds the port open against expect=closed: one alert, carrying its findings.
      expect(without.code).toBe(0);
      expect(jsonLines(without.stdout).map((a) => a.findings)).toEqual([['untrusted-cert']]);
      expect(withCa.code).toBe(0);
      expect(jsonLines(withCa.stdout).map((a) => a.findings)).toEqual([[]]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`--ca: ${JSON.stringify(keyOnly)}`);
      expect(bad.stderr).toContain('holds no certificate');
      // The detail view says each fact once: the CONNACK reason already names its code.
      expect(detail.code).toBe(0);
      expect(detail.stdout).toMatch(/mqtt\s+CONNACK 5 \(not authorized\), anonymous refused/);
      expect(detail.stdout).not.toContain('CONNACK 5 (CONNACK');
      expect(detail.stdout).toMatch(/expires \S+ \(\d+ days\)/);
    } finally {
      await broker.close();
      pki.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('probeFlags: --plaintext-port as the prober setting', () => {
  it.each([
    [undefined, 1883],
    ['11883', 11883],
    ['none', 0],
    ['off', 0],
  ])('--plaintext-port %s -> %d (0 is off, as PLAINTEXT_PORT says it)', (flag, port) => {
    expect(probeFlags(flag === undefined ? {} : { plaintextPort: flag }).plaintextPort).toBe(port);
  });
});
