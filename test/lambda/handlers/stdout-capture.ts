import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../helpers/lambda-env';

/** A JSON line a handler wrote: a Powertools log item or an EMF metrics document. */
export type JsonLine = Record<string, unknown>;

/** One metric of an EMF document, with the dimensions and the value(s) CloudWatch would extract. */
export interface EmfMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string;
  readonly dimensions: Readonly<Record<string, unknown>>;
  readonly values: readonly number[];
}

export interface Captured {
  /** Log items (lines with a `level`), in order. */
  readonly logs: JsonLine[];
  /** Every metric of every EMF document (lines with `_aws`), in order. */
  readonly metrics: EmfMetric[];
}

/**
 * Runs `fn` with stdout and stderr captured: Powertools writes each log item and each EMF document as
 * one JSON line to them (through its own Console, not the global one jest replaces). Lines that are
 * not JSON pass through, so a stray warning still shows in the test output.
 */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; out: Captured }> {
  const lines: JsonLine[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream);
    return jest.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const passThrough = text.split('\n').filter((line) => {
        if (line.trim() === '') return false;
        try {
          lines.push(JSON.parse(line) as JsonLine);
          return false;
        } catch {
          return true;
        }
      });
      return passThrough.length === 0 ? true : original(`${passThrough.join('\n')}\n`, ...(rest as []));
    }) as typeof stream.write);
  });
  let result: T | undefined;
  let error: unknown;
  try {
    result = await fn();
  } catch (err) {
    error = err;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return { result, error, out: { logs: lines.filter((l) => !('_aws' in l)), metrics: lines.filter((l) => '_aws' in l).flatMap(emfMetrics) } };
}

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: string }[];
}

/** Reads an EMF document the way CloudWatch does: each directive's metrics under each dimension set. */
function emfMetrics(doc: JsonLine): EmfMetric[] {
  const aws = doc._aws as { CloudWatchMetrics: EmfDirective[] };
  return aws.CloudWatchMetrics.flatMap((directive) =>
    directive.Dimensions.flatMap((set) =>
      directive.Metrics.map((m) => {
        const raw = doc[m.Name];
        return {
          namespace: directive.Namespace,
          name: m.Name,
          unit: m.Unit,
          dimensions: Object.fromEntries(set.map((d) => [d, doc[d]])),
          values: (Array.isArray(raw) ? raw : [raw]) as number[],
        };
      }),
    ),
  );
}

/** Sum of the values of metric `name` (optionally with a dimension value), or undefined when never emitted. */
export function metricSum(metrics: readonly EmfMetric[], name: string, dimensions: Record<string, string> = {}): number | undefined {
  const matching = metrics.filter((m) => m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v));
  return matching.length === 0 ? undefined : matching.flatMap((m) => m.values).reduce((a, b) => a + b, 0);
}

/** A Lambda context as the runtime passes it, with the controllable clock of `lambdaContext`. */
export function fullContext(functionName: string, requestId: string, remainingMs?: number): Context {
  return {
    ...lambdaContext(remainingMs),
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/24/[$LATEST]0123456789abcdef0123456789abcdef',
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
