/**
 * The cost model of docs/cost.md, fed with this run's measurements: CPU per probe (closed, open, deep),
 * the prober's own CPU per target through the real DynamoDB adapter and SDK (against an in-memory
 * stand-in for the DynamoDB endpoint), state item sizes, dispatch figures. Prices are AWS list prices,
 * us-east-1, stated in PRICES; every assumption that is not measured is in ASSUMPTIONS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbStateStore, statePk, STATE_SK } from '../lambda/adapters/aws/dynamodb-state-store';
import type { Notifier } from '../lambda/monitor/dependencies';
import type { ProbeResult, ProbeSpec } from '../lambda/probe/types';
import { DEFAULT_PROBER_CONFIG, ProberService, type WorkGroup } from '../lambda/monitor/prober/service';
import type { TargetState } from '../lambda/monitor/model';
import { observationFromProbe } from '../lambda/monitor/state';
import { parseTargetItem } from '../lambda/monitor/target';
import { decide } from '../lambda/monitor/transition';
import { lookShares } from '../lambda/monitor/cadence';
import { DIGEST_CHECK_EVERY_MS, digestOf } from '../lambda/monitor/digest';
import { cpuMicros, fmtUsd, median, renderTable } from './table';

// ---------------------------------------------------------------------------------------------------
// Prices and assumptions

/** AWS list prices, us-east-1, as of 2025 (DynamoDB on-demand after the November 2024 cut). */
export const PRICES = {
  region: 'us-east-1',
  /** Lambda arm64, first pricing tier, per GB-second. */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** Standard queue; each 64 KiB chunk of a request is one request. */
  sqsRequest: 0.4 / 1e6,
  ddbWriteUnit: 0.625 / 1e6,
  ddbReadUnit: 0.125 / 1e6,
  snsPublish: 0.5 / 1e6,
  logsIngestGb: 0.5,
  /** Logs Insights, per GB scanned (the dashboard's log widgets, when someone opens it). */
  logsInsightsGb: 0.005,
  /** X-Ray traces recorded (the functions run with active tracing). */
  xrayTrace: 5 / 1e6,
  alarm: 0.1,
  customMetric: 0.3,
  /** EventBridge scheduled rules: free. */
  schedule: 0,
  /** Data transfer out of AWS to the internet, first 10 TB/month (the account-wide 100 GB free tier left out). */
  dataTransferOutGb: 0.09,
  route53AwsEndpointCheck: 0.5,
  route53OtherEndpointCheck: 0.75,
  /** Each optional Route 53 feature (HTTPS, string matching, fast interval, latency): AWS / other endpoints. */
  route53FeatureAws: 1.0,
  route53FeatureOther: 2.0,
} as const;

/** What the model assumes where the bench cannot measure (stated in docs/cost.md). */
export const ASSUMPTIONS = {
  minutesPerMonth: 43_200,
  /** Round-trip time to a target on the internet. */
  rttMs: 50,
  /** Round trips of a depth-mqtt probe of an open broker: TCP, TLS 1.3 (1-2), CONNECT/CONNACK, the legacy-TLS connection (2), DISCONNECT. */
  deepRoundTrips: 8,
  /** DynamoDB and SQS calls per invocation outside the probes (state reads are sequential batches of 100). */
  ddbCallMs: 8,
  invocationOverheadMs: 30,
  /** Lambda gives a function one full vCPU at 1,769 MB, proportionally less below. Node uses one. */
  fullVcpuMb: 1769,
  /** Log bytes per prober invocation: START/END/REPORT lines, the batch summary (with the dashboard's figures). */
  logBytesPerInvocation: 2048,
  logBytesPerDispatch: 1024,
  /** Open/closed changes per target per month (each: confirmation, conditional write, event, alert). */
  changesPerTargetMonth: 2,
  /**
   * Fixed monthly: the stack's alarms, counted in alarm metrics (CloudWatch bills an alarm per metric
   * it reads): 10 alarms, the missed-tick one metric math over the dispatcher's Invocations and Errors.
   */
  alarmMetrics: 11,
  /**
   * Custom metrics sent every hour (CloudWatch bills each for the hours it gets data): none. What was
   * sent on every tick (ticks, targets, probes by status, latency, tick duration, transitions, alerts
   * sent) is in the functions' log lines and read by the dashboard with Logs Insights; the custom
   * metrics left (alerts pending, storms, retries, unfinished work, flaps, invalid items) are sent only
   * when not zero, which a healthy deployment almost never is (lambda/handlers/metric-points.ts).
   */
  hourlyMetrics: 0,
  /** Dashboard views a month, each a Logs Insights scan of a day of the functions' logs per log widget (4). */
  dashboardViewsPerMonth: 30,
  logWidgets: 4,
  idlePollRequestsPerMonth: 650_000,
  /** X-Ray default sampling rule: 1 trace per second, then 5 %. */
  xrayReservoirPerMonth: 2_592_000,
  xrayRate: 0.05,
  /** Bytes of IPv4 + TCP headers (with timestamps) per packet the prober sends. */
  packetHeaderBytes: 52,
  /** Packets sent: a connect-only probe of an open port (SYN, ACK, RST); of a closed one (SYN); of a filtered one (SYN and two retransmissions within 3 s). */
  packetsOpenTcp: 3,
  packetsClosed: 1,
  packetsFiltered: 3,
  /** Packets a TLS/MQTT connection sends besides its payload: SYN, ACKs of the server's flight, FIN. */
  packetsPerTlsConnection: 9,
} as const;

