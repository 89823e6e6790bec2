/**
 * `portwatch probe --format text|json|asff`: which output, and for asff where the findings belong.
 * The CLI makes no AWS call, so the account is a flag (`--account`) and the region a flag or the AWS
 * CLI's own variables; a missing one is a usage error naming it, rather than a placeholder that
 * `aws securityhub batch-import-findings` would refuse only after the probe ran.
 */
import { currentFindings, type AsffFinding, type AsffScope } from '../../lambda/monitor/asff';
import type { ProbeResult } from '../../lambda/probe/types';
import { UsageError } from './cli-io';

export const PROBE_FORMATS = ['text', 'json', 'asff'] as const;
export type ProbeFormat = (typeof PROBE_FORMATS)[number];

export interface FormatOptions {
  readonly format?: string;
  /** `--json`: an alias of `--format json`, kept for scripts written before --format. */
  readonly json?: boolean;
  readonly account?: string;
  readonly region?: string;
  readonly partition?: string;
}

/** The output format, and for asff the account, region and partition of the findings. */
export function parseProbeFormat(raw: FormatOptions, env: Readonly<Record<string, string | undefined>> = process.env): { format: ProbeFormat; asff?: AsffScope } {
  const typed = raw.format?.trim().toLowerCase();
  if (typed !== undefined && !(PROBE_FORMATS as readonly string[]).includes(typed)) {
    throw new UsageError(`--format: ${JSON.stringify(raw.format)} must be one of ${PROBE_FORMATS.join(', ')}`);
  }
  if (raw.json === true && typed !== undefined && typed !== 'json') throw new UsageError(`--json: is --format json, and --format says ${JSON.stringify(raw.format)}: give one of them`);
  const format = (typed ?? (raw.json === true ? 'json' : 'text')) as ProbeFormat;
  if (format !== 'asff') return { format };
  const account = raw.account?.trim();
  if (account === undefined || account === '') throw new UsageError('--account: required with --format asff: the 12-digit AWS account the findings are about (the CLI makes no AWS call to learn it)');
  if (!/^\d{12}$/.test(account)) throw new UsageError(`--account: ${JSON.stringify(raw.account)} is not an AWS account id (12 digits)`);
  const region = raw.region?.trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new UsageError('--region: required with --format asff (or set AWS_REGION): the Security Hub region the findings go to');
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new UsageError(`--region: ${JSON.stringify(region)} is not an AWS region (e.g. eu-west-1)`);
  const partition = raw.partition?.trim() || 'aws';
  if (!/^aws(-[a-z]+)*$/.test(partition)) throw new UsageError(`--partition: ${JSON.stringify(raw.partition)} is not an AWS partition (aws, aws-cn, aws-us-gov)`);
  return { format, asff: { accountId: account, region, partition } };
}

/**
 * The findings of one-shot probes, as the JSON array `aws securityhub batch-import-findings
 * --findings file://...` takes. A one-shot probe knows no `expect`, so it reports what the broker
 * shows (anonymous access, plaintext MQTT, certificate, legacy TLS), never an exposure.
 */
export function asffOfResults(results: readonly ProbeResult[], scope: AsffScope): AsffFinding[] {
  return results.flatMap((r) =>
    currentFindings(
      { target: r.target, display: r.target, open: r.status === 'open', expected: null, findings: r.findings, labels: {}, description: null, seenAt: r.at, since: null, evidence: r },
      scope,
    ),
  );
}
