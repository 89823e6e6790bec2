/**
 * `portwatch probe TARGET...`: a one-shot probe, no state. A table for people, JSON lines for machines.
 * Exit 0 when every target was probed (whatever it answered: closed is a result), 1 when a target
 * could not be probed (status `error`: DNS failure, refused address), 2 for bad usage.
 */
import type { Command } from 'commander';
import { DEFAULT_PROBE_OPTIONS, probeMany } from '../../lambda/probe/index';
import type { Depth, ProbeOptions, ProbeResult, ProbeSpec } from '../../lambda/probe/types';
import { DEFAULT_PORT, formatFieldError, parseServerName, parseTargetKey } from '../../lambda/monitor/target';
import { parsePort } from '../../lambda/parse/port';
import { EXIT_FAILED, EXIT_OK, UsageError } from './cli-io';
import { caFileOption, INTEGER_FLAGS, parseIntegerFlag, rangeText, plaintextPortFlag } from './options';
import { mqttFactLines } from './mqtt-facts';
import { formatFindings, renderTable } from './output';
import { asffOfResults, parseProbeFormat, PROBE_FORMATS, type ProbeFormat } from './probe-format';
import type { AsffScope } from '../../lambda/monitor/asff';

const DEPTHS: readonly Depth[] = ['tcp', 'tls', 'mqtt'];
const DEFAULT_CONCURRENCY = 16;

interface ProbeCommandDeps {
  readonly stdout: (text: string) => void;
  readonly setExitCode: (code: number) => void;
  /** Extra probe options (tests inject a resolver or trust anchors). */
  readonly probeOptions?: Partial<ProbeOptions>;
}

