/**
 * `portwatch status` and `history` with several vantage points: a local state directory holding a
 * target state and events with a reach, written through the real DynamoDbStateStore on the embedded
 * DynamoDB (dynalite), read through the real CLI entry point.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBackend } from '../../../lib/cli/backend';
import type { Evidence, Reach, TargetEvent, TargetState } from '../../../lambda/monitor/model';
import { jsonLines, runCli } from './cli-harness';

const PARTIAL: Reach = { open: ['eu-west-1', 'us-east-1'], notOpen: ['ap-southeast-2'], unknown: [], partialSince: '2026-11-24T10:05:00.000Z' };
const OPEN: Evidence = { reason: 'connected', latencyMs: 3, addresses: [{ address: '203.0.113.10', family: 4, status: 'open', reason: 'connected', latencyMs: 3 }], tls: null, mqtt: null };

function state(target: string, reach: Reach | undefined): TargetState {
  return {
    target, display: `${target}:8883`, status: 'open', open: true, since: '2026-11-24T09:00:00.000Z', statusSince: '2026-11-24T09:00:00.000Z', reason: 'connected',
    findings: [], evidence: OPEN, expect: 'open', version: 3, updatedAt: '2026-11-24T10:05:00.000Z', outbox: [], ...(reach ? { reach } : {}),
  };
}

function event(version: number, at: string, reach: Reach | undefined): TargetEvent {
  return {
    target: 'broker.example.com', version, kind: reach ? 'reach' : 'baseline', at, from: reach ? 'open' : null, to: 'open', findingsBefore: [], findings: [],
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
      for (const target of ['broker.example.com', 'far.example.com', 'quiet.example.com']) await backend.targets.put({ target, expect: 'open' });
      expect(await backend.store.putState(state('broker.example.com', PARTIAL), null)).toBe(true);
      expect(await backend.store.putState(state('quiet.example.com', undefined), null)).toBe(true);
      expect(await backend.store.putState(state('far.example.com', { open: ['eu-west-1', 'us-east-1'], notOpen: [], unknown: ['ap-southeast-2'], partialSince: null }), null)).toBe(true);
      await backend.store.putEvent(event(1, '2026-11-24T09:00:00.000Z', undefined));
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
    expect(result.stdout).toContain('3 targets: 3 open\nvantage points: 1 target partially reachable; ap-southeast-2 unknown for 1 target\n');
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
    expect(json.map((r) => [r.target, r.reach])).toEqual([['broker.example.com', PARTIAL], ['far.example.com', expect.objectContaining({ unknown: ['ap-southeast-2'] })], ['quiet.example.com', undefined]]);
    expect(quiet[0]).not.toHaveProperty('reach');
  });

  it('history words the reach events: partial, and reachable from all again', async () => {
    // Act
    const text = await runCli(['history', 'broker.example.com', '--state', stateDir]);
    const json = jsonLines((await runCli(['history', 'broker.example.com', '--state', stateDir, '--json'])).stdout);
    // Assess
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^AT\s+EVENT\s+CHANGE\s+FINDINGS\s+ALERT\s+REASON$/);
    expect(lines[1]).toMatch(/^2026-11-24 10:05:00Z\s+reach\s+reachable from all: open from ap-southeast-2, eu-west-1, us-east-1\s+-\s+yes\s+connected$/);
    expect(lines[2]).toMatch(/^2026-11-24 10:00:00Z\s+reach\s+partial: open from eu-west-1, us-east-1; not open from ap-southeast-2\s+-\s+-\s+connected$/);
    expect(lines[3]).toMatch(/^2026-11-24 09:00:00Z\s+baseline\s+\(first\) -> open\s/);
    expect(json.map((e) => [e.kind, e.reach])).toEqual([['reach', expect.objectContaining({ notOpen: [] })], ['reach', PARTIAL], ['baseline', undefined]]);
  });
});
