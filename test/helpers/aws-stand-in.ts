/**
 * An HTTP stand-in for AWS services that cannot run here (SNS, SQS, EC2, STS, Security Hub...): the
 * real SDK client, serializer and parser talk to it on 127.0.0.1 through the SDK's standard
 * `AWS_ENDPOINT_URL_<SERVICE>` variables (or an `endpoint` read from one). It decodes the three wire
 * shapes the SDK sends (query form with `Action=`, JSON with `X-Amz-Target`, REST paths) into one
 * `StandInRequest`; each test answers in the service's own format with the helpers below, and every
 * request is recorded so a test can assert what the client actually sent.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/2013-04-01/hostedzone`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** The operation: `Action` of a query-protocol form, the part after the dot of `X-Amz-Target`, or null (REST). */
  readonly action: string | null;
  /** Query-protocol form fields (empty for other protocols). */
  readonly form: URLSearchParams;
  /** The parsed JSON body of a JSON-protocol request (null otherwise). */
  readonly json: unknown;
  readonly body: string;
}

export interface StandInResponse {
  readonly status?: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type StandInHandler = (request: StandInRequest) => StandInResponse | Promise<StandInResponse>;

export interface AwsStandIn {
  /** `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_<SERVICE>` or a client's `endpoint`. */
  readonly endpoint: string;
  readonly requests: StandInRequest[];
  close(): Promise<void>;
}

/** Starts a stand-in on an ephemeral loopback port; an exception in `handler` becomes a 500 so the SDK retries as with AWS. */
export async function startAwsStandIn(handler: StandInHandler): Promise<AwsStandIn> {
  const requests: StandInRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const request = decode(req, Buffer.concat(chunks).toString('utf8'));
        requests.push(request);
        let answer: StandInResponse;
        try {
          answer = await handler(request);
        } catch (err) {
          answer = { status: 500, contentType: 'text/plain', body: String(err) };
        }
        res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType, ...answer.headers });
        res.end(answer.body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function decode(req: IncomingMessage, body: string): StandInRequest {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const contentType = String(req.headers['content-type'] ?? '');
  const target = req.headers['x-amz-target'];
  const form = contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body) : new URLSearchParams();
  const isJson = contentType.includes('json') && body.length > 0;
  const action = typeof target === 'string' ? (target.split('.').pop() ?? null) : form.get('Action');
  return {
    method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers,
    action, form, json: isJson ? JSON.parse(body) : null, body,
  };
}

/** Escapes text for an XML element body. */
export function xmlText(value: string | number | boolean): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A query-protocol (SNS, STS, ELBv2) success answer: `<ActionResponse><ActionResult>inner</ActionResult>`.
 * EC2's own flavour has no Result wrapper: pass `{ ec2: true }`.
 */
export function queryXml(action: string, namespace: string, inner: string, opts: { ec2?: boolean } = {}): StandInResponse {
  const result = opts.ec2 ? inner : `<${action}Result>${inner}</${action}Result>`;
  const meta = opts.ec2 ? '<requestId>stand-in</requestId>' : '<ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata>';
  return {
    contentType: 'text/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="${namespace}">${result}${meta}</${action}Response>`,
  };
}

/** A query-protocol error (status 400 unless given), e.g. `Throttling` / `RequestLimitExceeded`. */
export function queryXmlError(code: string, message: string, opts: { ec2?: boolean; status?: number } = {}): StandInResponse {
  const body = opts.ec2
    ? `<Response><Errors><Error><Code>${code}</Code><Message>${xmlText(message)}</Message></Error></Errors><RequestID>stand-in</RequestID></Response>`
    : `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlText(message)}</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>`;
  return { status: opts.status ?? 400, contentType: 'text/xml', body };
}

/** A JSON-protocol (awsJson1_0/1_1, restJson1) success answer. */
export function jsonAnswer(value: unknown, status = 200): StandInResponse {
  return { status, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(value) };
}

/** A JSON-protocol error: `__type` names it, as the services do (e.g. `ThrottlingException`). */
export function jsonError(type: string, message: string, status = 400): StandInResponse {
  return { status, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: type, message }), headers: { 'x-amzn-errortype': type } };
}

/** Fake credentials and a region, so the SDK signs requests to the stand-in (it never checks them). */
export const STAND_IN_CREDENTIALS = { accessKeyId: 'stand-in', secretAccessKey: 'stand-in' } as const;
