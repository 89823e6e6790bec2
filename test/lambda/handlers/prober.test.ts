import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createServer, type Server } from 'node:net';
import { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/local/embedded-dynamodb';
import { LEASE_CLOCK_ALLOWANCE_MS } from '../../../lambda/monitor/prober/outbox';
import { startBroker, type RunningBroker } from '../../helpers/brokers';
import { createTestPki, type TestPki } from '../../helpers/certs';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { lambdaEnv } from '../../helpers/lambda-env';
import { type PublishedMessage, type SnsStandIn, startSnsStandIn } from '../../helpers/sns-stand-in';
import { sqsEvent } from '../../helpers/sqs-event';
import { captureOutput, fullContext, metricSum, type Captured } from './stdout-capture';

/*
 * The prober handler driven by SQS events, probing a real loopback listener, with state on dynalite.
 * SNS cannot run here: the handler's own SNSClient, retries included, talks to an HTTP stand-in on
 * 127.0.0.1 (AWS_ENDPOINT_URL_SNS) that answers in SNS's query protocol and records (or refuses) publishes.
 * Each test stands alone: it probes a loopback port of its own (so a state row of its own) and prepares
 * the history it needs through the handler itself. The SNS stand-in and its failure budget are reset
 * before each test. The handler module is loaded once, after the environment it reads at load time.
 */

let db: EmbeddedDynamoDb;
let store: DynamoDbStateStore;
let handler: typeof import('../../../lambda/handlers/prober').handler;
let sns: SnsStandIn;
let published: PublishedMessage[];

/** A loopback port this test alone probes, open (a listener that hangs up at once) or closed (nothing listening). */
interface LoopbackTarget {
  readonly port: number;
  readonly key: string;
  /** The Targets item the dispatcher would send for it. */
  readonly item: Record<string, unknown>;
  set(status: 'open' | 'closed'): Promise<void>;
}

const listeners: Server[] = [];

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((r) => server.close(() => r()));
}

/** A fresh port, closed until `set('open')`: the port is reserved by listening once, then released. */
async function loopbackTarget(): Promise<LoopbackTarget> {
  const reserve = createServer();
  await new Promise<void>((r) => reserve.listen(0, '127.0.0.1', r));
  const { port } = reserve.address() as { port: number };
  await closeServer(reserve);
  let server: Server | null = null;
  const key = `127.0.0.1:${port}`;
  return {
    port,
    key,
    item: { target: key, expect: 'closed', depth: 'tcp', labels: { team: 'iot' } },
    async set(status) {
      if (status === 'open' && !server) {
        const s = createServer((socket) => socket.destroy());
        server = s;
        listeners.push(s);
        await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
      } else if (status === 'closed' && server) {
        const s = server;
        server = null;
        listeners.splice(listeners.indexOf(s), 1);
        await closeServer(s);
      }
    },
  };
}

beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  sns = await startSnsStandIn();
  published = sns.published;
  const tables = await freshTables(db);
  store = new DynamoDbStateStore(db.client, { tableName: tables.state });
  lambdaEnv(db, {
    STATE_TABLE_NAME: tables.state,
    ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:portwatch-alerts',
    PROBE_TIMEOUT_MS: '1000',
    CONFIRM_DELAY_MS: '10',
    // The scanner refuses loopback in AWS; this test deployment allows it to reach its own listener.
    ALLOWED_CIDRS: '127.0.0.0/8',
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
  });
  handler = (require('../../../lambda/handlers/prober') as typeof import('../../../lambda/handlers/prober')).handler;
});

beforeEach(() => {
  published.length = 0;
  sns.refuse(0);
});

afterEach(async () => {
  await Promise.all(listeners.splice(0).map(closeServer));
});

afterAll(async () => {
  await sns.close();
  await db.close();
});

/** A probe message as the dispatcher sends it, for a tick that began `ageMs` ago. */
function message(targets: Record<string, unknown>[], ageMs = 2000) {
  return { v: 1 as const, tick: new Date(Date.now() - ageMs).toISOString(), targets };
}

let invocation = 0;

