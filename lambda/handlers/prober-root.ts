/**
 * The prober's composition root: one ProberService from typed settings and the parts its caller
 * built. The Lambda handler (prober.ts) and `portwatch local` both assemble the prober here, so a
 * setting neither of them names gets the same default in both.
 */
import * as tls from 'node:tls';
import type { ProberSettings } from '../contracts/prober-env';
import type { DigestStore, Notifier, StateStore } from '../monitor/dependencies';
import { DEFAULT_PROBER_CONFIG, ProberService, type ProbeFn, type ProberDeps } from '../monitor/prober/service';
import { createCachingResolver, probeTarget, systemResolver, type AddressGuard, type ProbeOptions } from '../probe';

/** What the caller builds: clients (made once per process) and the address policy of its setting. */
export interface ProberParts {
  readonly store: StateStore;
  readonly notifier: Notifier;
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
  /** PEM certificates of private CAs trusted besides the default roots. @default - default roots only */
  readonly caBundle?: string | null;
}

/** Node 22.15+/23.10+ (the Lambda runtime is 24); absent on Node 20, where the CLI may run. */
type GetCaCertificates = (type: 'default') => string[];

/** The default trust store plus `bundle`, memoised so that every invocation passes the same string. */
let trustFor: { bundle: string; ca: string } | null = null;

/**
 * The probe's trust anchors with a private CA bundle: the bundle in addition to what Node trusts by
 * default, not instead of it (a `ca` option replaces the default store, and a deployment that trusts a
 * private CA still probes brokers with public certificates). `getCACertificates('default')` is the
 * store Node would use, NODE_EXTRA_CA_CERTS included; Node 20 has only the bundled roots. One string,
 * the same for every invocation, so the probe builds its TLS context once per process.
 */
function trustWithDefaults(bundle: string): string {
  if (trustFor?.bundle === bundle) return trustFor.ca;
  const getDefault = (tls as { getCACertificates?: GetCaCertificates }).getCACertificates;
  const defaults = getDefault ? getDefault('default') : tls.rootCertificates;
  const ca = [...defaults, bundle].map((pem) => pem.trim()).join('\n');
  trustFor = { bundle, ca };
  return ca;
}

/**
 * The probe options of one invocation: the deadline, the address guard, the trust anchors and a DNS
 * cache that lives as long as the invocation.
 */
export function proberProbeOptions(settings: ProberRootSettings, guard: AddressGuard): ProbeOptions {
  return {
    timeoutMs: settings.probeTimeoutMs,
    certExpiringDays: settings.certExpiringDays,
    guard,
    resolver: createCachingResolver(systemResolver),
    ...(settings.caBundle ? { ca: trustWithDefaults(settings.caBundle) } : {}),
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
    },
  );
}
