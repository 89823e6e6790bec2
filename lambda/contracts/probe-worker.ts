/**
 * The probe worker's wire protocol: what `portwatch local --vantage` (lib/cli/probe-worker-client.ts)
 * and the worker it starts inside a network namespace (lib/cli/probe-worker.ts) agree on. One JSON
 * object per line each way: the settings first, then probe requests; the worker answers `ready`,
 * then one reply per request, in any order, matched by `id`.
 */
import type { AddressPolicy } from '../probe/address-policy';
import type { ProbeResult, ProbeSpec } from '../probe/types';

/** Bumped when a field changes meaning; a worker refuses settings of another version instead of guessing. */
export const PROBE_WORKER_VERSION = 1;

/**
 * What the worker builds its probe options from, once: the same policy and trust the in-process
 * probe of the same run is built from (prober-root.ts proberProbeOptions), so both probe alike.
 */
export interface ProbeWorkerSettings {
  readonly v: typeof PROBE_WORKER_VERSION;
  /** The address guard's policy (plain data: ranges and switches), rebuilt by createAddressGuard in the worker. */
  readonly policy: AddressPolicy;
  /** PEM certificates trusted besides the public roots; null: the public roots only. */
  readonly ca: string | null;
}

/** One probe: the spec and the options that may change from call to call (a re-probe's shorter deadline). */
export interface ProbeWorkerRequest {
  readonly id: number;
  readonly spec: ProbeSpec;
  readonly timeoutMs: number;
  readonly certExpiringDays: number;
  readonly plaintextPort: number | null;
  /**
   * The DNS cache's lifetime: requests of one epoch (one local tick) share the answers, as the probes of
   * one in-process invocation do (prober-root.ts); a new epoch starts a new cache.
   */
  readonly epoch: string;
}

export type ProbeWorkerReply =
  | { readonly ready: true; readonly pid: number }
  | { readonly id: number; readonly result: ProbeResult }
  /** A line the worker could not read; `id` when it could tell which request it was. */
  | { readonly id?: number; readonly error: string };
