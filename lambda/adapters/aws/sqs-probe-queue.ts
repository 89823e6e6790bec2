import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ProbeMessage } from '../../contracts/probe-message';
import type { ProbeQueue } from '../../monitor/dependencies';

const SQS_BATCH_LIMIT = 10;
const MAX_ATTEMPTS = 5;
/** SQS caps the sum of a batch's bodies at 256 KiB; stay below it with room for attributes. */
const SQS_BATCH_BYTES = 240_000;

interface Entry {
  readonly Id: string;
  readonly MessageBody: string;
  /** A fast lane's copy waits in the queue until its look is due (the probe queue is standard: FIFO queues refuse per-message delays). */
  readonly DelaySeconds?: number;
}

function chunkEntries(messages: readonly ProbeMessage[]): Entry[][] {
  const chunks: Entry[][] = [];
  let current: Entry[] = [];
  let bytes = 0;
  for (const message of messages) {
    const body = JSON.stringify(message);
    const size = Buffer.byteLength(body);
    if (current.length >= SQS_BATCH_LIMIT || (current.length > 0 && bytes + size > SQS_BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    const delay = message.delayS ?? 0;
    current.push({ Id: String(current.length), MessageBody: body, ...(delay > 0 ? { DelaySeconds: delay } : {}) });
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Sends probe messages ten at a time, re-sending only the entries SQS reports as failed. */
export class SqsProbeQueue implements ProbeQueue {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async send(messages: readonly ProbeMessage[]): Promise<void> {
    for (const chunk of chunkEntries(messages)) {
      let entries = chunk;
      for (let attempt = 1; entries.length > 0; attempt++) {
        const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        const senderFault = (out.Failed ?? []).find((f) => f.SenderFault);
        if (senderFault) throw new Error(`SQS refused probe message ${senderFault.Id}: ${senderFault.Code} ${senderFault.Message ?? ''}`);
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length > 0) {
          if (attempt >= MAX_ATTEMPTS) throw new Error(`SQS failed ${entries.length} probe messages after ${MAX_ATTEMPTS} attempts`);
          await this.sleep(50 * 2 ** attempt);
        }
      }
    }
  }
}
