/**
 * The three sinks over the wire. Security Hub (REST/JSON), EventBridge (JSON 1.1 with X-Amz-Target)
 * and SNS (query/XML) cannot run here: the real SecurityHubClient, EventBridgeClient and SNSClient
 * talk to an HTTP stand-in on 127.0.0.1 (test/helpers/aws-stand-in.ts) that answers in each
 * service's wire format, so what is asserted is what the SDK serialized and how it read the answer.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import Ajv from 'ajv';
import { ChatNotifier } from '../../../../lambda/adapters/aws/chat-notifier';
import { EventBridgeEvents, EventRejectedError } from '../../../../lambda/adapters/aws/eventbridge-events';
import { FindingsImportError, MAX_FINDINGS_PER_IMPORT, SecurityHubFindings } from '../../../../lambda/adapters/aws/security-hub-findings';
import { asffFinding, type AsffFinding } from '../../../../lambda/monitor/asff';
import { createSinks, scopeOfFunctionArn } from '../../../../lambda/handlers/prober-sinks';
import { jsonAnswer, queryXml, STAND_IN_CREDENTIALS, startAwsStandIn, type AwsStandIn, type StandInHandler } from '../../../helpers/aws-stand-in';
import { OPENED, RECOVERED } from '../../../helpers/sample-alerts';

const SCOPE = { accountId: '123456789012', region: 'eu-west-1' };
const CLIENT = (standIn: AwsStandIn) => ({ endpoint: standIn.endpoint, region: 'eu-west-1', credentials: STAND_IN_CREDENTIALS, maxAttempts: 1 });

async function withStandIn(handler: StandInHandler, fn: (standIn: AwsStandIn) => Promise<void>): Promise<void> {
  const standIn = await startAwsStandIn(handler);
  try {
    await fn(standIn);
  } finally {
    await standIn.close();
  }
}

/** Security Hub's BatchImportFindings answer: every finding imported. */
const imported: StandInHandler = (r) => jsonAnswer({ FailedCount: 0, SuccessCount: ((r.json as { Findings: unknown[] }).Findings ?? []).length, FailedFindings: [] });
const findingsOf = (standIn: AwsStandIn, i = 0) => (standIn.requests[i]?.json as { Findings: AsffFinding[] }).Findings;

/** The ASFF fields Security Hub requires of every imported finding. */
const REQUIRED_ASFF = ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'Types', 'CreatedAt', 'UpdatedAt', 'Severity', 'Title', 'Description', 'Resources'];

describe('SecurityHubFindings', () => {
  it('imports the findings an alert changes with BatchImportFindings on /findings/import', async () => {
    await withStandIn(imported, async (standIn) => {
      await new SecurityHubFindings(new SecurityHubClient(CLIENT(standIn)), SCOPE).deliver(OPENED);
      expect(standIn.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /findings/import']);
      const findings = findingsOf(standIn);
      expect(findings.map((f) => f.Id)).toEqual(['portwatch/broker.example.com/exposure', 'portwatch/broker.example.com/anonymous-access']);
      for (const f of findings) expect(REQUIRED_ASFF.filter((k) => !(k in f))).toEqual([]);
      if (process.env.PORTWATCH_PRINT_SAMPLES) console.log(JSON.stringify(findings[1], null, 2));
    });
  });

  it('sends at most 100 findings per request', async () => {
    await withStandIn(imported, async (standIn) => {
      const many = Array.from({ length: 250 }, (_, i) => asffFinding({ ...OPENED, target: `b${i}.example`, seenAt: OPENED.at, since: OPENED.at, open: true, expected: 'closed' }, 'exposure', SCOPE, false));
      await new SecurityHubFindings(new SecurityHubClient(CLIENT(standIn)), SCOPE).importFindings(many);
      expect(standIn.requests.map((_, i) => findingsOf(standIn, i).length)).toEqual([MAX_FINDINGS_PER_IMPORT, MAX_FINDINGS_PER_IMPORT, 50]);
    });
  });

  it('a partial failure (FailedFindings in a 200 answer) is a refusal naming each finding, after every batch was tried', async () => {
    const partial: StandInHandler = (r) => {
      const [first, ...rest] = (r.json as { Findings: AsffFinding[] }).Findings;
      return jsonAnswer({ FailedCount: 1, SuccessCount: rest.length, FailedFindings: [{ Id: first?.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'Finding does not adhere to ASFF' }] });
    };
    await withStandIn(partial, async (standIn) => {
      const sink = new SecurityHubFindings(new SecurityHubClient(CLIENT(standIn)), SCOPE);
      const error = await sink.deliver(RECOVERED).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FindingsImportError);
      expect((error as Error).message).toBe('Security Hub refused 1 of 2 findings: portwatch/broker.example.com/exposure InvalidInput (Finding does not adhere to ASFF)');
    });
  });
});