// ---------------------------------------------------------------------------------------------------
// DynamoDB item size, and the prober's CPU per target

/**
 * Approximate DynamoDB item size (the rules of the developer guide): names and strings in UTF-8 bytes,
 * numbers about one byte per two digits plus one, booleans and nulls one byte, lists and maps 3 bytes
 * plus one per element.
 */
export function dynamoItemSize(item: Readonly<Record<string, unknown>>): number {
  const size = (v: unknown): number => {
    if (v === null || v === undefined || typeof v === 'boolean') return 1;
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (typeof v === 'number') return Math.min(21, Math.ceil(String(Math.abs(v)).replace(/[.-]/g, '').length / 2) + 1);
    if (Array.isArray(v)) return 3 + v.reduce((s: number, x) => s + size(x) + 1, 0);
    if (typeof v === 'object') return 3 + Object.entries(v as Record<string, unknown>).reduce((s, [k, x]) => (x === undefined ? s : s + Buffer.byteLength(k) + size(x) + 1), 0);
    return 8;
  };
  return Object.entries(item).reduce((s, [k, v]) => (v === undefined ? s : s + Buffer.byteLength(k) + size(v)), 0);
}

function withTarget(sample: ProbeResult, spec: Pick<ProbeSpec, 'target' | 'host' | 'port'>): ProbeResult {
  return { ...sample, target: spec.target, host: spec.host, port: spec.port, addresses: sample.addresses.map((a) => ({ ...a, address: spec.host })) };
}

/** The steady-state item of a target last seen as `sample` (baseline written, outbox flushed), and with its baseline outbox. */
export function stateItemFor(sample: ProbeResult, target: string): { steady: Record<string, unknown>; withOutbox: Record<string, unknown> } {
  const item = { target, depth: sample.depth };
  const parsed = parseTargetItem(item);
  if (!parsed.ok) throw new Error(`bench target ${target} does not parse`);
  const { host, port } = parsed.value;
  const decision = decide(null, observationFromProbe(withTarget(sample, { target, host, port })), parsed.value);
  if (decision.kind !== 'write') throw new Error('a first observation must write a baseline');
  const steady: TargetState = { ...decision.next, outbox: [] };
  return { steady: { pk: statePk(target), sk: STATE_SK, ...steady }, withOutbox: { pk: statePk(target), sk: STATE_SK, ...decision.next } };
}

/**
 * An in-memory DynamoDB endpoint for the SDK (a custom request handler): answers BatchGetItem from
 * prepared items and GetItem with nothing, so the real adapter, the SDK's serialisation, signing and
 * unmarshalling all run, and no server shares this process's CPU.
 */
