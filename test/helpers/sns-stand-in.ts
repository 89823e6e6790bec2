/**
 * SNS as the tests need it: the aws-stand-in answering Publish in SNS's query protocol, decoding each
 * publish back into the shape of PublishCommandInput, and refusing whole publishes on request (every
 * attempt of one SDK call, told apart by its amz-sdk-invocation-id, so the SDK's own retries do not
 * turn a refusal into a success).
 */
import { type AwsStandIn, queryXml, queryXmlError, startAwsStandIn } from './aws-stand-in';

const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** One publish as the SDK serialized it, read back into PublishCommandInput's names. */
export interface PublishedMessage {
  readonly TopicArn: string | null;
  readonly Subject: string | null;
  readonly Message: string | null;
  readonly MessageStructure: string | null;
  readonly MessageAttributes: Record<string, { DataType: string | null; StringValue: string | null }>;
}

export interface SnsStandIn extends AwsStandIn {
  /** Every publish SNS accepted, in order; clear it with `published.length = 0`. */
  readonly published: PublishedMessage[];
  /** Refuses the next `calls` publishes (all their retries) with a 500 InternalError, "Internal failure". */
  refuse(calls: number): void;
}

/** The message attributes of a query-protocol Publish form, as name -> {DataType, StringValue}. */
function attributes(form: URLSearchParams): PublishedMessage['MessageAttributes'] {
  const out: PublishedMessage['MessageAttributes'] = {};
  for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
    out[form.get(`MessageAttributes.entry.${i}.Name`) ?? ''] = {
      DataType: form.get(`MessageAttributes.entry.${i}.Value.DataType`),
      StringValue: form.get(`MessageAttributes.entry.${i}.Value.StringValue`),
    };
  }
  return out;
}

export async function startSnsStandIn(): Promise<SnsStandIn> {
  const published: PublishedMessage[] = [];
  let refusals = 0;
  const refused = new Set<string>();
  const standIn = await startAwsStandIn((request) => {
    if (request.action !== 'Publish') return queryXmlError('InvalidAction', `stand-in speaks Publish only, not ${String(request.action)}`);
    const invocation = String(request.headers['amz-sdk-invocation-id'] ?? '');
    if (!refused.has(invocation) && refusals > 0) {
      refusals--;
      refused.add(invocation);
    }
    if (refused.has(invocation)) return queryXmlError('InternalError', 'Internal failure', { status: 500 });
    const { form } = request;
    published.push({
      TopicArn: form.get('TopicArn'),
      Subject: form.get('Subject'),
      Message: form.get('Message'),
      MessageStructure: form.get('MessageStructure'),
      MessageAttributes: attributes(form),
    });
    return queryXml('Publish', SNS_NS, `<MessageId>stand-in-${published.length}</MessageId>`);
  });
  return {
    ...standIn,
    published,
    refuse: (calls) => {
      refusals = calls;
    },
  };
}
