/** DNS that changes under the scanner: a name whose answers alternate between an allowed and a refused address never gets a connection to the refused one. */
import { createServer } from 'node:net';
import { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/local/embedded-dynamodb';
import { ProberService } from '../../../lambda/monitor/prober/service';
import { createAddressGuard, parseCidrList } from '../../../lambda/probe/address-policy';
import { probeTarget, type ProbeOptions, type ProbeSpec, type ResolvedAddress, type Resolver } from '../../../lambda/probe';
import { startBroker, type RunningBroker } from '../../helpers/brokers';
import { usePki } from '../../helpers/certs';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { testProberConfig } from '../../helpers/observations';
import { RecordingNotifier } from '../../helpers/recording-notifier';
import { listen, type Running } from '../../helpers/servers';

/*
 * The "public" side is an aedes broker over TLS on 127.0.0.1, which the guard is told to allow (as
 * ALLOWED_CIDRS would); the refused side is 127.0.0.2 (loopback, refused by the deployed policy),
 * where plain servers listen on the broker's port and on the plaintext port and count every
 * connection they accept. The resolver is injected: each call gives the next answer of a cycle that
 * alternates between the two, mixes them, and hides the refused one in an IPv4-mapped form and a
 * name. Everything the probe connects to must be an address the guard passed in that very look:
 * the TLS handshake, the MQTT sessions and the plaintext check reuse it, nothing resolves again.
 */

const REFUSED = '127.0.0.2';
const ANSWERS: readonly (readonly ResolvedAddress[])[] = [
  [{ address: '127.0.0.1', family: 4 }],
  [{ address: REFUSED, family: 4 }],
  [
    { address: REFUSED, family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  [{ address: `::ffff:${REFUSED}`, family: 6 }],
  // A resolver that answers with a name instead of an address: connecting would resolve it again.
  [{ address: 'localhost', family: 4 }],
  [
    { address: '127.0.0.1', family: 4 },
    { address: '0:0:0:0:0:ffff:7f00:2', family: 6 },
  ],
];

/** Each call the next answer of ANSWERS, round and round; counts its calls. */
function rebindingResolver(): Resolver & { calls: number } {
  const resolver = Object.assign(
    async (): Promise<readonly ResolvedAddress[]> => {
      const answer = ANSWERS[resolver.calls % ANSWERS.length] ?? [];
      resolver.calls++;
      return answer;
    },
    { calls: 0 },
  );
  return resolver;
}

describe('DNS rebinding between looks and retries', () => {
  const pki = usePki();
  let broker: RunningBroker;
  let refusedTls: Running;
  let refusedPlaintext: Running;
  let db: EmbeddedDynamoDb;
  beforeAll(async () => {
    broker = await startBroker({ tls: { key: pki().selfSigned.key, cert: pki().selfSigned.cert }, auth: 'anonymous' });
    // The refused side listens on the broker's own port: the same target, another address.
    refusedTls = await listenOn(broker.port);
    refusedPlaintext = await listen(createServer((s) => s.destroy()), REFUSED);
    db = await startEmbeddedDynamoDb();
  });
  afterAll(async () => {
    await Promise.all([broker.close(), refusedTls.close(), refusedPlaintext.close(), db.close()]);
  });

  const guard = () => {
    const allow = parseCidrList('127.0.0.1/32');
    if (!allow.ok) throw new Error('bad range');
    return createAddressGuard({ allow: allow.value });
  };
  const spec = (): ProbeSpec => ({ target: 'rebind.example', host: 'rebind.example', port: broker.port, transport: 'tcp', depth: 'mqtt', plaintextPort: refusedPlaintext.port });

  it('a look per answer of the cycle: the refused address is reported refused and never connected to', async () => {
    // Prepare
    const resolver = rebindingResolver();
    const options: ProbeOptions = { timeoutMs: 2000, certExpiringDays: 14, guard: guard(), resolver };
    // Act
    const results = [];
    for (let i = 0; i < ANSWERS.length; i++) results.push(await probeTarget(spec(), options));
    // Assess
    expect(refusedTls.stats.accepted).toBe(0);
    expect(refusedPlaintext.stats.accepted).toBe(0);
    expect(resolver.calls).toBe(results.length);
    expect(results.map((r) => r.status)).toEqual(ANSWERS.map((answer) => (answer.some((a) => a.address === '127.0.0.1') ? 'open' : 'error')));
    for (const r of results) {
      for (const a of r.addresses) if (a.address !== '127.0.0.1') expect(a).toMatchObject({ status: 'error', reason: expect.stringMatching(/^refused: /) });
    }
    // The open looks went deep on the allowed address: TLS and an anonymous CONNACK.
    expect(results[0]).toMatchObject({ status: 'open', mqtt: { anonymous: true } });
    expect(broker.seen.connacks.length).toBeGreaterThanOrEqual(2);
  });

  it('through the prober: confirmation re-probes that resolve differently never reach the refused address', async () => {
    // Prepare: no DNS cache (each look and re-probe resolves again), so every answer of the cycle is met.
    const tables = await freshTables(db);
    const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
    const notifier = new RecordingNotifier();
    const resolver = rebindingResolver();
    const config = testProberConfig({ probeOptions: { timeoutMs: 2000, certExpiringDays: 14, guard: guard(), resolver } });
    const before = refusedTls.stats.accepted;
    // Connect-only looks: the deep phase's connections are the first test's; these are about re-probes.
    const item = { target: `rebind.example:${broker.port}`, expect: 'closed', depth: 'tcp' };
    // Act
    for (let tick = 0; tick < ANSWERS.length; tick++) {
      const now = new Date(Date.parse('2026-11-24T10:00:00.000Z') + tick * 300_000);
      await new ProberService({ store, notifier, probe: probeTarget, now: () => now, sleep: async () => {} }, config).run([{ id: `m${tick}`, items: [item] }]);
    }
    // Assess
    expect(refusedTls.stats.accepted - before).toBe(0);
    expect(resolver.calls).toBeGreaterThan(ANSWERS.length);
    // Each alert's evidence names only addresses the guard let through as probed.
    for (const alert of notifier.accepted) {
      for (const a of alert.evidence.addresses) if (a.address !== '127.0.0.1') expect(a.status).toBe('error');
    }
  });
});

/** A counting server on the refused address at a given port. */
async function listenOn(port: number): Promise<Running> {
  const server = createServer((s) => s.destroy());
  const stats = { accepted: 0, open: 0, peakOpen: 0 };
  server.on('connection', () => stats.accepted++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, REFUSED, () => resolve());
  });
  return { port, stats, close: () => new Promise<void>((done) => server.close(() => done())) };
}