function fakeDynamoClient(items: ReadonlyMap<string, Record<string, unknown>>): DynamoDBClient {
  const handle = async (request: { headers: Record<string, string>; body?: unknown }): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> => {
    const targetHeader = Object.entries(request.headers).find(([k]) => k.toLowerCase() === 'x-amz-target')?.[1] ?? '';
    const op = targetHeader.split('.')[1] ?? 'unknown';
    const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
    const input = JSON.parse(body) as { RequestItems?: Record<string, { Keys: { pk: { S: string } }[] }> };
    let out: unknown = {};
    if (op === 'BatchGetItem' && input.RequestItems) {
      const [table, spec] = Object.entries(input.RequestItems)[0] ?? ['', { Keys: [] }];
      out = { Responses: { [table]: spec.Keys.map((k) => items.get(k.pk.S)).filter((x) => x !== undefined) }, UnprocessedKeys: {} };
    } else if (op !== 'GetItem') {
      throw new Error(`the cost model's DynamoDB stand-in got ${op}: an unchanged tick must only read`);
    }
    return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(JSON.stringify(out)) } };
  };
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://dynamodb.invalid',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: { handle } as unknown as DynamoDBClient['config']['requestHandler'],
  });
}

/** The bytes a digest adds to a Targets item, for a target last seen as `sample` (findings and all). */
export function digestBytesFor(sample: ProbeResult): number {
  const { steady } = stateItemFor(sample, '203.0.113.10:8883');
  const digest = digestOf(steady as unknown as TargetState, { expect: 'closed', remindEveryMs: 86_400_000 });
  return digest === null ? 0 : dynamoItemSize({ digest });
}

export interface ProberOverhead {
  /** CPU of ProberService per target on a tick where nothing changed, the probe itself excluded. */
  readonly cpuUsPerTarget: number;
  readonly stateItemBytes: number;
  readonly stateWithOutboxBytes: number;
}

/**
 * ProberService.run over `count` targets whose probe answers `sample` at once (no sockets) and whose
 * state says the same, through DynamoDbStateStore and the SDK: the CPU a Lambda spends per target
 * beyond probing (parse, batched state read, unmarshall, decide). Must write nothing, or it throws.
 */
export async function measureProberOverhead(sample: ProbeResult, count = 2000): Promise<ProberOverhead> {
  const targets = Array.from({ length: count }, (_, i) => `10.1.${i >> 8}.${i & 255}:8883`);
  const items = new Map<string, Record<string, unknown>>();
  let stateItemBytes = 0;
  let stateWithOutboxBytes = 0;
  for (const t of targets) {
    const { steady, withOutbox } = stateItemFor(sample, t);
    stateItemBytes = dynamoItemSize(steady);
    stateWithOutboxBytes = dynamoItemSize(withOutbox);
    // As the state store's DocumentClient would have written it.
    items.set(steady.pk as string, marshall(steady, { removeUndefinedValues: true }));
  }
  const client = fakeDynamoClient(items);
  const store = new DynamoDbStateStore(client, { tableName: 'bench-state' });
  const notifier: Notifier = { publish: async () => undefined };
  const groups: WorkGroup[] = [];
  for (let i = 0; i < targets.length; i += 25) groups.push({ id: `g${i}`, items: targets.slice(i, i + 25).map((target) => ({ target, depth: sample.depth })) });
  const service = new ProberService(
    {
      store,
      notifier,
      probe: async (spec) => withTarget(sample, spec),
      now: () => new Date(),
      sleep: async () => undefined,
    },
    { ...DEFAULT_PROBER_CONFIG, defaultPort: 8883, probeOptions: { timeoutMs: 3000, certExpiringDays: 14 } },
  );
  const runs: number[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const cpu0 = process.cpuUsage();
      const report = await service.run(groups);
      const used = cpuMicros(cpu0);
      if (report.writes !== 0 || report.failedGroups.length > 0) throw new Error(`prober overhead run wrote ${report.writes} times, ${report.failedGroups.length} groups failed`);
      if (i >= 2) runs.push(used / count);
    }
  } finally {
    client.destroy();
  }
  return { cpuUsPerTarget: median(runs), stateItemBytes, stateWithOutboxBytes };
}

// ---------------------------------------------------------------------------------------------------
// The model

