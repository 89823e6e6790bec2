/**
 * The probe: a target goes in, a ProbeResult comes out, always. A dead, slow or hostile host is a
 * result, never an exception; `probeTarget` and `probeMany` never reject.
 *
 * Sequence: resolve (every A/AAAA, under the deadline) -> guard every address -> TCP connect (or DTLS
 * hello for UDP) to every allowed address at once -> at depth tls/mqtt, the deep probe on the first
 * open address in resolver order (deep.ts).
 *
 * Time: this edge owns it. It makes each probe's budget and hands it down; the bound of a probe, how
 * DNS, the TCP phase and the deep probe share it, and each phase's share are budget.ts.
 */
import { Budget, DEFAULT_PLAINTEXT_PORT, deepBudgetMs, deepSlotWaitMs } from './budget';
import { probeDeep } from './deep';
import { createCachingResolver, literalAddress, resolveHost, systemResolver } from './dns';
import { computeFindings } from './findings';
import { chainLimiters, createLimiter, createSoftLimiter, mapBounded, type Limiter } from './limiter';
import { probeTcpAddress } from './tcp';
import { secureContextFor } from './tls-handshake';
import type { AddressResult, MqttEvidence, PlaintextListenerEvidence, ProbeOptions, ProbeResult, ProbeSpec, ProbeStatus, ResolvedAddress, TlsEvidence } from './types';
import { probeDtlsAddress } from './udp-dtls';

export { maxProbeDurationMs } from './budget';
export { createCachingResolver, systemResolver } from './dns';
export * from './types';

export const DEFAULT_PROBE_OPTIONS: ProbeOptions = { timeoutMs: 3000, certExpiringDays: 14, plaintextPort: DEFAULT_PLAINTEXT_PORT };

/**
 * The plaintext port to check beside this target, or null: the target's own setting, else the
 * options', else 1883. Never the target's own port, and never beside a target on 1883 itself: that
 * port is plaintext MQTT's, and what it speaks is the probe's main finding already.
 */
export function plaintextPortFor(spec: ProbeSpec, options: ProbeOptions): number | null {
  const chosen = spec.plaintextPort !== undefined ? spec.plaintextPort : options.plaintextPort === undefined ? DEFAULT_PLAINTEXT_PORT : options.plaintextPort;
  if (chosen === null || chosen === spec.port || spec.port === DEFAULT_PLAINTEXT_PORT) return null;
  return chosen;
}

/** Sockets one lone probeTarget call may hold at once (a name with many addresses). */
const SOCKETS_PER_TARGET = 16;

/**
 * Probe sockets open at once in this process, whoever calls: a Lambda execution environment may hold
 * 1024 file descriptors, and the runtime, the AWS SDK's connection pools (50 per client by default) and
 * DNS need some of them. Every probeTarget and probeMany call takes its sockets from this pool too, so
 * no concurrency setting of a caller can run the process out of descriptors (EMFILE would fail the
 * state writes as well as the probes). Waiting for a slot never counts against a probe's deadline.
 */
const PROCESS_SOCKET_LIMIT = 768;
const processSockets = createLimiter(PROCESS_SOCKET_LIMIT);

/**
 * Deep probes (TLS handshakes and MQTT exchanges) running at once in this process. A handshake costs
 * about 1-3 ms of CPU, and a Lambda at 512 MB has about 0.3 vCPU: hundreds of handshakes started
 * together would queue for the CPU long enough to miss their own deadlines (a false `no TLS` or
 * `no CONNACK`, then a posture alert). Connects, which mostly wait, are bounded by sockets alone, so
 * many filtered targets can wait out their deadlines side by side while handshakes go 64 at a time.
 * A deep probe waits for a slot only as long as the probe's duration bound allows (see runProbe),
 * then goes ahead without one.
 */
const DEEP_PROBE_LIMIT = 64;
const deepSlots = createSoftLimiter(DEEP_PROBE_LIMIT);

const systemClock = (): Date => new Date();

/**
 * `at` as ISO-8601, formatted once per millisecond: a tick starts hundreds of probes within the same
 * millisecond, and formatting a date is a large share of a closed port's result.
 */
let isoCache = { ms: Number.NaN, iso: '' };
function isoString(at: Date): string {
  const ms = at.getTime();
  if (ms !== isoCache.ms) isoCache = { ms, iso: at.toISOString() };
  return isoCache.iso;
}

export interface ProbeManyOptions extends ProbeOptions {
  /** Targets in flight at once. */
  readonly concurrency: number;
  /** Sockets open at once across all targets. @default 2 x concurrency */
  readonly maxSockets?: number;
}

