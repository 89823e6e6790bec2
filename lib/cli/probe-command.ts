/**
 * `portwatch probe TARGET...`: a one-shot probe, no state. A table for people, JSON lines for machines.
 * Exit 0 when every target was probed (whatever it answered: closed is a result), 1 when a target
 * could not be probed (status `error`: DNS failure, refused address), 2 for bad usage.
 */
import type { Command } from 'commander';
import { CaBundleError, readCaBundle } from '../../lambda/probe/ca-bundle';
import { DEFAULT_PROBE_OPTIONS, probeMany } from '../../lambda/probe/index';
import type { Depth, ProbeOptions, ProbeResult, ProbeSpec } from '../../lambda/probe/types';
import { DEFAULT_PORT, formatFieldError, parsePort, parseTargetKey } from '../../lambda/monitor/target';
import { EXIT_FAILED, EXIT_OK, UsageError } from './cli-io';
import { formatFindings, renderTable } from './output';

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
  readonly certExpiringDays: string;
  readonly concurrency: string;
  readonly ca?: string;
}

interface ProbeInvocation {
  readonly specs: readonly ProbeSpec[];
  readonly timeoutMs: number;
  readonly certExpiringDays: number;
  readonly concurrency: number;
  readonly json: boolean;
  /** PEM of the `--ca` file's certificates; absent without `--ca`. */
  readonly ca?: string;
}

// Not options.ts integerOption (commander's "argument '0' is invalid" form): probe's usage errors all
// read like --port's, `--timeout: "0" is not a timeout in ms (1-120000)`.
function integerOption(name: string, value: string, min: number, max: number, what: string): number {
  const text = value.trim();
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name}: ${JSON.stringify(value)} is not ${what} (${min}-${max})`);
  return n;
}

/** Validates arguments and options into probe specs; throws UsageError naming the argument and value. */
export function parseProbeInvocation(targets: readonly string[], raw: RawOptions): ProbeInvocation {
  const port = parsePort(raw.port, '--port');
  if (!port.ok) throw new UsageError(formatFieldError(port.error));
  const timeoutMs = integerOption('--timeout', raw.timeout, 1, 120_000, 'a timeout in ms');
  const certExpiringDays = integerOption('--cert-expiring-days', raw.certExpiringDays, 0, 3650, 'a number of days');
  const concurrency = integerOption('--concurrency', raw.concurrency, 1, 1024, 'a number of targets');
  const depth = raw.depth.trim().toLowerCase();
  if (!(DEPTHS as readonly string[]).includes(depth)) throw new UsageError(`--depth: ${JSON.stringify(raw.depth)} must be one of ${DEPTHS.join(', ')}`);
  if (targets.length === 0) throw new UsageError('TARGET: at least one target is required');
  const specs = targets.map((target): ProbeSpec => {
    const key = parseTargetKey(target, 'TARGET');
    if (!key.ok) throw new UsageError(formatFieldError(key.error));
    return { target, host: key.value.host, port: key.value.port ?? port.value, transport: raw.udp ? 'udp' : 'tcp', depth: depth as Depth };
  });
  const ca = raw.ca === undefined ? undefined : caFileOption(raw.ca, '--ca');
  return { specs, timeoutMs, certExpiringDays, concurrency, json: raw.json === true, ...(ca !== undefined ? { ca } : {}) };
}

/**
 * A CA bundle option (`--ca FILE`): read and checked before any probe, so a bad file is a usage error
 * (exit 2) naming the option and the path, not one failed handshake per target. For every command
 * that takes one.
 */
export function caFileOption(path: string, option: string): string {
  try {
    return readCaBundle(path, option);
  } catch (err) {
    if (err instanceof CaBundleError) throw new UsageError(err.message);
    throw err;
  }
}

export function registerProbeCommand(program: Command, deps: ProbeCommandDeps = DEFAULT_DEPS): void {
  program
    .command('probe')
    .description('Probe targets once, without state: TCP connect, TLS handshake and certificate, MQTT CONNECT without credentials.')
    .argument('<target...>', 'host, host:port, [ipv6]:port or a bare IPv6 address')
    .option('--port <n>', 'port for targets that name none', String(DEFAULT_PORT))
    .option('--timeout <ms>', 'deadline of each network phase, in ms', String(DEFAULT_PROBE_OPTIONS.timeoutMs))
    .option('--depth <depth>', `how far to go: ${DEPTHS.join(' | ')}`, 'mqtt')
    .option('--udp', 'probe UDP with a DTLS ClientHello instead of TCP')
    .option('--json', 'print one JSON object per target per line')
    .option('--cert-expiring-days <n>', 'report cert-expiring below this many days', String(DEFAULT_PROBE_OPTIONS.certExpiringDays))
    .option('--concurrency <n>', 'targets probed at once', String(DEFAULT_CONCURRENCY))
    .option('--ca <file>', 'PEM file of CA certificates to trust besides the public roots (a private PKI)')
    .action(async (targets: string[], raw: RawOptions) => {
      const invocation = parseProbeInvocation(targets, raw);
      const results = await probeMany(invocation.specs, {
        ...DEFAULT_PROBE_OPTIONS,
        ...deps.probeOptions,
        timeoutMs: invocation.timeoutMs,
        certExpiringDays: invocation.certExpiringDays,
        concurrency: invocation.concurrency,
        ...(invocation.ca !== undefined ? { ca: invocation.ca } : {}),
      });
      deps.stdout(invocation.json ? results.map((r) => `${JSON.stringify(r)}\n`).join('') : formatProbeTable(results));
      deps.setExitCode(results.some((r) => r.status === 'error') ? EXIT_FAILED : EXIT_OK);
    });
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
  return renderTable(header, rows);
}