export interface Measured {
  readonly cpuMsTcpClosed: number;
  readonly cpuMsTcpOpen: number;
  readonly cpuMsDeep: number;
  readonly proberMsTcp: number;
  readonly proberMsDeep: number;
  readonly stateBytesTcp: number;
  readonly stateBytesDeep: number;
  readonly stateWithOutboxBytesDeep: number;
  /** Dispatcher wall time per 1,000 targets (embedded DynamoDB; a proxy for the Lambda's). */
  readonly dispatchMsPer1k: number;
  /** Average SQS message body (bytes) at the dispatcher's 25 targets per message. */
  readonly messageBytes: number;
  readonly targetItemBytes: number;
  /** What a digest adds to a Targets item (digest.ts), for a broker with findings. */
  readonly digestBytes: number;
  /** TCP payload one depth-mqtt probe sends (measured at the brokers), and its connections. */
  readonly deepPayloadBytesOut: number;
  readonly deepConnections: number;
  /** The same of a core deep look (the slow questions carried: lambda/monitor/posture-carry.ts). Absent: as a full one. */
  readonly cpuMsDeepCore?: number;
  readonly deepCorePayloadBytesOut?: number;
  readonly deepCoreConnections?: number;
}

/** Bytes one probe sends to the target, headers included (what AWS bills as data transfer out). */
export function bytesOutPerProbe(m: Measured, kind: 'deep' | 'deepCore' | 'closed' | 'filtered' | 'openTcp'): number {
  const a = ASSUMPTIONS;
  switch (kind) {
    case 'deep':
      return m.deepPayloadBytesOut + (a.packetsOpenTcp + Math.max(0, m.deepConnections - 1) * a.packetsPerTlsConnection) * a.packetHeaderBytes;
    case 'deepCore':
      if (m.deepCorePayloadBytesOut === undefined || m.deepCoreConnections === undefined) return bytesOutPerProbe(m, 'deep');
      return m.deepCorePayloadBytesOut + (a.packetsOpenTcp + Math.max(0, m.deepCoreConnections - 1) * a.packetsPerTlsConnection) * a.packetHeaderBytes;
    case 'closed':
      return a.packetsClosed * (a.packetHeaderBytes + 8);
    case 'filtered':
      return a.packetsFiltered * (a.packetHeaderBytes + 8);
    case 'openTcp':
      return a.packetsOpenTcp * a.packetHeaderBytes + 8;
  }
}

export interface FanOut {
  readonly memoryMb: number;
  readonly targetsPerMessage: number;
  readonly batchSize: number;
  /** Targets in flight per invocation (PROBE_CONCURRENCY). */
  readonly probeConcurrency: number;
  readonly timeoutMs: number;
}

/** docs/scaling.md's recommendation for up to 100,000 targets. */
export const RECOMMENDED_FAN_OUT: FanOut = { memoryMb: 512, targetsPerMessage: 50, batchSize: 10, probeConcurrency: 500, timeoutMs: 3000 };

export interface Fleet {
  readonly name: string;
  /** Shares of targets per tick: open brokers (deep probe), closed ports, filtered (no answer: full deadline). */
  readonly open: number;
  readonly closed: number;
  readonly filtered: number;
}

export const FLEETS: readonly Fleet[] = [
  { name: 'brokers, none filtered', open: 0.6, closed: 0.4, filtered: 0 },
  { name: 'brokers, 5% filtered', open: 0.6, closed: 0.35, filtered: 0.05 },
  { name: 'worst: all filtered', open: 0, closed: 0, filtered: 1 },
];

export interface MonthlyCost {
  readonly lambda: number;
  readonly sqs: number;
  readonly dynamodb: number;
  readonly logs: number;
  readonly xray: number;
  readonly sns: number;
  /** Probe traffic out to the internet. */
  readonly transfer: number;
  readonly fixed: number;
  readonly total: number;
  readonly perTarget: number;
  /** Billed seconds of one prober invocation, and its share due to waiting rather than CPU. */
  readonly invocationMs: number;
  readonly invocationsPerTick: number;
}

/**
 * `strong`: BatchGetItem with ConsistentRead (1 read unit per item up to 4 KB), as first built.
 * `eventual`: the same reads eventually consistent (half a unit), as built before digests.
 * `digest`: as built now (lambda/monitor/digest.ts): a target whose look agrees with the digest on its
 * Targets item reads no state; the dispatcher's Scan reads the digest with the item. Only a target
 * that changed reads its state (strongly, one GetItem per look: the look and its confirmation).
 */