const DEFAULT_DEPS: ProbeCommandDeps = {
  stdout: (text) => process.stdout.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

interface RawOptions {
  readonly port: string;
  readonly timeout: string;
  readonly depth: string;
  readonly udp?: boolean;
  readonly json?: boolean;
  readonly format?: string;
  readonly account?: string;
  readonly region?: string;
  readonly partition?: string;
  readonly certExpiringDays: string;
  readonly concurrency: string;
  readonly ca?: string;
  readonly plaintextPort?: string;
  readonly serverName?: string;
}

interface ProbeInvocation {
  readonly specs: readonly ProbeSpec[];
  readonly timeoutMs: number;
  readonly certExpiringDays: number;
  readonly concurrency: number;
  readonly format: ProbeFormat;
  /** With `--format asff`: the account, region and partition of the findings. */
  readonly asff?: AsffScope;
  /** PEM of the `--ca` file's certificates; absent without `--ca`. */
  readonly ca?: string;
  /** `--plaintext-port`: null switches the check off; absent: the probe's default (1883). */
  readonly plaintextPort?: number | null;
}

/** Validates arguments and options into probe specs; throws UsageError naming the argument and value. */
export function parseProbeInvocation(targets: readonly string[], raw: RawOptions): ProbeInvocation {
  const port = parsePort(raw.port, '--port');
  if (!port.ok) throw new UsageError(formatFieldError(port.error));
  const timeoutMs = parseIntegerFlag(INTEGER_FLAGS.timeout, raw.timeout);
  const certExpiringDays = parseIntegerFlag(INTEGER_FLAGS.certExpiringDays, raw.certExpiringDays);
  const concurrency = parseIntegerFlag(INTEGER_FLAGS.concurrency, raw.concurrency);
  const depth = raw.depth.trim().toLowerCase();
  if (!(DEPTHS as readonly string[]).includes(depth)) throw new UsageError(`--depth: ${JSON.stringify(raw.depth)} must be one of ${DEPTHS.join(', ')}`);
  if (targets.length === 0) throw new UsageError('TARGET: at least one target is required');
  const serverName = parseServerName(raw.serverName);
  if (!serverName.ok) throw new UsageError(formatFieldError({ ...serverName.error, field: '--server-name' }));
  const specs = targets.map((typed): ProbeSpec => {
    // Typed text: trimmed here (a pasted ` host`), since the key parser refuses surrounding spaces.
    const target = typed.trim();
    const key = parseTargetKey(target, 'TARGET');
    if (!key.ok) throw new UsageError(formatFieldError(key.error));
    return { target, host: key.value.host, port: key.value.port ?? port.value, transport: raw.udp ? 'udp' : 'tcp', depth: depth as Depth, ...(serverName.value !== undefined ? { serverName: serverName.value } : {}) };
  });
  const ca = raw.ca === undefined ? undefined : caFileOption(raw.ca, '--ca');
  const plaintextPort = plaintextPortFlag(raw.plaintextPort);
  return {
    specs,
    timeoutMs,
    certExpiringDays,
    concurrency,
    ...parseProbeFormat(raw),
    ...(ca !== undefined ? { ca } : {}),
    ...(plaintextPort !== undefined ? { plaintextPort } : {}),
  };
}


export function registerProbeCommand(program: Command, deps: ProbeCommandDeps = DEFAULT_DEPS): void {
  program
    .command('probe')
    .description('Probe targets once, without state: TCP connect, TLS handshake and certificate, MQTT CONNECT without credentials.')
    .argument('<target...>', 'host, host:port, [ipv6]:port or a bare IPv6 address')
    .option('--port <n>', 'port for targets that name none', String(DEFAULT_PORT))
    .option('--timeout <ms>', `deadline of each network phase, in ms (${rangeText(INTEGER_FLAGS.timeout)})`, String(DEFAULT_PROBE_OPTIONS.timeoutMs))
    .option('--depth <depth>', `how far to go: ${DEPTHS.join(' | ')}`, 'mqtt')
    .option('--udp', 'probe UDP with a DTLS ClientHello instead of TCP')
    .option('--format <format>', `output: ${PROBE_FORMATS.join(' | ')} (asff: the findings as the JSON array aws securityhub batch-import-findings takes)`)
    .option('--json', 'print one JSON object per target per line (same as --format json)')
    .option('--account <id>', 'with --format asff: the 12-digit AWS account the findings belong to')
    .option('--region <region>', 'with --format asff: the Security Hub region (default: AWS_REGION)')
    .option('--partition <partition>', 'with --format asff: aws, aws-cn or aws-us-gov (default: aws)')
    .option('--cert-expiring-days <n>', `report cert-expiring below this many days (${rangeText(INTEGER_FLAGS.certExpiringDays)})`, String(DEFAULT_PROBE_OPTIONS.certExpiringDays))
    .option('--concurrency <n>', `targets probed at once (${rangeText(INTEGER_FLAGS.concurrency)})`, String(DEFAULT_CONCURRENCY))
    .option('--ca <file>', 'PEM file of CA certificates to trust besides the public roots (a private PKI)')
    .option('--plaintext-port <n|none>', 'at depth mqtt, where to look for a plaintext MQTT listener beside the TLS port (default: 1883)')
    .option('--server-name <name>', 'name sent as SNI and checked against the certificate (default: the host; an IP target is checked against its IP)')
    .addHelpText(
      'after',
      `
Targets: host, host:port, [ipv6]:port, or a bare IPv6 address on --port (write [::1]:8883, not ::1:8883).
A URL is not a target: write mqtts://broker:8883 as broker:8883.

Examples:
  $ portwatch probe broker.example.com
  $ portwatch probe 203.0.113.10:8883 '[2001:db8::5]:8883' --depth tls
  $ portwatch probe broker.example.com --json | jq '{target, status, findings}'
  $ portwatch probe broker.internal --ca private-ca.pem --timeout 5000
  $ portwatch probe broker.example.com --format asff --account 123456789012 --region eu-west-1 > findings.json
  $ aws securityhub batch-import-findings --findings file://findings.json

Exit codes: 0 every target probed (closed is a result), 1 a target could not be probed, 2 bad usage or input.`,
    )
    .action(async (targets: string[], raw: RawOptions) => {
      const invocation = parseProbeInvocation(targets, raw);
      const results = await probeMany(invocation.specs, {
        ...DEFAULT_PROBE_OPTIONS,
        ...deps.probeOptions,
        timeoutMs: invocation.timeoutMs,
        certExpiringDays: invocation.certExpiringDays,
        concurrency: invocation.concurrency,
        ...(invocation.ca !== undefined ? { ca: invocation.ca } : {}),
        ...(invocation.plaintextPort !== undefined ? { plaintextPort: invocation.plaintextPort } : {}),
      });
      deps.stdout(render(invocation, results));
      deps.setExitCode(results.some((r) => r.status === 'error') ? EXIT_FAILED : EXIT_OK);
    });
}

function render(invocation: ProbeInvocation, results: readonly ProbeResult[]): string {
  if (invocation.format === 'json') return results.map((r) => `${JSON.stringify(r)}\n`).join('');
  if (invocation.format === 'asff' && invocation.asff) return `${JSON.stringify(asffOfResults(results, invocation.asff), null, 2)}\n`;
  return formatProbeTable(results);
}

function tlsColumn(r: ProbeResult): string {
  if (r.tls === null) return '-';
  if (r.tls.version !== null) return r.tls.version;
  if (r.tls.clientCertRequired) return 'client-cert';
  return r.mqtt?.transport === 'plain' ? 'none' : 'failed';
}

/** Aligned columns; the reason goes last, unpadded, because it is as long as it needs to be. */
function formatProbeTable(results: readonly ProbeResult[]): string {
  const header = ['TARGET', 'STATUS', 'LATENCY', 'TLS', 'DAYS', 'CONNACK', 'FINDINGS', 'REASON'];
  const rows = results.map((r) => [
    r.target,
    r.status,
    `${r.latencyMs} ms`,
    tlsColumn(r),
    r.tls?.cert ? String(r.tls.cert.daysLeft) : '-',
    r.mqtt?.connack !== null && r.mqtt?.connack !== undefined ? `${r.mqtt.connack}${r.mqtt.transport === 'plain' ? ' (plain)' : ''}` : '-',
    formatFindings(r.findings),
    r.reason,
  ]);
  // The MQTT facts do not fit a column: one indented line each, under the table, per target.
  const facts = results.flatMap((r) => mqttFactLines(r.mqtt, r.plaintextListener).map(([k, v]) => `  ${r.target} ${k}: ${v}\n`));
  return renderTable(header, rows) + facts.join('');
}