/**
 * Builds the TLS context for `ca` before any deadline runs. With a CA bundle it holds Node's public
 * roots as well (about 140 to parse: 45-120 ms of CPU measured here, more on a Lambda's fraction of a
 * vCPU), once per process and bundle; paid inside the first handshake, it would come out of that
 * probe's timeout. A bundle that does not load is left to the handshake, which reports it.
 */
function prepareTrust(ca: ProbeOptions['ca']): void {
  if (ca === undefined) return;
  try {
    secureContextFor({ ca });
  } catch {
    // tlsHandshake builds the same context again and turns the error into the probe's reason.
  }
}

/** Probes one target. Never rejects. */
export function probeTarget(spec: ProbeSpec, options: ProbeOptions): Promise<ProbeResult> {
  prepareTrust(options.ca);
  return safeProbe(spec, options, chainLimiters(createLimiter(SOCKETS_PER_TARGET), processSockets));
}

/**
 * Probes many targets: at most `concurrency` targets and `maxSockets` sockets at once; results in the
 * order of `specs`. Without an injected resolver, names are resolved once per call (one tick).
 * Never rejects.
 */
export function probeMany(specs: readonly ProbeSpec[], options: ProbeManyOptions): Promise<ProbeResult[]> {
  const sockets = chainLimiters(createLimiter(options.maxSockets ?? Math.max(1, options.concurrency) * 2), processSockets);
  const shared: ProbeOptions = { ...options, resolver: options.resolver ?? createCachingResolver(systemResolver) };
  prepareTrust(options.ca);
  return mapBounded(specs, options.concurrency, (spec) => safeProbe(spec, shared, sockets));
}

/**
 * Target status from its addresses: `open` when any is open; otherwise the most telling of the rest.
 * `closed` (a host answered "nothing here") beats `unreachable` (the network said no) beats `filtered`
 * (silence) beats `error` (we could not probe): a definite answer from one address is more useful than
 * the absence of one from another, and `error` is kept for targets where nothing could be probed.
 */
const STATUS_RANK: readonly ProbeStatus[] = ['open', 'closed', 'unreachable', 'filtered', 'error'];

export function aggregateStatus(addresses: readonly AddressResult[]): ProbeStatus {
  let best: ProbeStatus = 'error';
  for (const a of addresses) if (STATUS_RANK.indexOf(a.status) < STATUS_RANK.indexOf(best)) best = a.status;
  return best;
}

async function safeProbe(spec: ProbeSpec, options: ProbeOptions, sockets: Limiter): Promise<ProbeResult> {
  const started = performance.now();
  let at: Date;
  try {
    at = (options.now ?? systemClock)();
  } catch {
    at = new Date();
  }
  try {
    const timeoutMs = spec.timeoutMs ?? options.timeoutMs;
    const invalid = invalidSpec(spec, timeoutMs);
    if (invalid) return result(spec, options, at, started, { status: 'error', reason: invalid });
    const literal = literalAddress(spec.host);
    if (literal) {
      // An IP literal (most fleet targets): no resolver, one address, nothing to aggregate. Written out
      // here, not through probeName's lists: this path runs for nearly every target of every tick.
      const only = await probeAddress(spec, options, sockets, literal, timeoutMs);
      const reason = `${only.address}: ${only.reason}`;
      if (only.status !== 'open' || spec.transport === 'udp' || spec.depth === 'tcp') return result(spec, options, at, started, { status: only.status, reason, addresses: [only] });
      return await deepPhase(spec, options, sockets, at, started, { host: literal.address, timeoutMs, dnsSpent: 0, addresses: [only], addressReason: reason, firstOpen: only });
    }
    return await probeName(spec, options, sockets, at, started, timeoutMs);
  } catch (err) {
    // A bug in the probe must still come out as data: the batch goes on, the target says why.
    return result(spec, options, at, started, { status: 'error', reason: `internal error: ${err instanceof Error ? err.message : String(err)}` });
  }
}

function probeAddress(spec: ProbeSpec, options: ProbeOptions, sockets: Limiter, address: ResolvedAddress, timeoutMs: number): Promise<AddressResult> {
  // Scanner safety: the guard judges the address we would connect to, not the name in the table.
  const refusal = options.guard?.(address) ?? null;
  if (refusal !== null) return Promise.resolve({ ...address, status: 'error', reason: refusal, latencyMs: 0 });
  const probe = spec.transport === 'udp' ? probeDtlsAddress : probeTcpAddress;
  return sockets.run(() => probe(address, spec.port, timeoutMs));
}