export type StateReads = 'strong' | 'eventual' | 'digest';

export interface Variant {
  readonly stateReads: StateReads;
  /**
   * Minutes between deep looks (TLS + MQTT) at an open target, a connect on the ticks between
   * (lambda/monitor/cadence.ts); null: a deep look every tick.
   */
  readonly postureEveryMin: number | null;
  /**
   * Minutes between full deep looks, which ask the slow posture questions too (cadence.ts); the deep
   * looks between are core looks. null: every deep look is full. @default 60
   */
  readonly slowPostureEveryMin?: number | null;
  /**
   * Looks per schedule tick (the fast lane, lane.ts): `intervalMin` is then the time between looks and
   * the dispatcher runs, and scans the Targets table, once per `looksPerTick` of them. @default 1
   */
  readonly looksPerTick?: number;
}

/** The stack's defaults: digests on, posture every 5 minutes (every tick at 5-minute ticks), the slow questions hourly. */
export const AS_BUILT: Variant = { stateReads: 'digest', postureEveryMin: 5, slowPostureEveryMin: 60 };

/**
 * Shares of an open target's looks: full deep, core deep, connect-only. As lookShares (cadence.ts)
 * plans them: a full look on the slow-due ticks, a core one on the other deep ticks.
 */
export function openLookShares(variant: Variant, intervalMin: number): { readonly full: number; readonly core: number; readonly connect: number } {
  const deep = variant.postureEveryMin === null ? 1 : 1 / Math.max(1, Math.round(variant.postureEveryMin / intervalMin));
  const slow = variant.slowPostureEveryMin ?? null;
  if (slow === null) return { full: deep, core: 0, connect: 1 - deep };
  const shares = lookShares({ tickMs: intervalMin * 60_000, postureEveryMs: (variant.postureEveryMin ?? intervalMin) * 60_000, slowPostureEveryMs: slow * 60_000 });
  return { ...shares, connect: 1 - shares.full - shares.core };
}