/** Invokes the handler like Lambda does, capturing what it writes to stdout and stderr. */
async function invoke(event: SQSEvent, remainingMs?: number): Promise<{ response: SQSBatchResponse; out: Captured; requestId: string }> {
  const requestId = `req-probe-${++invocation}`;
  const { result, error, out } = await captureOutput(() => handler(event, fullContext('portwatch-prober', requestId, remainingMs)));
  if (error) throw error;
  return { response: result as SQSBatchResponse, out, requestId };
}

/**
 * Prepare: the handler has probed the target once in each of these states, in turn, one tick each; what
 * those ticks published is cleared, so a test assesses only what its Act publishes.
 */
async function seen(t: LoopbackTarget, ...statuses: ('open' | 'closed')[]): Promise<void> {
  for (const status of statuses) {
    await t.set(status);
    const { response } = await invoke(sqsEvent([message([t.item])]));
    expect(response.batchItemFailures).toEqual([]);
  }
  published.length = 0;
}

/** The custom metrics a batch may send: each only when not zero. */
const COUNTERS = ['AlertsPending', 'ScannerDegraded', 'TargetsUnfinished', 'FlapsSuppressed', 'RecordsRetried'];

/** The batch's log line, which carries what the dashboard charts (contracts/metrics.ts: LOG_FIELDS). */
function batchLine(out: Captured): Record<string, any> {
  return out.logs.find((l) => l.message === 'batch probed') ?? {};
}

/** The batch's figures by name: transitions, posture changes and alerts sent from its log line; the counters from its metrics (0 when not sent). */
function counters(out: Captured): Record<string, number> {
  const line = batchLine(out);
  return {
    Transitions: line.transitions ?? 0,
    PostureChanges: line.postureChanges ?? 0,
    AlertsSent: line.alertsPublished ?? 0,
    ...Object.fromEntries(COUNTERS.map((name) => [name, metricSum(out.metrics, name) ?? 0])),
  };
}