/** A target named by host name: every address it resolves to, probed at once. */
async function probeName(spec: ProbeSpec, options: ProbeOptions, sockets: Limiter, at: Date, started: number, timeoutMs: number): Promise<ProbeResult> {
  const host = spec.host.trim();
  const resolution = await resolveHost(options.resolver ?? systemResolver, host, timeoutMs);
  if (!resolution.ok) return result(spec, options, at, started, { status: 'error', reason: resolution.reason });
  const dnsSpent = performance.now() - started;

  const addresses = await Promise.all(resolution.addresses.map((address) => probeAddress(spec, options, sockets, address, timeoutMs)));
  const status = aggregateStatus(addresses);
  const addressReason = addresses.map((a) => `${a.address}: ${a.reason}`).join('; ');
  const firstOpen = addresses.find((a) => a.status === 'open');
  if (!firstOpen || spec.transport === 'udp' || spec.depth === 'tcp') {
    return result(spec, options, at, started, { status, reason: addressReason, addresses });
  }
  return deepPhase(spec, options, sockets, at, started, { host, timeoutMs, dnsSpent, addresses, addressReason, firstOpen });
}

/** What the TCP phase leaves to the deep probe. */
interface TcpPhase {
  readonly host: string;
  readonly timeoutMs: number;
  readonly dnsSpent: number;
  readonly addresses: readonly AddressResult[];
  readonly addressReason: string;
  /** The first open address in resolver order: the one the deep probe talks to. */
  readonly firstOpen: AddressResult;
}

async function deepPhase(spec: ProbeSpec, options: ProbeOptions, sockets: Limiter, at: Date, started: number, tcp: TcpPhase): Promise<ProbeResult> {
  const { host, timeoutMs, dnsSpent, addresses, addressReason, firstOpen } = tcp;
  // The budget starts once the probe has its deep slot: waiting for one must not cost it evidence.
  const tcpSpent = Math.max(...addresses.map((a) => a.latencyMs));
  const depth = spec.depth === 'tls' ? 'tls' : 'mqtt';
  const deep = await deepSlots.run(deepSlotWaitMs(timeoutMs, dnsSpent), () =>
    probeDeep({
      // The name a client would send and check: `serverName` when the target gives one (SNI, certificate).
      host: spec.serverName ?? host,
      port: spec.port,
      address: { address: firstOpen.address, family: firstOpen.family },
      depth,
      plaintextPort: depth === 'mqtt' ? plaintextPortFor(spec, options) : null,
      connectLatencyMs: firstOpen.latencyMs,
      ...(spec.posture === 'core' ? { posture: 'core' as const } : {}),
      timeoutMs,
      now: at,
      sockets,
      budget: new Budget(deepBudgetMs(timeoutMs, tcpSpent)),
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    }),
  );
  return result(spec, options, at, started, { status: 'open', reason: `${addressReason}; ${deep.reason}`, addresses, tls: deep.tls, mqtt: deep.mqtt, plaintextListener: deep.plaintextListener });
}

/** A probe that could not be made at all (its worker process hung or died): an `error` result without evidence. */
export function probeErrorResult(spec: ProbeSpec, reason: string, at: Date = new Date()): ProbeResult {
  return result(spec, DEFAULT_PROBE_OPTIONS, at, performance.now(), { status: 'error', reason });
}

interface Outcome {
  readonly status: ProbeStatus;
  readonly reason: string;
  readonly addresses?: readonly AddressResult[];
  readonly tls?: TlsEvidence | null;
  readonly mqtt?: MqttEvidence | null;
  readonly plaintextListener?: PlaintextListenerEvidence | null;
}

function result(spec: ProbeSpec, options: ProbeOptions, at: Date, started: number, outcome: Outcome): ProbeResult {
  const tls = outcome.tls ?? null;
  const mqtt = outcome.mqtt ?? null;
  const plaintextListener = outcome.plaintextListener ?? null;
  return {
    target: spec.target,
    host: spec.host,
    port: spec.port,
    transport: spec.transport,
    depth: spec.depth,
    status: outcome.status,
    reason: outcome.reason,
    latencyMs: Math.round(performance.now() - started),
    at: isoString(at),
    addresses: outcome.addresses ?? [],
    tls,
    mqtt,
    plaintextListener,
    findings: computeFindings(tls, mqtt, { certExpiringDays: options.certExpiringDays }, plaintextListener),
  };
}

function invalidSpec(spec: ProbeSpec, timeoutMs: number): string | null {
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) return `invalid target: port ${String(spec.port)} is not 1-65535`;
  if (typeof spec.host !== 'string' || spec.host.trim() === '') return 'invalid target: empty host';
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return `invalid timeout: ${String(timeoutMs)} ms`;
  if (spec.transport !== 'tcp' && spec.transport !== 'udp') return `invalid transport: ${String(spec.transport)}`;
  if (spec.depth !== 'tcp' && spec.depth !== 'tls' && spec.depth !== 'mqtt') return `invalid depth: ${String(spec.depth)}`;
  return null;
}