export function monthlyCost(m: Measured, fleet: Fleet, targets: number, intervalMin: number, f: FanOut = RECOMMENDED_FAN_OUT, variant: Variant = AS_BUILT): MonthlyCost {
  const stateReads = variant.stateReads;
  const looks = openLookShares(variant, intervalMin);
  const cpuMsDeepCore = m.cpuMsDeepCore ?? m.cpuMsDeep;
  const a = ASSUMPTIONS;
  const ticks = a.minutesPerMonth / intervalMin;
  const n = f.targetsPerMessage * f.batchSize;
  const invocationsPerTick = Math.ceil(targets / n);
  const vcpu = Math.min(1, f.memoryMb / a.fullVcpuMb);
  const notOpen = fleet.closed + fleet.filtered;
  const cpuMsPerTarget =
    fleet.open * (looks.full * m.cpuMsDeep + looks.core * cpuMsDeepCore + looks.connect * m.cpuMsTcpOpen + m.proberMsDeep) + notOpen * (m.cpuMsTcpClosed + m.proberMsTcp);
  const cpuWallMs = (n * cpuMsPerTarget) / vcpu;
  // Waiting: targets go in waves of probeConcurrency; a wave lasts as long as its slowest target.
  const waves = Math.ceil(n / f.probeConcurrency);
  const perWave = Math.min(n, f.probeConcurrency);
  const pFiltered = 1 - (1 - fleet.filtered) ** perWave;
  const unfilteredMs = fleet.open > 0 ? a.deepRoundTrips * a.rttMs : a.rttMs;
  const waitMs = waves * (pFiltered * f.timeoutMs + (1 - pFiltered) * unfilteredMs);
  const stateReadCalls = stateReads === 'digest' ? 0 : Math.ceil(n / 100);
  const fixedMs = a.invocationOverheadMs + stateReadCalls * a.ddbCallMs + a.ddbCallMs;
  const invocationMs = Math.max(cpuWallMs, waitMs) + fixedMs;
  const invocations = invocationsPerTick * ticks;
  const proberLambda = invocations * ((invocationMs / 1000) * (f.memoryMb / 1024) * PRICES.lambdaGbSecond + PRICES.lambdaRequest);
  // The dispatcher runs once per schedule tick; a fast lane's looks are its delayed copies.
  const dispatches = ticks / (variant.looksPerTick ?? 1);
  const dispatcherMs = Math.max(100, (m.dispatchMsPer1k * targets) / 1000);
  const dispatcherLambda = dispatches * ((dispatcherMs / 1000) * (256 / 1024) * PRICES.lambdaGbSecond + PRICES.lambdaRequest);
  const lambda = proberLambda + dispatcherLambda;

  const messages = Math.ceil(targets / f.targetsPerMessage);
  const messageBytes = (m.messageBytes * f.targetsPerMessage) / 25;
  const sendRequests = Math.ceil(messages / 10) * Math.max(1, Math.ceil((10 * messageBytes) / 65_536));
  // Per invocation: the event source's ReceiveMessage and DeleteMessageBatch.
  const sqs = ticks * (sendRequests + 2 * invocationsPerTick) * PRICES.sqsRequest;

  const stateBytes = fleet.open * m.stateBytesDeep + notOpen * m.stateBytesTcp;
  const readUnitsPerTarget = stateReads === 'digest' ? 0 : Math.ceil(stateBytes / 4096) * (stateReads === 'strong' ? 1 : 0.5);
  const itemBytes = m.targetItemBytes + (stateReads === 'digest' ? m.digestBytes : 0);
  const scanUnitsPerTick = Math.ceil((targets * itemBytes) / 4096) * 0.5; // eventually consistent Scan
  // With digests, a change reads its state strongly on the look and on its confirmation, and each
  // target's digest is checked against its state (one eventually consistent read, in the batch) once
  // per DIGEST_CHECK_EVERY_MS, or every tick if ticks are further apart.
  const checks = stateReads === 'digest' ? (targets * a.minutesPerMonth) / Math.max(intervalMin, DIGEST_CHECK_EVERY_MS / 60_000) : 0;
  const changeReads = stateReads === 'digest' ? targets * a.changesPerTargetMonth * 2 * Math.ceil(m.stateWithOutboxBytesDeep / 4096) : 0;
  const reads = ticks * (targets * readUnitsPerTarget + invocationsPerTick) + dispatches * scanUnitsPerTick + changeReads + checks * 0.5 * Math.ceil(stateBytes / 4096);
  // A change: the state with its outbox (event + alert: ~1.5x the baseline outbox), the alert lease
  // (the same item again), the history event, the state without the outbox; with digests, the
  // tombstone and the new digest on the Targets item (1 unit each: the item is well under 1 KB).
  const eventBytes = Math.max(0, m.stateWithOutboxBytesDeep - m.stateBytesDeep);
  const writeUnitsPerChange =
    2 * Math.ceil((m.stateWithOutboxBytesDeep * 1.5) / 1024) + Math.ceil(eventBytes / 1024) + Math.ceil(m.stateBytesDeep / 1024) + (stateReads === 'digest' ? 2 : 0);
  const writes = targets * a.changesPerTargetMonth * writeUnitsPerChange;
  const dynamodb = reads * PRICES.ddbReadUnit + writes * PRICES.ddbWriteUnit;

  const logBytesPerMonth = ticks * invocationsPerTick * a.logBytesPerInvocation + dispatches * a.logBytesPerDispatch;
  // Each view of the dashboard scans a day of logs once per log widget (Logs Insights, per GB scanned).
  const dashboardScans = (a.dashboardViewsPerMonth * a.logWidgets * logBytesPerMonth) / 30;
  const logs = (logBytesPerMonth / 1024 ** 3) * PRICES.logsIngestGb + (dashboardScans / 1024 ** 3) * PRICES.logsInsightsGb;
  const tracesPerMonth = invocations + dispatches;
  const sampled = Math.min(tracesPerMonth, a.xrayReservoirPerMonth) + a.xrayRate * Math.max(0, tracesPerMonth - a.xrayReservoirPerMonth);
  const xray = Math.max(0, sampled - 100_000) * PRICES.xrayTrace;
  const sns = targets * a.changesPerTargetMonth * PRICES.snsPublish;
  const openBytes = looks.full * bytesOutPerProbe(m, 'deep') + looks.core * bytesOutPerProbe(m, 'deepCore') + looks.connect * bytesOutPerProbe(m, 'openTcp');
  const bytesPerTarget = fleet.open * openBytes + fleet.closed * bytesOutPerProbe(m, 'closed') + fleet.filtered * bytesOutPerProbe(m, 'filtered');
  const transfer = ((ticks * targets * bytesPerTarget) / 1e9) * PRICES.dataTransferOutGb;
  const fixed = a.alarmMetrics * PRICES.alarm + a.hourlyMetrics * PRICES.customMetric + a.idlePollRequestsPerMonth * PRICES.sqsRequest;
  const total = lambda + sqs + dynamodb + logs + xray + sns + transfer + fixed;
  return { lambda, sqs, dynamodb, logs, xray, sns, transfer, fixed, total, perTarget: total / targets, invocationMs, invocationsPerTick };
}

