/**
 * The dispatcher paging and packing a large Targets table from the embedded DynamoDB, with the
 * dispatcher Lambda's defaults (contracts/dispatcher-env.ts: 4 scan segments, 25 targets per message),
 * assembled by its composition root, and a queue that only counts.
 * Loading the table (BatchWriteItem) is not timed.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTargetSource } from '../lambda/adapters/aws/dynamodb-target-source';
import { DynamoDbTargets } from '../lambda/adapters/operator/dynamodb-targets';
import { ensureTables, startEmbeddedDynamoDb } from '../lambda/adapters/local/embedded-dynamodb';
import type { DispatchReport } from '../lambda/monitor/dispatch';
import type { ProbeQueue } from '../lambda/monitor/dependencies';
import type { ProbeMessage } from '../lambda/contracts/probe-message';
import { DISPATCHER_DEFAULTS } from '../lambda/contracts/dispatcher-env';
import { createDispatch } from '../lambda/handlers/dispatcher-root';
import { countRequests } from '../test/helpers/dynalite';
import { cpuMicros } from './table';

/** A ProbeQueue that counts what SqsProbeQueue would send: SendMessageBatch calls, messages, bytes. */
export class CountingQueue implements ProbeQueue {
  sends = 0;
  messages = 0;
  targets = 0;
  bytes = 0;
  /** SQS bills each 64 KiB chunk of a request as one request. */
  billedRequests = 0;
  maxMessageBytes = 0;

  async send(messages: readonly ProbeMessage[]): Promise<void> {
    this.sends++;
    let requestBytes = 0;
    for (const m of messages) {
      const size = Buffer.byteLength(JSON.stringify(m));
      this.messages++;
      this.targets += m.targets.length;
      this.bytes += size;
      requestBytes += size;
      this.maxMessageBytes = Math.max(this.maxMessageBytes, size);
    }
    this.billedRequests += Math.max(1, Math.ceil(requestBytes / 65_536));
  }
}

export interface DispatchBenchResult {
  readonly targets: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly report: DispatchReport;
  readonly queue: CountingQueue;
  readonly requests: Record<string, number>;
  readonly loadMs: number;
}

/** `n` distinct targets across 10.0.0.0/8 (never probed: the dispatcher only reads and packs them). */
export function fleetItems(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ target: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8883`, expect: i % 3 === 0 ? 'closed' : undefined, depth: 'mqtt' }));
}

export async function runDispatchBench(targets: number, log: (line: string) => void = () => undefined): Promise<DispatchBenchResult> {
  const db = await startEmbeddedDynamoDb();
  try {
    const table = 'bench-dispatch-targets';
    await ensureTables(db.client as DynamoDBClient, { targets: table, state: 'bench-dispatch-state' });
    log(`  loading ${targets} targets (BatchWriteItem, not timed)`);
    const loadStarted = performance.now();
    await new DynamoDbTargets(db.client, table, { concurrency: 16 }).batchPut(fleetItems(targets));
    const loadMs = performance.now() - loadStarted;
    const counter = countRequests(db.client);
    const queue = new CountingQueue();
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const report = await createDispatch({ source: new DynamoDbTargetSource(db.client, table), queue }, DISPATCHER_DEFAULTS)(new Date().toISOString());
    const wallMs = performance.now() - started;
    // This process also runs dynalite, so its CPU is an upper bound of the dispatcher's own.
    const cpuMs = cpuMicros(cpu0) / 1000;
    return { targets, wallMs, cpuMs, report, queue, requests: counter.snapshot(), loadMs };
  } finally {
    await db.close();
  }
}
