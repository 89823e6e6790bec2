import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../../../lambda/adapters/aws/dynamodb-target-digests';
import { DynamoDbTargets } from '../../../../lambda/adapters/operator/dynamodb-targets';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import type { PostureCadence } from '../../../../lambda/monitor/cadence';
import { ProberService, type ProbeFn } from '../../../../lambda/monitor/prober/service';
import type { CertFacts, ProbeResult } from '../../../../lambda/probe/types';
import { countRequests, freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';
import { probeResult, testProberConfig } from '../../../helpers/observations';
import { RecordingNotifier } from '../../../helpers/recording-notifier';

/*
 * Certificate changes end to end against dynalite: the scripted probe presents a leaf certificate on
 * every deep look; the state, history, digests and alerts are the real ones.
 */

let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const TARGET = 'broker.example';

function cert(fingerprint: string, key: string, validTo: string, issuer = 'CN=Example CA'): CertFacts {
  return { subject: 'CN=broker.example', issuer, subjectAltNames: ['DNS:broker.example'], validFrom: '2026-10-01T00:00:00.000Z', validTo, daysLeft: 60, fingerprint256: fingerprint, publicKeyFingerprint256: key, selfSigned: false };
}

const A = cert('AA:00:00:00:00:00:00:01:FF', 'KA', '2027-01-01T00:00:00.000Z');
const A_RENEWED = cert('AA:00:00:00:00:00:00:02:FF', 'KA', '2027-03-01T00:00:00.000Z');
const B = cert('BB:00:00:00:00:00:00:03:FF', 'KB', '2027-04-01T00:00:00.000Z');

async function setup(cadence: PostureCadence) {
  const tables = await freshTables(db);
  const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
  const repo = new DynamoDbTargets(db.client, tables.targets);
  const digests = new DynamoDbTargetDigests(db.client, tables.targets);
  let ms = T0;
  const now = (): Date => new Date(ms);
  const served: { cert: CertFacts } = { cert: A };
  const depths: string[] = [];
  const probe: ProbeFn = async (spec): Promise<ProbeResult> => {
    depths.push(spec.depth);
    const base = probeResult(spec.target, 'open', [], now().toISOString());
    // A connect-only look sees no certificate; a deep one sees what the broker serves right now.
    if (spec.depth === 'tcp') return base;
    return { ...base, depth: spec.depth, tls: { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', authorized: true, authorizationError: null, hostnameMatch: true, cert: served.cert, legacyTls: false, clientCertRequired: false } };
  };
  const notifier = new RecordingNotifier();
  const config = testProberConfig({ cadence });
  const service = new ProberService({ store, digests, notifier, probe, now, sleep: async () => {} }, config);
  await repo.put({ target: TARGET, expect: 'open', depth: 'tls' });
  const tick = async () => {
    ms += 60_000;
    return service.run([{ id: 'msg-1', items: await repo.listAll(), tick: now().toISOString() }]);
  };
  return { store, served, depths, notifier, tick };
}

describe('ProberService: certificate changes on dynalite (1-minute ticks)', () => {
  it('baseline A, renewal recorded without an alert, B alerted once after a re-probe, then quiet ticks settled by the digest', async () => {
    // Prepare: every look deep, as at 5-minute ticks.
    const { store, served, depths, notifier, tick } = await setup({ tickMs: 60_000, postureEveryMs: 60_000 });
    await tick();
    await tick(); // stores the digest of the quiet state

    // Act
    served.cert = A_RENEWED;
    const renewal = await tick();
    await tick();
    served.cert = B;
    depths.length = 0;
    const changed = await tick();
    const changeProbes = depths.length;
    await tick(); // stores the digest of the new state
    const counter = countRequests(db.client);
    const quiet = [await tick(), await tick(), await tick()];

    // Assess
    // Not settled by the digest of A: each change reads the state and writes (state, event, outbox).
    expect(renewal.digestHits).toBe(0);
    expect(renewal.writes).toBeGreaterThan(0);
    expect(changed).toMatchObject({ digestHits: 0, flapsSuppressed: 0 });
    // The core look, the full one its new certificate calls for at once (posture-carry.ts), the re-probe.
    expect(changeProbes).toBe(3);
    expect(notifier.accepted.map((a) => `${a.event} ${a.severity} ${a.certChange?.before.fingerprint256} -> ${a.evidence.tls?.cert?.fingerprint256} ${a.certChange?.reasons.join(',')}`)).toEqual([
      `cert-changed warning ${A_RENEWED.fingerprint256} -> ${B.fingerprint256} new-key`,
    ]);
    const history = await store.history(TARGET);
    expect(history.map((e) => `${e.kind} ${e.alerted}`)).toEqual(['cert-changed true', 'cert-renewed false', 'baseline false']);
    expect(history[1]?.certChange).toEqual({ before: A, reasons: [] });
    expect((await store.getState(TARGET))?.knownCerts).toEqual([B.fingerprint256, A_RENEWED.fingerprint256, A.fingerprint256]);
    const checks = quiet.reduce((n, r) => n + r.digestChecks, 0);
    expect(checks).toBeLessThanOrEqual(1); // the hourly check, if one falls here
    expect(quiet.reduce((n, r) => n + r.digestHits, 0)).toBe(3 - checks);
    expect(counter.writes()).toBe(0);
    expect(counter.counts.get('BatchGetItemCommand') ?? 0).toBe(checks);
  });

  it('a load balancer alternating two certificates alerts once, for the second, and then writes nothing', async () => {
    // Prepare
    const { served, notifier, tick } = await setup({ tickMs: 60_000, postureEveryMs: 60_000 });
    await tick();

    // Act: B is served for a whole tick (look and re-probe), then the pool alternates.
    served.cert = B;
    await tick();
    const writes: number[] = [];
    for (const next of [A, B, A, B]) {
      served.cert = next;
      writes.push((await tick()).writes);
    }

    // Assess
    expect(notifier.accepted.map((a) => a.event)).toEqual(['cert-changed']);
    expect(writes).toEqual([0, 0, 0, 0]);
  });

  it('connect-only ticks never report a change; the due deep look finds the new certificate, once', async () => {
    // Prepare: deep looks every 5 ticks.
    const { served, depths, notifier, tick } = await setup({ tickMs: 60_000, postureEveryMs: 300_000 });
    await tick();

    // Act
    served.cert = B;
    const alertsByTick: number[] = [];
    for (let minute = 1; minute <= 10; minute++) {
      await tick();
      alertsByTick.push(notifier.accepted.length);
    }

    // Assess: the alert comes on the first deep tick after the swap, and only then.
    const firstDeep = depths.slice(1).findIndex((d) => d !== 'tcp');
    expect(notifier.accepted.map((a) => a.event)).toEqual(['cert-changed']);
    expect(alertsByTick.indexOf(1)).toBe(firstDeep);
  });
});