export const VARIANTS: readonly { readonly label: string; readonly variant: Variant }[] = [
  { label: 'postureEvery = tick (deep every look)', variant: { stateReads: 'digest', postureEveryMin: null, slowPostureEveryMin: 60 } },
  { label: 'every deep look full', variant: { stateReads: 'digest', postureEveryMin: 5, slowPostureEveryMin: null } },
  { label: 'without digests or cadences (before)', variant: { stateReads: 'eventual', postureEveryMin: null, slowPostureEveryMin: null } },
];

export function costTable(m: Measured, fleets: readonly Fleet[] = FLEETS, f: FanOut = RECOMMENDED_FAN_OUT): string {
  const rows: string[][] = [];
  const ratio = (perTarget: number): string => `${Math.round(PRICES.route53AwsEndpointCheck / perTarget)}x`;
  for (const fleet of fleets) {
    for (const interval of [1, 5]) {
      for (const targets of [1_000, 10_000, 100_000]) {
        const c = monthlyCost(m, fleet, targets, interval, f, AS_BUILT);
        rows.push([
          fleet.name,
          `${interval} min`,
          targets.toLocaleString('en-US'),
          fmtUsd(c.lambda),
          fmtUsd(c.dynamodb),
          fmtUsd(c.transfer),
          fmtUsd(c.sqs + c.logs + c.xray + c.sns),
          fmtUsd(c.total),
          `${fmtUsd(c.perTarget)}: ${ratio(c.perTarget)} (${ratio((c.total - c.fixed) / targets)})`,
          ...VARIANTS.map(({ variant }) => {
            const v = monthlyCost(m, fleet, targets, interval, f, variant);
            return `${fmtUsd(v.perTarget)}: ${ratio(v.perTarget)} (${ratio((v.total - v.fixed) / targets)})`;
          }),
        ]);
      }
    }
  }
  return renderTable(
    ['fleet', 'every', 'targets', 'Lambda', 'DynamoDB', 'data out', 'SQS+logs+X-Ray+SNS', 'total/month', 'per target: vs R53', ...VARIANTS.map((v) => v.label)],
    rows,
  );
}

export function measuredTable(m: Measured): string {
  const us = (ms: number): string => `${(ms * 1000).toFixed(0)} us`;
  return renderTable(
    ['input', 'value'],
    [
      ['CPU per probe, closed port (depth tcp)', us(m.cpuMsTcpClosed)],
      ['CPU per probe, open port (depth tcp)', us(m.cpuMsTcpOpen)],
      ['CPU per probe, open broker, full deep look (depth mqtt: every posture question)', us(m.cpuMsDeep)],
      ['prober CPU per target beyond the probe (tcp / mqtt state)', `${us(m.proberMsTcp)} / ${us(m.proberMsDeep)}`],
      ['state item (tcp / mqtt / mqtt with baseline outbox)', `${m.stateBytesTcp} / ${m.stateBytesDeep} / ${m.stateWithOutboxBytesDeep} B`],
      ['dispatcher wall per 1,000 targets (embedded DynamoDB)', `${m.dispatchMsPer1k.toFixed(1)} ms`],
      ['SQS message (25 targets) / Targets item / its digest', `${Math.round(m.messageBytes)} B / ${m.targetItemBytes} B / +${m.digestBytes} B`],
      ['sent per depth-mqtt probe: TCP payload, connections (headers modelled)', `${Math.round(m.deepPayloadBytesOut)} B, ${m.deepConnections.toFixed(1)}; ${Math.round(bytesOutPerProbe(m, 'deep'))} B on the wire`],
      ['core deep look (slow questions carried): CPU; TCP payload, connections', `${us(m.cpuMsDeepCore ?? m.cpuMsDeep)}; ${Math.round(m.deepCorePayloadBytesOut ?? m.deepPayloadBytesOut)} B, ${(m.deepCoreConnections ?? m.deepConnections).toFixed(1)}; ${Math.round(bytesOutPerProbe(m, 'deepCore'))} B on the wire`],
    ],
  );
}

