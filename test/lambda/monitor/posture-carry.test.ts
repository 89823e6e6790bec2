/**
 * The slow posture questions on their own cadence (posture-carry.ts, cadence.ts): real aedes brokers
 * on loopback (a TLS one, and a plain one on the port beside it as its plaintext listener), the real
 * probe, state and digests on dynalite. A core look must never lose a finding it did not ask about,
 * must still catch what it does ask (anonymous access), and a slow-due look asks everything again.
 */
import { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../../lambda/adapters/aws/dynamodb-target-digests';
import { DynamoDbTargets } from '../../../lambda/adapters/operator/dynamodb-targets';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/local/embedded-dynamodb';
import { slowPostureDue, type PostureCadence } from '../../../lambda/monitor/cadence';
import { coreFindingsAgree } from '../../../lambda/monitor/posture-carry';
import { ProberService, type ProbeFn } from '../../../lambda/monitor/prober/service';
import { probeTarget } from '../../../lambda/probe/index';
import { startBroker, type RunningBroker } from '../../helpers/brokers';
import { usePki } from '../../helpers/certs';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { testProberConfig } from '../../helpers/observations';
import { RecordingNotifier } from '../../helpers/recording-notifier';

let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

const MINUTE = 60_000;
/** Every look deep (as at 5-minute ticks), the slow questions hourly. */
const CADENCE: PostureCadence = { tickMs: MINUTE, postureEveryMs: MINUTE, slowPostureEveryMs: 60 * MINUTE };

describe('the slow posture questions, asked hourly and carried between (real brokers, dynalite)', () => {
  const pki = usePki();

  it('core looks ask the plaintext listener themselves and carry the protocol levels; a core look sees the broker turn anonymous and the listener close', async () => {
    // Prepare: a TLS broker that wants credentials until `auth.tls` says otherwise, and a plain one beside it.
    const auth = { tls: 'required' as 'anonymous' | 'required' };
    const tls = await startBroker({ tls: pki().trusted, auth: () => auth.tls });
    let plain: RunningBroker | null = await startBroker({ auth: 'required' });
    const target = `localhost:${tls.port}`;
    const tables = await freshTables(db);
    const repo = new DynamoDbTargets(db.client, tables.targets);
    await repo.put({ target, expect: 'open', depth: 'mqtt', plaintextPort: plain.port });
    const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
    // Tick times: the first look is full (nothing known), the next two are not slow-due, the fourth is.
    // Two hours: the port (and so the target's hourly slot) is random, and a slot in the first three
    // minutes of an hour has its three quiet ticks before it in the hour before.
    const ticks = Array.from({ length: 120 }, (_, i) => Date.parse('2026-11-24T10:00:00.000Z') + i * MINUTE);
    const due = ticks.filter((t) => slowPostureDue(target, t, CADENCE));
    const start = ticks.find((t) => !slowPostureDue(target, t + MINUTE, CADENCE) && !slowPostureDue(target, t + 2 * MINUTE, CADENCE) && due.includes(t + 3 * MINUTE));
    if (start === undefined || due.length !== 2) throw new Error(`expected one slow-due tick an hour, got ${due.length} in two hours`);
    let ms = start;
    const postures: string[] = [];
    const probe: ProbeFn = (spec, options) => {
      if (spec.depth !== 'tcp') postures.push(spec.posture ?? 'all');
      return probeTarget(spec, options);
    };
    const notifier = new RecordingNotifier();
    const config = testProberConfig({ cadence: CADENCE, probeOptions: { timeoutMs: 1000, certExpiringDays: 14, ca: pki().ca.cert } });
    const service = new ProberService({ store, digests: new DynamoDbTargetDigests(db.client, tables.targets), notifier, probe, now: () => new Date(ms), sleep: async () => {} }, config);
    const tick = async () => {
      const report = await service.run([{ id: 'm', items: await repo.listAll(), tick: new Date(ms).toISOString() }]);
      ms += MINUTE;
      return report;
    };

    try {
      // Act
      await tick(); // 1: full (nothing known yet)
      await tick(); // 2: core, which asks the plaintext listener itself
      const afterCore = await store.getState(target);
      const plainConnacks = plain.seen.connacks.length;
      auth.tls = 'anonymous';
      await plain.close();
      plain = null;
      await tick(); // 3: core: both changes, confirmed by a core re-probe
      const afterChange = await store.getState(target);
      await tick(); // 4: the slow questions are due: full

      // Assess
      expect(postures).toEqual(['all', 'core', 'core', 'core', 'all']);
      expect(plainConnacks).toBe(2);
      expect(afterCore?.findings).toEqual(['plaintext-listener']);
      expect(afterCore?.evidence.plaintextListener).toMatchObject({ status: 'open', connack: 5 });
      // Carried from the full look: the core look did not ask the protocol levels.
      expect(afterCore?.evidence.mqtt?.versions).toEqual({ '3.1': true, '3.1.1': true, '5': false });
      expect(afterChange?.findings).toEqual(['anonymous-access']);
      expect(afterChange?.evidence.plaintextListener).toMatchObject({ status: 'closed' });
      expect(notifier.accepted.map((a) => `${a.event} +${a.addedFindings.join(',')} -${a.removedFindings.join(',')}`)).toEqual([
        'posture +anonymous-access -plaintext-listener',
      ]);
    } finally {
      await Promise.all([tls.close(), plain?.close()]);
    }
  });

  it('a core look makes one CONNECT over TLS and one to the plaintext listener, and finds what the full look finds here', async () => {
    // Prepare
    const tls = await startBroker({ tls: pki().trusted, auth: 'anonymous' });
    const plain = await startBroker({ auth: 'anonymous' });
    const spec = { target: `localhost:${tls.port}`, host: 'localhost', port: tls.port, transport: 'tcp', depth: 'mqtt', plaintextPort: plain.port } as const;
    const options = { timeoutMs: 1000, certExpiringDays: 14, ca: pki().ca.cert };

    try {
      // Act
      const full = await probeTarget(spec, options);
      const before = { tls: tls.seen.connacks.length };
      const core = await probeTarget({ ...spec, posture: 'core' }, options);

      // Assess: one CONNECT over TLS (no protocol-level questions) and the plaintext listener's.
      expect(full.findings).toEqual(['anonymous-access', 'plaintext-listener']);
      expect(tls.seen.connacks.length - before.tls).toBe(1);
      // (The broker's own count of the plaintext CONNACK may lag the probe's return; the probe's evidence does not.)
      expect(core.plaintextListener).toMatchObject({ status: 'open', connack: 0, anonymous: true });
      expect(core.findings).toEqual(['anonymous-access', 'plaintext-listener']);
      expect(core.tls).toMatchObject({ legacyTls: null, cert: { fingerprint256: full.tls?.cert?.fingerprint256 } });
      expect(coreFindingsAgree(full.findings, core.findings)).toBe(true);
    } finally {
      await Promise.all([tls.close(), plain.close()]);
    }
  });
});

describe('coreFindingsAgree', () => {
  it.each([
    [['legacy-tls', 'self-signed-cert'], ['self-signed-cert'], true],
    [['weak-cipher'], [], true],
    [['self-signed-cert'], ['anonymous-access', 'self-signed-cert'], false],
    [['anonymous-access', 'plaintext-listener'], [], false], // anonymous through the listener, or not: the state says
    [[], ['weak-cipher'], false], // the core look's own TLS 1.2 suite is news
  ] as const)('recorded %j, core %j: %s', (recorded, core, agree) => {
    expect(coreFindingsAgree(recorded, core)).toBe(agree);
  });
});
