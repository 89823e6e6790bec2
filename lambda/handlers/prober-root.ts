/**
 * The prober's composition root: one ProberService from typed settings and the parts its caller
 * built. The Lambda handler (prober.ts) and `portwatch local` both assemble the prober here, so a
 * setting neither of them names gets the same default in both.
 */
import type { ProberSettings } from '../contracts/prober-env';
import type { AlertSink, DigestStore, Notifier, StateStore } from '../monitor/dependencies';
import { DEFAULT_PROBER_CONFIG, ProberService, type ProbeFn, type ProberDeps } from '../monitor/prober/service';
import type { VantageConfig } from '../monitor/vantage-config';
import { createCachingResolver, probeTarget, systemResolver, type AddressGuard, type ProbeOptions } from '../probe';

/** What the caller builds: clients (made once per process) and the address policy of its setting. */
export interface ProberParts {
  readonly store: StateStore;
  readonly notifier: Notifier;
  /** Channels beside SNS (Security Hub, EventBridge, chat), each sent every alert after SNS. @default - none */
  readonly sinks?: readonly AlertSink[];
  /** Where digests are kept; without it every target's state is read every tick. */
  readonly digests?: DigestStore;
  /** Which resolved addresses may be probed: the deployment's ALLOWED_CIDRS, or `portwatch local`'s flags. */
  readonly guard: AddressGuard;
  /** @default - no logging */
  readonly log?: ProberDeps['log'];
  /** @default probeTarget */
  readonly probe?: ProbeFn;
  /** @default the system clock */
  readonly now?: () => Date;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The prober's settings and the trust it adds to the public roots (CA_BUNDLE in AWS). */
export interface ProberRootSettings extends ProberSettings {
  /** PEM certificates of private CAs, trusted besides the public roots. @default - the public roots only */
  readonly caBundle?: string | null;
  /** Several vantage points look at the same targets; this prober is one of them. @default - one vantage point */
  readonly vantage?: VantageConfig | null;
}

/**
 * The probe options of one invocation: the deadline, the address guard, the private CAs (the probe
 * trusts them besides the public roots) and a DNS cache that lives as long as the invocation. The
 * bundle is the same string every invocation, so the probe builds its TLS context once per process.
 */
export function proberProbeOptions(settings: ProberRootSettings, guard: AddressGuard): ProbeOptions {
  return {
    timeoutMs: settings.probeTimeoutMs,
    certExpiringDays: settings.certExpiringDays,
    // 0 is how an environment variable says "no plaintext check"; a target's own plaintextPort still wins.
    plaintextPort: settings.plaintextPort === 0 ? null : settings.plaintextPort,
    guard,
    resolver: createCachingResolver(systemResolver),
    ...(settings.caBundle ? { ca: settings.caBundle } : {}),
  };
}

/**
 * A prober for one invocation (one SQS batch, or one local tick). Made per invocation because its
 * resolver caches DNS answers: they are shared by the targets of one invocation, never across
 * invocations, so a moved broker is seen by the next tick.
 */
export function createProber(parts: ProberParts, settings: ProberRootSettings): ProberService {
  return new ProberService(
    {
      store: parts.store,
      notifier: parts.notifier,
      ...(parts.sinks && parts.sinks.length > 0 ? { sinks: parts.sinks } : {}),
      ...(parts.digests ? { digests: parts.digests } : {}),
      probe: parts.probe ?? probeTarget,
      now: parts.now ?? (() => new Date()),
      sleep: parts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      log: parts.log,
    },
    {
      ...DEFAULT_PROBER_CONFIG,
      defaultPort: settings.defaultPort,
      concurrency: settings.probeConcurrency,
      confirmAttempts: settings.confirmAttempts,
      confirmDelayMs: settings.confirmDelayMs,
      cadence: { tickMs: settings.tickIntervalMs, postureEveryMs: settings.postureEveryMs },
      probeOptions: proberProbeOptions(settings, parts.guard),
      vantage: settings.vantage ?? null,
    },
  );
}