/** Route 53's health check every 10 s: the check and its optional fast-interval feature (AWS endpoint). */
export const ROUTE53_FAST_CHECK = PRICES.route53AwsEndpointCheck + PRICES.route53FeatureAws;

/**
 * The fast lane per target (lambda/monitor/lane.ts): a look every 10 s within 1-minute ticks, its
 * messages delayed by SQS; the dispatcher and its Scan still once a minute, deep looks still every
 * 5 minutes. Against Route 53's 10-s check, and what it adds to a target looked at every minute.
 */
export function fastLaneTable(m: Measured, fleets: readonly Fleet[] = FLEETS, f: FanOut = RECOMMENDED_FAN_OUT): string {
  const rows: string[][] = [];
  for (const fleet of fleets) {
    for (const targets of [1_000, 10_000, 100_000]) {
      const lane = monthlyCost(m, fleet, targets, 1 / 6, f, { ...AS_BUILT, looksPerTick: 6 });
      const minute = monthlyCost(m, fleet, targets, 1, f, AS_BUILT);
      rows.push([
        fleet.name,
        targets.toLocaleString('en-US'),
        fmtUsd(lane.total),
        `${fmtUsd(lane.perTarget)} (${fmtUsd((lane.total - lane.fixed) / targets)} without the fixed part)`,
        `+${fmtUsd(lane.perTarget - minute.perTarget)}`,
        `${Math.round(ROUTE53_FAST_CHECK / lane.perTarget)}x (${Math.round(ROUTE53_FAST_CHECK / ((lane.total - lane.fixed) / targets))}x)`,
      ]);
    }
  }
  return renderTable(['fleet', 'targets, every 10 s', 'total/month', 'per target', 'over every minute', `vs R53 10-s check ($${ROUTE53_FAST_CHECK.toFixed(2)})`], rows);
}

/**
 * The cost rows of the bench's main table: 1,000 targets every minute (the row issue 17 set at 100x a
 * Route 53 check), per fleet, the ratio with and without the stack's fixed part; and the fast lane.
 */
export function costRows(m: Measured): string[][] {
  return FLEETS.map((fleet) => {
    const c = monthlyCost(m, fleet, 1_000, 1);
    const lane = monthlyCost(m, fleet, 1_000, 1 / 6, RECOMMENDED_FAN_OUT, { ...AS_BUILT, looksPerTick: 6 });
    const ratio = PRICES.route53AwsEndpointCheck / c.perTarget;
    return [
      `Cost, 1,000 targets every minute, ${fleet.name} (model fed by this run)`,
      `${fmtUsd(c.total)}/month: ${fmtUsd(c.perTarget)} per target (fixed ${fmtUsd(c.fixed)})`,
      `Route 53 check $${PRICES.route53AwsEndpointCheck.toFixed(2)}; every 10 s: portwatch ${fmtUsd(lane.perTarget)}, Route 53 $${ROUTE53_FAST_CHECK.toFixed(2)}`,
      `${Math.round(ratio)}x cheaper (${Math.round(PRICES.route53AwsEndpointCheck / ((c.total - c.fixed) / 1_000))}x without the fixed part); 10 s: ${Math.round(ROUTE53_FAST_CHECK / lane.perTarget)}x`,
      `goal >= 100x at 1 minute: ${ratio >= 100 ? 'met' : 'NOT MET'}`,
    ];
  });
}
