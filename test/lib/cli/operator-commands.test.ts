import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBackend } from '../../../lib/cli/backend';
import type { Evidence, Observation, Reach, TargetEvent, TargetState } from '../../../lambda/monitor/model';
import type { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store';
import { jsonLines, LoopbackPort, runCli } from './cli-harness';

/**
 * The operator commands (`targets`, `status`, `history`) run in-process through the real entry point,
 * against a local state directory on the embedded DynamoDB.
 */
describe('portwatch targets / status / history on a local state directory', () => {
  let dir: string;
  let state: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-cli-'));
    state = join(dir, 'state');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses read commands on a directory that holds no state, naming --state', async () => {
    const result = await runCli(['status', '--state', join(dir, 'nothing-here')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--state: ');
    expect(result.stderr).toContain('holds no portwatch state');
    expect(existsSync(join(dir, 'nothing-here'))).toBe(false);
  });

  it('adds targets (creating the state directory) and replaces one with the same key', async () => {
    const added = await runCli(['targets', 'add', 'broker.example.com', '--expect', 'open', '--depth', 'tls', '--label', 'team=iot', '--state', state]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toBe(`added broker.example.com (broker.example.com:8883, expect open, depth tls) in local state ${state}\n`);

    // A pasted key with spaces around it names the same item: the CLI trims what it reads.
    const replaced = await runCli(['targets', 'add', ' broker.example.com ', '--expect', 'closed', '--state', state, '--json']);
    expect(replaced.code).toBe(0);
    expect(jsonLines(replaced.stdout)).toEqual([expect.objectContaining({ action: 'replaced', target: 'broker.example.com', expect: 'closed', depth: 'mqtt', port: 8883 })]);

    const disabled = await runCli(['targets', 'add', '[2001:db8::5]:1883', '--disabled', '--description', 'lab', '--timeout', '500', '--state', state]);
    expect(disabled.code).toBe(0);

    const list = await runCli(['targets', 'list', '--state', state, '--json']);
    expect(jsonLines(list.stdout)).toEqual([
      expect.objectContaining({ target: '[2001:db8::5]:1883', host: '2001:db8::5', port: 1883, enabled: false, description: 'lab', timeoutMs: 500 }),
      expect.objectContaining({ target: 'broker.example.com', expect: 'closed', enabled: true, labels: {} }),
    ]);
    const text = await runCli(['targets', 'list', '--state', state]);
    expect(text.stdout).toMatch(/^TARGET\s+EXPECT\s+DEPTH\s+ENABLED\s+LABELS\s+MUTED\s+DESCRIPTION\n/);
    expect(text.stdout).toMatch(/\[2001:db8::5\]:1883\s+any\s+mqtt\s+no\s+-\s+-\s+lab\n/);
    expect(text.stdout).toContain('2 targets\n');
  });

  it('adds an IP target with --server-name, stored in canonical form', async () => {
    const added = await runCli(['targets', 'add', '203.0.113.10', '--server-name', 'Broker.Example.com', '--state', state]);
    expect(added).toMatchObject({ code: 0, stderr: '' });

    const list = await runCli(['targets', 'list', '--state', state, '--json']);
    expect(jsonLines(list.stdout)).toContainEqual(expect.objectContaining({ target: '203.0.113.10', serverName: 'broker.example.com' }));
  });

  it('adds a fast-lane target with --every, shown by the add line and by targets list', async () => {
    const added = await runCli(['targets', 'add', 'gateway.example.com', '--expect', 'closed', '--every', '10s', '--state', state]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toBe(`added gateway.example.com (gateway.example.com:8883, expect closed, depth mqtt, every 10s) in local state ${state}\n`);

    const list = await runCli(['targets', 'list', '--state', state, '--json']);
    expect(jsonLines(list.stdout)).toContainEqual(expect.objectContaining({ target: 'gateway.example.com', every: 10_000 }));
  });

  it.each([
    [['targets', 'add', '203.0.113.10', '--server-name', '198.51.100.1'], '--server-name: "198.51.100.1" is an IP address'],
    [['targets', 'add', 'h.example.com', '--expect', 'bogus'], '--expect: "bogus" must be one of open, closed'],
    [['targets', 'add', 'h.example.com', '--depth', 'udp'], '--depth: "udp" must be one of tcp, tls, mqtt'],
    [['targets', 'add', 'h.example.com:99999'], 'TARGET: "h.example.com:99999" has a port that is not an integer 1-65535'],
    [['targets', 'add', 'bad host'], 'TARGET: "bad host" contains whitespace'],
    [['targets', 'add', 'h.example.com', '--label', 'bad label=x'], '--label (label bad label): "bad label" is not a label name'],
    [['targets', 'add', 'h.example.com', '--timeout', '50'], '--timeout: "50" is not a timeout in ms (100-30000)'],
    [['targets', 'add', 'h.example.com', '--label', 'team'], '--label: "team" must be key=value'],
    [['targets', 'add', 'h.example.com', '--every', '12s'], '--every: "12s" must be one of 10s, 15s, 20s, 30s, 1m or schedule'],
    [['targets', 'add', 'mqtts://h.example.com:8883'], 'TARGET: "mqtts://h.example.com:8883" is a URL: write host:port, e.g. h.example.com:8883'],
    [['targets', 'add', 'h.example.com', '--bogus'], '--bogus: not an option of portwatch targets add'],
    [['targets', 'list', '--state', 's', '--stack', 'Portwatch'], '--state and --stack name two different backends'],
    [['history', 'h.example.com', '--limit', '0'], '--limit: "0" is not a number of events (1-10000)'],
  ])('exits 2 on bad input %j, naming the problem', async (args, message) => {
    const result = await runCli([...args, ...(args.includes('--state') ? [] : ['--state', state])]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('removes a target by its key or by host:port, and exits 1 for one that does not exist', async () => {
    await runCli(['targets', 'add', 'gone.example.com', '--state', state]);
    const removed = await runCli(['targets', 'remove', 'gone.example.com:8883', '--state', state]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`removed gone.example.com from local state ${state}`);

    const missing = await runCli(['targets', 'remove', 'gone.example.com', '--state', state]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no target "gone.example.com" in local state ${state}`);
  });

  it('imports 2,000 CSV rows, listing each refused line by number, and rewrites nothing on a second import', async () => {
    // Prepare: 2,000 rows; rows 101, 1202 and 1999 of the data (file lines 102, 1203, 2000) are bad.
    const rows = ['target,expect,depth,labels,description'];
    for (let i = 1; i <= 2000; i++) {
      if (i === 101) rows.push('bad host.example.com,closed,tcp,,');
      else if (i === 1202) rows.push(`h${i}.example.com,sometimes,tcp,,`);
      else if (i === 1999) rows.push(`h${i}.example.com:0,open,tcp,,`);
      else rows.push(`h${i}.example.com,${i % 2 ? 'closed' : 'open'},tcp,site=s${i % 7};team=iot,"row ${i}"`);
    }
    const file = join(dir, 'fleet.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const importState = join(dir, 'import-state');

    // Act
    const first = await runCli(['targets', 'import', file, '--state', importState]);
    const second = await runCli(['targets', 'import', file, '--state', importState, '--json']);
    const list = await runCli(['targets', 'list', '--state', importState, '--json']);

    // Assess
    expect(first.code).toBe(2);
    expect(first.stderr.split('\n').filter((l) => l.includes(`${file}:`))).toEqual([
      `portwatch: ${file}:102: target: "bad host.example.com" contains whitespace or control characters`,
      `portwatch: ${file}:1203: expect: "sometimes" must be one of open, closed`,
      `portwatch: ${file}:2000: target: "h1999.example.com:0" has a port that is not an integer 1-65535`,
    ]);
    expect(first.stdout).toBe(`imported 1997 targets from ${file} into local state ${importState}: 1997 added, 0 changed, 0 unchanged\n`);
    expect(second.code).toBe(2);
    expect(jsonLines(second.stdout)).toEqual([expect.objectContaining({ format: 'csv', valid: 1997, refused: 3, added: 0, changed: 0, unchanged: 1997 })]);
    const items = jsonLines(list.stdout);
    expect(items).toHaveLength(1997);
    expect(items.find((i) => i.target === 'h7.example.com')).toMatchObject({ expect: 'closed', depth: 'tcp', labels: { site: 's0', team: 'iot' }, description: 'row 7' });
  });

  it('import --prune makes the file the whole list; --dry-run writes nothing', async () => {
    const pruneState = join(dir, 'prune-state');
    const big = join(dir, 'big.txt');
    const small = join(dir, 'small.txt');
    writeFileSync(big, 'a.example.com\nb.example.com expect=closed\nc.example.com\n');
    writeFileSync(small, '# only b now\nb.example.com expect=open\n');
    await runCli(['targets', 'import', big, '--state', pruneState]);

    const dry = await runCli(['targets', 'import', small, '--prune', '--dry-run', '--state', pruneState]);
    expect(dry).toMatchObject({ code: 0, stdout: `${small}: 1 valid target, 0 lines refused (dry run: nothing written)\n` });
    const pruned = await runCli(['targets', 'import', small, '--prune', '--state', pruneState]);
    expect(pruned.stdout).toContain('0 added, 1 changed, 0 unchanged, 2 removed');
    const list = await runCli(['targets', 'list', '--state', pruneState, '--json']);
    expect(jsonLines(list.stdout)).toEqual([expect.objectContaining({ target: 'b.example.com', expect: 'open' })]);
  });

  it('shows status and history of targets probed by portwatch local, including not-yet-probed and removed ones', async () => {
    // Prepare: run two ticks of the pipeline in-process against a loopback port that opens in between.
    const port = await LoopbackPort.reserve();
    const runState = join(dir, 'run-state');
    const target = `127.0.0.1:${port.port}`;
    const local = (extra: string[] = []): Promise<unknown> =>
      runCli(['local', `${target} expect=closed depth=tcp label=env=test`, 'other.invalid:1 depth=tcp', '--ticks', '1', '--state', runState, '--timeout', '300', '--confirm-delay', '0', ...extra]);
    await local();
    await port.open();
    try {
      await local(['--json']);
    } finally {
      await port.close();
    }
    await runCli(['local', `${target} expect=closed depth=tcp label=env=test`, '--ticks', '1', '--state', runState, '--timeout', '300', '--confirm-delay', '0', '--deny-private']);
    await runCli(['targets', 'add', 'later.invalid', '--state', runState]);

    // Act
    const all = await runCli(['status', '--state', runState]);
    const allJson = await runCli(['status', '--state', runState, '--json']);
    const one = await runCli(['status', target, '--state', runState]);
    const history = await runCli(['history', target, '--state', runState]);
    const historyJson = await runCli(['history', target, '--state', runState, '--json', '--limit', '2']);
    const unknown = await runCli(['status', 'nowhere.example.com', '--state', runState]);

    // Assess
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^TARGET\s+STATUS\s+FOR\s+EXPECT\s+FINDINGS\s+MUTED\s+REASON\n/);
    // The last run refused loopback (--deny-private): recorded as a status change, not a transition.
    expect(all.stdout).toMatch(new RegExp(`${target.replace(/\./g, '\\.')}\\s+error\\s+\\S+ s\\s+closed\\s+-\\s+-\\s+.*refused: 127\\.0\\.0\\.1 is loopback`));
    expect(all.stdout).toMatch(/other\.invalid:1\s+error \(removed\)/);
    expect(all.stdout).toMatch(/later\.invalid\s+not probed yet\s+-\s+any/);
    expect(all.stdout).toMatch(/\n3 targets: 1 error, 1 not probed yet, 1 error \(removed\)\n$/);
    const rows = jsonLines(allJson.stdout);
    expect(rows.map((r) => [r.target, r.status, r.inTargets])).toEqual([
      [target, 'error', true],
      ['later.invalid', 'not-probed', true],
      ['other.invalid:1', 'error', false],
    ]);
    expect(one.stdout).toMatch(/^target\s+127\.0\.0\.1:\d+\n/);
    expect(one.stdout).toMatch(/\nopen since\s+\S+ \S+ \(\d+ s\)\n/);
    expect(one.stdout).toMatch(/\nlabels\s+env=test\n/);
    expect(one.stdout).toMatch(/\npending alerts\s+none\n/);
    const lines = history.stdout.split('\n');
    expect(lines[0]).toMatch(/^AT\s+EVENT\s+CHANGE\s+FINDINGS\s+ALERT\s+REASON$/);
    expect(lines[1]).toMatch(/\sstatus\s+open -> error\s+-\s+-\s+.*refused: 127\.0\.0\.1 is loopback/);
    expect(lines[2]).toMatch(/\stransition\s+closed -> open\s+-\s+yes\s+127\.0\.0\.1: connected$/);
    expect(lines[3]).toMatch(/\sbaseline\s+\(first\) -> closed\s+-\s+-\s+127\.0\.0\.1: ECONNREFUSED$/);
    expect(lines).toHaveLength(5);
    expect(jsonLines(historyJson.stdout).map((e) => [e.kind, e.from, e.to, e.alerted])).toEqual([
      ['status', 'open', 'error', false],
      ['transition', 'closed', 'open', true],
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no target "nowhere.example.com"');
  });

  it('has --help with examples on every command', async () => {
    for (const args of [['local'], ['targets'], ['targets', 'add'], ['targets', 'remove'], ['targets', 'list'], ['targets', 'import'], ['status'], ['history']]) {
      const help = await runCli([...args, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
      expect(help.stdout).toContain('$ portwatch');
    }
  });
});

/*
 * With several vantage points: a state holding target states and events with a reach, written through
 * the real DynamoDbStateStore on the embedded DynamoDB, read through the real entry point. In this
 * file, not its own, so that it shares this file's load of the CLI (about a second under jest).
 */
const PARTIAL: Reach = { open: ['eu-west-1', 'us-east-1'], notOpen: ['ap-southeast-2'], unknown: [], partialSince: '2026-11-24T10:05:00.000Z' };
const OPEN: Evidence = { reason: 'connected', latencyMs: 3, addresses: [{ address: '203.0.113.10', family: 4, status: 'open', reason: 'connected', latencyMs: 3 }], tls: null, mqtt: null };

function state(target: string, reach: Reach | undefined): TargetState {
  return {
    target, display: `${target}:8883`, status: 'open', open: true, since: '2026-11-24T09:00:00.000Z', statusSince: '2026-11-24T09:00:00.000Z', reason: 'connected',
    findings: [], evidence: OPEN, expect: 'open', version: 3, updatedAt: '2026-11-24T10:05:00.000Z', outbox: [], ...(reach ? { reach } : {}),
  };
}

function event(version: number, at: string, reach: Reach | undefined, kind: TargetEvent['kind'] = reach ? 'reach' : 'baseline'): TargetEvent {
  return {
    target: 'broker.example.com', version, kind, at, from: kind === 'baseline' ? null : 'open', to: 'open', findingsBefore: [], findings: [],
    reason: 'connected', evidence: OPEN, alerted: version === 3, ...(reach ? { reach } : {}),
  };
}

describe('portwatch status / history with several vantage points', () => {
  let dir: string;
  let stateDir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-reach-'));
    stateDir = join(dir, 'state');
    await withBackend({ state: stateDir }, 'create', async (backend) => {
      for (const target of ['broker.example.com', 'far.example.com', 'quiet.example.com', 'first.example.com']) await backend.targets.put({ target, expect: 'open' });
      expect(await backend.store.putState(state('broker.example.com', PARTIAL), null)).toBe(true);
      expect(await backend.store.putState(state('quiet.example.com', undefined), null)).toBe(true);
      expect(await backend.store.putState(state('far.example.com', { open: ['eu-west-1', 'us-east-1'], notOpen: [], unknown: ['ap-southeast-2'], partialSince: null }), null)).toBe(true);
      // Written by the first vantage point to decide, on the target's first tick: the others were not known yet.
      expect(await backend.store.putState(state('first.example.com', { open: ['eu-west-1'], notOpen: [], unknown: ['ap-southeast-2', 'us-east-1'], partialSince: null }), null)).toBe(true);
      // What the vantage points' own views and heartbeats say now (status reads the reach from them).
      const store = backend.store as DynamoDbStateStore;
      const look = (status: 'open' | 'closed'): Observation => ({ status, reason: status === 'open' ? 'connected' : 'ECONNREFUSED', findings: [], evidence: OPEN, at: '2026-11-24T10:05:00.000Z' });
      const views: [string, string, 'open' | 'closed'][] = [
        ['broker.example.com', 'eu-west-1', 'open'], ['broker.example.com', 'us-east-1', 'open'], ['broker.example.com', 'ap-southeast-2', 'closed'],
        ['far.example.com', 'eu-west-1', 'open'], ['far.example.com', 'us-east-1', 'open'],
        ['first.example.com', 'eu-west-1', 'open'], ['first.example.com', 'us-east-1', 'open'], ['first.example.com', 'ap-southeast-2', 'open'],
      ];
      for (const [target, vantage, status] of views) expect(await store.putView({ target, vantage, observation: look(status), since: '2026-11-24T10:05:00.000Z', version: 1 }, null)).toBe(true);
      for (const vantage of ['ap-southeast-2', 'eu-west-1', 'us-east-1']) await store.putHeartbeat(vantage, { at: '2026-11-24T10:10:00.000Z', previous: '2026-11-24T10:05:00.000Z' });
      await backend.store.putEvent(event(1, '2026-11-24T09:00:00.000Z', undefined));
      const closing: Reach = { ...PARTIAL, open: ['us-east-1'], notOpen: ['ap-southeast-2', 'eu-west-1'] };
      await backend.store.putEvent({ ...event(4, '2026-11-24T10:10:00.000Z', closing, 'transition'), to: 'closed', reason: 'ECONNREFUSED' });
      await backend.store.putEvent(event(2, '2026-11-24T10:00:00.000Z', PARTIAL));
      await backend.store.putEvent(event(3, '2026-11-24T10:05:00.000Z', { ...PARTIAL, open: ['ap-southeast-2', 'eu-west-1', 'us-east-1'], notOpen: [], partialSince: null }));
    });
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('the table shows the partial reach beside the status, and under it the partial and unknown counts; a target without one is shown as before', async () => {
    // Act
    const result = await runCli(['status', '--state', stateDir]);
    // Assess
    expect(result.code).toBe(0);
    const rows = result.stdout.split('\n');
    expect(rows.find((l) => l.startsWith('broker.example.com '))).toMatch(/^broker\.example\.com\s+open \(partial: not open from ap-southeast-2 since 2026-11-24 10:05:00Z\)\s+\d/);
    expect(rows.find((l) => l.startsWith('quiet.example.com '))).toMatch(/^quiet\.example\.com\s+open\s+\d/);
    expect(rows.find((l) => l.startsWith('far.example.com '))).toMatch(/^far\.example\.com\s+open\s+\d/);
    // The recorded reach of first.example.com named two vantage points unknown; their views say open.
    expect(result.stdout).toContain('4 targets: 4 open\nvantage points: 1 target partially reachable; ap-southeast-2 unknown for 1 target\n');
  });

  it('the detail view lists every vantage point; --json carries the reach, and no reach key for a target without one', async () => {
    // Act
    const detail = await runCli(['status', 'broker.example.com', '--state', stateDir]);
    const json = jsonLines((await runCli(['status', '--state', stateDir, '--json'])).stdout);
    const quiet = jsonLines((await runCli(['status', 'quiet.example.com', '--state', stateDir, '--json'])).stdout);
    // Assess
    const lines = detail.stdout.split('\n');
    expect(lines).toContain('status          open (partial: not open from ap-southeast-2 since 2026-11-24 10:05:00Z)');
    expect(lines).toEqual(expect.arrayContaining(['open from       eu-west-1, us-east-1', 'not open from   ap-southeast-2', 'unknown from    none']));
    expect(json.map((r) => [r.target, r.reach])).toEqual([
      ['broker.example.com', PARTIAL],
      ['far.example.com', expect.objectContaining({ unknown: ['ap-southeast-2'] })],
      ['first.example.com', { open: ['ap-southeast-2', 'eu-west-1', 'us-east-1'], notOpen: [], unknown: [], partialSince: null }],
      ['quiet.example.com', undefined],
    ]);
    expect(quiet[0]).not.toHaveProperty('reach');
  });

  it('history words the reach events (partial, reachable from all again) and says where a transition holds when vantage points disagree', async () => {
    // Act
    const text = await runCli(['history', 'broker.example.com', '--state', stateDir]);
    const json = jsonLines((await runCli(['history', 'broker.example.com', '--state', stateDir, '--json'])).stdout);
    // Assess
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^AT\s+EVENT\s+CHANGE\s+FINDINGS\s+ALERT\s+REASON$/);
    expect(lines.splice(1, 1)[0]).toMatch(/^2026-11-24 10:10:00Z\s+transition\s+open -> closed \(from ap-southeast-2, eu-west-1\)\s+-\s+-\s+ECONNREFUSED$/);
    expect(lines[1]).toMatch(/^2026-11-24 10:05:00Z\s+reach\s+reachable from all: open from ap-southeast-2, eu-west-1, us-east-1\s+-\s+yes\s+connected$/);
    expect(lines[2]).toMatch(/^2026-11-24 10:00:00Z\s+reach\s+partial: open from eu-west-1, us-east-1; not open from ap-southeast-2\s+-\s+-\s+connected$/);
    expect(lines[3]).toMatch(/^2026-11-24 09:00:00Z\s+baseline\s+\(first\) -> open\s/);
    expect(json.map((e) => [e.kind, e.reach]).slice(1)).toEqual([['reach', expect.objectContaining({ notOpen: [] })], ['reach', PARTIAL], ['baseline', undefined]]);
  });
});