describe('EventBridgeEvents', () => {
  it('puts one entry per alert: source portwatch, the detail-type of its event, the alert JSON as detail', async () => {
    await withStandIn(() => jsonAnswer({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }), async (standIn) => {
      await new EventBridgeEvents(new EventBridgeClient(CLIENT(standIn)), 'default').deliver(OPENED);
      const [request] = standIn.requests;
      expect(request?.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
      const { Entries } = request?.json as { Entries: Record<string, unknown>[] };
      expect(Entries).toEqual([
        { Source: 'portwatch', DetailType: 'Portwatch Port Opened', EventBusName: 'default', Time: Date.parse(OPENED.at) / 1000, Resources: [OPENED.labels.resourceArn], Detail: expect.any(String) },
      ]);
      expect(JSON.parse(Entries[0]?.Detail as string)).toMatchObject({ schema: 'portwatch.alert/v1', id: OPENED.id, event: 'opened' });
      if (process.env.PORTWATCH_PRINT_SAMPLES) console.log(JSON.stringify(Entries[0], null, 2));
    });
  });

  it('an entry refused in a 200 answer (FailedEntryCount) is a refusal with its code', async () => {
    const throttled = () => jsonAnswer({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });
    await withStandIn(throttled, async (standIn) => {
      const sink = new EventBridgeEvents(new EventBridgeClient(CLIENT(standIn)), 'security-events');
      await expect(sink.deliver(OPENED)).rejects.toThrow(new EventRejectedError('EventBridge refused alert broker.example.com@7 on bus security-events: ThrottlingException (Rate exceeded)'));
    });
  });
});

/** The Amazon Q Developer in chat applications custom notification: what the format requires and types. */
const CUSTOM_NOTIFICATION = {
  type: 'object',
  required: ['version', 'source', 'content'],
  properties: {
    version: { const: '1.0' },
    source: { const: 'custom' },
    id: { type: 'string' },
    content: {
      type: 'object',
      required: ['description'],
      properties: {
        textType: { const: 'client-markdown' },
        title: { type: 'string', minLength: 1 },
        description: { type: 'string', minLength: 1 },
        nextSteps: { type: 'array', items: { type: 'string' } },
        keywords: { type: 'array', items: { type: 'string' } },
      },
    },
    metadata: {
      type: 'object',
      properties: {
        threadId: { type: 'string', minLength: 1 },
        summary: { type: 'string' },
        eventType: { type: 'string' },
        relatedResources: { type: 'array', items: { type: 'string' } },
        additionalContext: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
} as const;

describe('ChatNotifier', () => {
  it('publishes the custom notification as the message body, with the alert attributes for filter policies', async () => {
    const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';
    await withStandIn(() => queryXml('Publish', SNS_NS, '<MessageId>m-1</MessageId>'), async (standIn) => {
      await new ChatNotifier(new SNSClient(CLIENT(standIn)), 'arn:aws:sns:eu-west-1:123456789012:chat').deliver(OPENED);
      const form = standIn.requests[0]?.form ?? new URLSearchParams();
      expect([form.get('Action'), form.get('TopicArn'), form.get('MessageStructure')]).toEqual(['Publish', 'arn:aws:sns:eu-west-1:123456789012:chat', null]);
      const message = JSON.parse(form.get('Message') ?? '{}') as Record<string, unknown>;
      const validate = new Ajv({ allErrors: true }).compile(CUSTOM_NOTIFICATION);
      expect(validate(message) ? [] : validate.errors).toEqual([]);
      expect(message).toMatchObject({ content: { title: expect.any(String), nextSteps: expect.any(Array), keywords: expect.any(Array) }, metadata: { threadId: 'portwatch/broker.example.com' } });
      expect(form.get('MessageAttributes.entry.1.Name')).toBe('event');
      if (process.env.PORTWATCH_PRINT_SAMPLES) console.log(JSON.stringify(message, null, 2));
    });
  });
});

describe('createSinks', () => {
  it('builds the sinks the environment names, in order; Security Hub scoped by the function ARN', () => {
    const sns = new SNSClient({ region: 'eu-west-1' });
    const sinks = createSinks({ securityHub: true, eventBusName: 'default', chatTopicArn: 'arn:aws:sns:eu-west-1:123456789012:chat' }, 'arn:aws:lambda:eu-west-1:123456789012:function:prober', sns);
    expect(sinks.map((s) => s.name)).toEqual(['security-hub', 'eventbridge', 'chat']);
    expect(createSinks({ securityHub: false, eventBusName: null, chatTopicArn: null }, 'not used', sns)).toEqual([]);
    expect(scopeOfFunctionArn('arn:aws-cn:lambda:cn-north-1:123456789012:function:p:live')).toEqual({ partition: 'aws-cn', region: 'cn-north-1', accountId: '123456789012' });
    expect(() => scopeOfFunctionArn('prober')).toThrow('not a Lambda function ARN: "prober"');
  });

  it("a prober in another region sends to the home region's Security Hub and bus (signed for it, the home product in the findings)", async () => {
    // Prepare: one stand-in for both services, reached through the SDK's standard endpoint variables.
    const answer: StandInHandler = (r) => (r.path === '/findings/import' ? imported(r) : jsonAnswer({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }));
    await withStandIn(answer, async (standIn) => {
      const saved = { ...process.env };
      Object.assign(process.env, { AWS_ENDPOINT_URL_SECURITYHUB: standIn.endpoint, AWS_ENDPOINT_URL_EVENTBRIDGE: standIn.endpoint, AWS_ACCESS_KEY_ID: 'stand-in', AWS_SECRET_ACCESS_KEY: 'stand-in' });
      try {
        const sinks = createSinks({ securityHub: true, eventBusName: 'default', chatTopicArn: null, homeRegion: 'eu-central-1' }, 'arn:aws:lambda:us-east-1:123456789012:function:prober', new SNSClient({ region: 'eu-central-1' }));

        // Act
        for (const sink of sinks) await sink.deliver(OPENED);

        // Assess
        const signedFor = standIn.requests.map((r) => /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(r.headers.authorization))?.[1]);
        expect(signedFor).toEqual(['eu-central-1', 'eu-central-1']);
        expect(new Set(findingsOf(standIn).map((f) => f.ProductArn))).toEqual(new Set(['arn:aws:securityhub:eu-central-1:123456789012:product/123456789012/default']));
      } finally {
        process.env = saved;
      }
    });
  });
});
