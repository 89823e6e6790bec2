/**
 * SQS as the tests need it: the aws-stand-in answering SendMessageBatch in SQS's JSON protocol as SQS
 * does (each body's MD5, which the client checks), recording every batch, and refusing whole calls on
 * request (every attempt of one SDK call, told apart by its amz-sdk-invocation-id, so the SDK's own
 * retries do not turn a refusal into a success). The client sends to the host of the queue URL (its
 * useQueueUrlAsEndpoint), so tests use `queueUrl`, which names the stand-in. Several regions: one
 * `startRegionalSqs` per region.
 */
import { createHash } from 'node:crypto';
import type { ProbeMessage } from '../../lambda/contracts/probe-message';
import { type AwsStandIn, jsonAnswer, jsonError, type StandInRequest, type StandInResponse, startAwsStandIn } from './aws-stand-in';

/** One SendMessageBatch entry as the SDK serialized it. */
export interface SentEntry {
  readonly Id: string;
  readonly MessageBody: string;
  readonly DelaySeconds?: number;
}

/** A stand-in handler for SendMessageBatch (null for any other request), for stand-ins that speak several services. */
export function sendMessageBatch(onBatch: (entries: SentEntry[], request: StandInRequest) => StandInResponse | void): (request: StandInRequest) => StandInResponse | null {
  return (request) => {
    if (request.action !== 'SendMessageBatch') return null;
    const entries = (request.json as { Entries: SentEntry[] }).Entries;
    const refused = onBatch(entries, request);
    if (refused) return refused;
    const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
    return jsonAnswer({ Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: md5(e.MessageBody) })), Failed: [] });
  };
}

export interface SqsStandIn extends AwsStandIn {
  /** A queue URL on the stand-in. */
  readonly queueUrl: string;
  /** Every batch SQS accepted, in order; clear it with `batches.length = 0`. */
  readonly batches: SentEntry[][];
  /** Refuses the next `calls` SendMessageBatch calls (all their retries) with a 503 ServiceUnavailable. */
  refuse(calls: number): void;
  /** Refusals not used yet. */
  refusalsLeft(): number;
}

export async function startSqsStandIn(): Promise<SqsStandIn> {
  const batches: SentEntry[][] = [];
  let refusals = 0;
  const refused = new Set<string>();
  const answer = sendMessageBatch((entries, request) => {
    const invocation = String(request.headers['amz-sdk-invocation-id'] ?? '');
    if (!refused.has(invocation) && refusals > 0) {
      refusals--;
      refused.add(invocation);
    }
    if (refused.has(invocation)) return jsonError('ServiceUnavailable', 'Service unavailable', 503);
    batches.push(entries);
    return undefined;
  });
  const standIn = await startAwsStandIn((request) => answer(request) ?? jsonError('InvalidAction', `stand-in speaks SendMessageBatch only, not ${String(request.action)}`));
  return {
    ...standIn,
    queueUrl: `${standIn.endpoint}/123456789012/probe`,
    batches,
    refuse: (calls) => {
      refusals = calls;
    },
    refusalsLeft: () => refusals,
  };
}

/**
 * One "region" of a multi-region deployment: an SQS stand-in whose queue URL names the region, that
 * records the region each request was signed for (so a test sees one client per region) and the probe
 * messages it accepted, and refuses every attempt with 503 ServiceUnavailable while `refusing`.
 */
export interface RegionalSqs {
  readonly name: string;
  readonly standIn: AwsStandIn;
  readonly queueUrl: string;
  readonly messages: ProbeMessage[];
  readonly signedFor: Set<string>;
  refusing: boolean;
}

export async function startRegionalSqs(name: string): Promise<RegionalSqs> {
  const region = { name, messages: [] as ProbeMessage[], signedFor: new Set<string>(), refusing: false } as RegionalSqs;
  const answer = sendMessageBatch((entries, request) => {
    // SigV4: Credential=KEY/DATE/REGION/sqs/aws4_request
    const scope = /Credential=[^/]+\/\d+\/([^/]+)\/sqs\//.exec(String(request.headers.authorization ?? ''));
    region.signedFor.add(scope?.[1] ?? 'unsigned');
    if (region.refusing) return jsonError('ServiceUnavailable', 'Service unavailable', 503);
    region.messages.push(...entries.map((e) => JSON.parse(e.MessageBody) as ProbeMessage));
    return undefined;
  });
  const standIn = await startAwsStandIn((request) => answer(request) ?? jsonError('InvalidAction', String(request.action)));
  return Object.assign(region, { standIn, queueUrl: `${standIn.endpoint}/123456789012/Portwatch-probe-${name}` });
}

/**
 * The SQS client says, once per request, that it sends to the queue URL's host rather than the
 * region's endpoint: with regional stand-ins that is the point, so only that line is quieted.
 */
export function quietQueueUrlHostWarning(): void {
  const warn = console.warn.bind(console);
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes('using QueueUrl host as endpoint')) warn(...args);
  });
}