describe('prober handler', () => {
  it('baseline on a closed port: state recorded, nothing published, one closed probe counted', async () => {
    // Prepare
    const t = await loopbackTarget();
    const event = sqsEvent([message([t.item])]);
    // Act
    const { response, out, requestId } = await invoke(event);
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(published).toHaveLength(0);
    expect(await store.getState(t.key)).toMatchObject({ status: 'closed', open: false, reason: expect.stringContaining('ECONNREFUSED') });
    expect(out.logs).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'batch probed',
        service: 'portwatch',
        tick: JSON.parse(event.Records[0]?.body ?? '{}').tick,
        function_request_id: requestId,
        records: 1,
        probed: 1,
        probesByStatus: { closed: 1 },
        transitions: 0,
        alertsPending: 0,
      }),
    ]);
    // Probes by status travel in the log line only: a metric would be billed for every hour of data.
    expect(out.metrics).toEqual([]);
    expect(counters(out)).toEqual({ Transitions: 0, PostureChanges: 0, AlertsSent: 0, AlertsPending: 0, ScannerDegraded: 0, TargetsUnfinished: 0, FlapsSuppressed: 0, RecordsRetried: 0 });
    // Nothing happened, so no counter was sent at all (each would be billed for the hour).
    expect(COUNTERS.filter((name) => metricSum(out.metrics, name) !== undefined)).toEqual([]);
  });

  it('the port opens: one SNS message with subject, text, JSON and filterable attributes', async () => {
    // Prepare: a baseline while closed, then the port opens
    const t = await loopbackTarget();
    await seen(t, 'closed');
    await t.set('open');
    // Act
    const { response, out } = await invoke(sqsEvent([message([t.item])]));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(published).toHaveLength(1);
    const input = published[0] as PublishedMessage;
    expect(input.Subject).toBe(`[portwatch] OPEN ${t.key} (expected closed)`);
    expect(input.MessageStructure).toBe('json');
    const bodies = JSON.parse(input.Message ?? '{}') as Record<string, string>;
    expect(bodies.email).toContain('This port should be closed');
    expect(JSON.parse(bodies.sqs ?? '{}')).toMatchObject({ schema: 'portwatch.alert/v1', event: 'opened', status: 'open', previous: 'closed', severity: 'critical' });
    expect(input.MessageAttributes).toMatchObject({
      event: { DataType: 'String', StringValue: 'opened' },
      severity: { DataType: 'String', StringValue: 'critical' },
      expected: { DataType: 'String', StringValue: 'closed' },
      labels: { DataType: 'String.Array', StringValue: '["team=iot"]' },
    });
    // The change is confirmed by a second look before it is believed: two open probes, one transition.
    expect(batchLine(out)).toMatchObject({ probesByStatus: { open: 2 }, latencyP50Ms: expect.any(Number), latencyMaxMs: expect.any(Number) });
    expect(counters(out)).toMatchObject({ Transitions: 1, PostureChanges: 0, AlertsSent: 1, AlertsPending: 0, RecordsRetried: 0 });
  });

  it('the tick\'s age in the log line is the time from the tick to the end of the batch, for the oldest tick of the batch', async () => {
    // Prepare
    const t = await loopbackTarget();
    // Act
    const { out } = await invoke(sqsEvent([message([t.item], 30_000), message([{ target: 'other.invalid:0' }], 5000)]));
    // Assess
    const age = batchLine(out).tickAgeMs as number;
    expect(age).toBeGreaterThanOrEqual(30_000);
    expect(age).toBeLessThan(60_000);
    expect(out.logs.find((l) => l.message === 'batch probed')).toMatchObject({ ticks: [expect.any(String), expect.any(String)], invalid: 1 });
  });

  it('a duplicate delivery of the same message publishes nothing more', async () => {
    // Prepare: the message that announced the opening was delivered and handled once
    const t = await loopbackTarget();
    await seen(t, 'closed');
    await t.set('open');
    const delivered = message([t.item]);
    await invoke(sqsEvent([delivered]));
    expect(published).toHaveLength(1);
    // Act: SQS delivers it again
    const { response, out } = await invoke(sqsEvent([delivered], 2));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(published).toHaveLength(1);
    expect(counters(out)).toMatchObject({ Transitions: 0, AlertsSent: 0, AlertsPending: 0 });
  });

  it('SNS failing: the record is reported as a batch item failure, the alert stays pending, the log names the target', async () => {
    // Prepare: the port was seen open, now closes while SNS refuses the next publish
    const t = await loopbackTarget();
    await seen(t, 'closed', 'open');
    await t.set('closed');
    sns.refuse(1);
    const event = sqsEvent([message([t.item]), message([{ target: 'bystander.invalid:0' }])]);
    // Act
    const { response, out } = await invoke(event);
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(published).toHaveLength(0);
    const state = await store.getState(t.key);
    expect(state?.status).toBe('closed');
    expect(state?.outbox.map((e) => e.alert?.event)).toEqual(['recovered']);
    const tick = JSON.parse(event.Records[0]?.body ?? '{}').tick as string;
    expect(out.logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'WARN', message: 'invalid target', target: 'bystander.invalid:0', tick }),
        expect.objectContaining({
          level: 'ERROR',
          message: 'target failed; its group will be retried',
          target: t.key,
          error: expect.stringContaining('Internal failure'),
          tick,
        }),
      ]),
    );
    expect(counters(out)).toMatchObject({ Transitions: 1, AlertsSent: 0, AlertsPending: 1, RecordsRetried: 1 });
  });

  it('while another prober holds its lease the alert stays pending; once the lease ran out the next batch delivers it', async () => {
    // Prepare: the closing was recorded but its publish failed (which gives the lease back), then
    // another prober claimed the alert and is still publishing it: its lease runs 60 s
    const t = await loopbackTarget();
    await seen(t, 'closed', 'open');
    await t.set('closed');
    sns.refuse(1);
    expect((await invoke(sqsEvent([message([t.item])]))).response.batchItemFailures).toHaveLength(1);
    const lease = async (until: number): Promise<void> => {
      const state = await store.getState(t.key);
      if (!state) throw new Error('no state');
      const outbox = state.outbox.map((e) => ({ ...e, claimedUntil: new Date(until).toISOString(), claimedBy: 'another-prober' }));
      expect(await store.putState({ ...state, outbox, version: state.version + 1 }, state.version)).toBe(true);
    };
    await lease(Date.now() + 60_000);
    // Act: a retry within the lease leaves the alert to its holder
    const during = await invoke(sqsEvent([message([t.item])]));
    // Prepare: the lease runs out (its holder died), and the allowance for clocks that disagree with its holder's
    await lease(Date.now() - 1000 - LEASE_CLOCK_ALLOWANCE_MS);
    // Act
    const after = await invoke(sqsEvent([message([t.item])]));
    // Assess
    expect(counters(during.out)).toMatchObject({ Transitions: 0, AlertsSent: 0, AlertsPending: 1 });
    expect(after.response.batchItemFailures).toEqual([]);
    expect(published.map((p) => p.MessageAttributes?.event?.StringValue)).toEqual(['recovered']);
    expect(counters(after.out)).toMatchObject({ Transitions: 0, AlertsSent: 1, AlertsPending: 0 });
  });

  it('a body that is not a probe message is dropped, not retried forever, and logged with its message id', async () => {
    // Prepare
    const event = sqsEvent(['{"hello":"world"}', 'not json']);
    // Act
    const { response, out } = await invoke(event);
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(out.logs.filter((l) => l.level === 'ERROR')).toEqual(
      event.Records.map((r) => expect.objectContaining({ message: 'malformed probe message dropped', messageId: r.messageId })),
    );
    // Without a tick there is nothing to correlate and no tick duration, but every counter is still emitted.
    expect(out.logs.every((l) => !('tick' in l))).toBe(true);
    expect(batchLine(out)).not.toHaveProperty('tickAgeMs');
    expect(counters(out)).toMatchObject({ Transitions: 0, AlertsSent: 0, RecordsRetried: 0 });
  });

  it('near the Lambda deadline, records not started are returned for retry and counted', async () => {
    // Prepare
    const t = await loopbackTarget();
    const event = sqsEvent([message([t.item])]);
    // Act
    const { response, out } = await invoke(event, 1000);
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(counters(out)).toMatchObject({ TargetsUnfinished: 1, RecordsRetried: 1 });
    expect(batchLine(out).probesByStatus).toEqual({});
  });

  describe('deep probe through the state and alert path (aedes over TLS on loopback)', () => {
    let pki: TestPki;
    let broker: RunningBroker;
    let auth: 'anonymous' | 'required' = 'required';

    beforeAll(async () => {
      pki = createTestPki();
      broker = await startBroker({ tls: { key: pki.selfSigned.key, cert: pki.selfSigned.cert }, auth: () => auth });
    });
    afterAll(async () => {
      await broker.close();
      pki.cleanup();
    });

    it('a broker that starts accepting anonymous clients is one critical posture alert, its fix one info alert', async () => {
      // Prepare: the broker requires credentials at first sight.
      const item = { target: `127.0.0.1:${broker.port}`, expect: 'open', labels: ['site=lab'] };
      const before = published.length;
      await invoke(sqsEvent([message([item])]));
      const baseline = await store.getState(item.target);
      // Act
      auth = 'anonymous';
      await invoke(sqsEvent([message([item])]));
      await invoke(sqsEvent([message([item])]));
      auth = 'required';
      await invoke(sqsEvent([message([item])]));
      // Assess
      expect(baseline).toMatchObject({ status: 'open', findings: ['self-signed-cert'], evidence: { mqtt: { connack: 5, anonymous: false } } });
      const alerts = published.slice(before).map((p) => JSON.parse(JSON.parse(p.Message ?? '{}').sqs) as Record<string, unknown>);
      expect(published.slice(before).map((p) => p.Subject)).toEqual([
        `[portwatch] ANONYMOUS ACCESS 127.0.0.1:${broker.port} (now accepts MQTT clients without credentials)`,
        `[portwatch] 127.0.0.1:${broker.port} posture improved: anonymous-access resolved`,
      ]);
      expect(alerts[0]).toMatchObject({ event: 'posture', severity: 'critical', addedFindings: ['anonymous-access'], findings: ['anonymous-access', 'self-signed-cert'], evidence: { mqtt: { connack: 0, anonymous: true, transport: 'tls' }, tls: { version: 'TLSv1.3' } } });
      expect(alerts[1]).toMatchObject({ event: 'posture', severity: 'info', removedFindings: ['anonymous-access'] });
      expect(broker.seen.subscribes + broker.seen.publishes).toBe(0);
    });
  });
});
