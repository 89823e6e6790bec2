/**
 * `portwatch local --vantage NAME=NETNS ... [--quorum K]`: the flags read and checked (names, namespaces,
 * root, the `ip` command), and one probe worker per vantage point started inside its namespace. The
 * agreement between the vantage points is the prober's own (lambda/monitor), as in the cloud.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable } from './executable';
import type { AddressPolicy } from '../../lambda/probe/address-policy';
import { parseVantageName, vantageConfig, type VantageConfig } from '../../lambda/monitor/vantage-config';
import { formatFieldError } from '../../lambda/parse/field-error';
import { UsageError } from './cli-io';
import { netnsWorkerCommand, ProbeWorker, type ProbeWorkerOptions, type WorkerCommand } from './probe-worker-client';

/** One `--vantage NAME=NETNS`. */
export interface VantagePoint {
  readonly name: string;
  readonly netns: string;
}

/** Where namespaces made by `ip netns add NAME` live (what `ip netns list` reads). */
export const NETNS_DIR = '/run/netns';

/** What the machine offers; injected by tests of the refusals. */
export interface VantageHost {
  readonly isRoot: boolean;
  /** Path of the `ip` command, or null. */
  readonly ip: string | null;
  readonly netnsExists: (netns: string) => boolean;
}

export function thisHost(): VantageHost {
  return { isRoot: process.getuid?.() === 0, ip: findExecutable('ip'), netnsExists: (netns) => existsSync(join(NETNS_DIR, netns)) };
}

/** A namespace name `ip netns` accepts as a file name under /run/netns. */
const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The vantage points of `--vantage` (each `NAME=NETNS`) and `--quorum`, checked: null without `--vantage`
 * (one vantage point: the run probes in-process, as always). Every refusal is a UsageError (exit 2)
 * naming the flag and the value, or saying what the machine lacks.
 */
export function parseVantageFlags(values: readonly string[], quorum: number | undefined, host: VantageHost = thisHost()): { points: VantagePoint[]; configs: VantageConfig[] } | null {
  if (values.length === 0) {
    if (quorum !== undefined) throw new UsageError(`--quorum ${quorum}: only means something with --vantage (at least two vantage points)`);
    return null;
  }
  const points: VantagePoint[] = [];
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq < 0) throw new UsageError(`--vantage: ${JSON.stringify(value)} is not NAME=NETNS (a vantage name, then the network namespace it probes from, e.g. --vantage eu=pw-eu)`);
    const name = parseVantageName('--vantage', value.slice(0, eq));
    if (!name.ok) throw new UsageError(`${formatFieldError(name.error)} (in ${JSON.stringify(value)})`);
    const netns = value.slice(eq + 1);
    if (!NETNS_NAME.test(netns)) throw new UsageError(`--vantage: ${JSON.stringify(netns)} (in ${JSON.stringify(value)}) is not a network namespace name (letters, digits, . _ -)`);
    if (points.some((p) => p.name === name.value)) throw new UsageError(`--vantage: ${JSON.stringify(name.value)} is named twice; each vantage point needs its own name`);
    points.push({ name: name.value, netns });
  }
  if (points.length < 2) {
    throw new UsageError(`--vantage: one vantage point (${values[0]}) is not a comparison; give at least two (--vantage a=NS1 --vantage b=NS2), or none to probe from this host as usual`);
  }
  if (!host.isRoot) throw new UsageError('--vantage needs root: the probe workers enter the network namespaces with `ip netns exec`, which only root may do (run with sudo)');
  if (host.ip === null) throw new UsageError('--vantage needs the `ip` command (Debian package iproute2), which is not on PATH');
  for (const p of points) {
    if (!host.netnsExists(p.netns)) throw new UsageError(`--vantage: network namespace ${JSON.stringify(p.netns)} (in ${p.name}=${p.netns}) does not exist (\`ip netns list\` shows those that do; \`ip netns add ${p.netns}\` makes one)`);
  }
  const all = points.map((p) => p.name);
  const configs: VantageConfig[] = [];
  for (const p of points) {
    const config = vantageConfig(p.name, all, quorum ?? null, { name: '--vantage', all: '--vantage', quorum: '--quorum' });
    if (!config.ok) throw new UsageError(formatFieldError(config.error));
    configs.push(config.value);
  }
  return { points, configs };
}

/** One vantage point of a run: its configuration and the worker that probes from its namespace. */
export interface VantageLane {
  readonly config: VantageConfig;
  readonly netns: string;
  readonly worker: ProbeWorker;
}

/**
 * Starts one worker per vantage point, all at once, and waits until each says it is ready. A worker
 * that cannot start (a namespace removed meanwhile, node not runnable there) is a usage error: the
 * run would otherwise start with one vantage point always unknown. `command` is for tests.
 */
export async function startVantageLanes(
  parsed: { points: readonly VantagePoint[]; configs: readonly VantageConfig[] },
  settings: { readonly policy: AddressPolicy; readonly ca: string | null },
  options: ProbeWorkerOptions & { readonly command?: (p: VantagePoint) => WorkerCommand } = {},
): Promise<VantageLane[]> {
  const lanes = parsed.points.map((p, i) => ({
    config: parsed.configs[i] as VantageConfig,
    netns: p.netns,
    worker: new ProbeWorker(p.name, options.command?.(p) ?? netnsWorkerCommand(p.netns), settings, options),
  }));
  const started = await Promise.allSettled(lanes.map((l) => l.worker.start()));
  const failed = started.flatMap((s, i) => (s.status === 'rejected' ? [`${lanes[i]?.config.name}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`] : []));
  if (failed.length > 0) {
    await closeVantageLanes(lanes);
    throw new UsageError(`--vantage: ${failed.join('; ')}`);
  }
  return lanes;
}

/** Stops every worker (no orphans): their stdin closed, then signals; resolves when all have exited. */
export async function closeVantageLanes(lanes: readonly VantageLane[]): Promise<void> {
  await Promise.all(lanes.map((l) => l.worker.close()));
}

/** Said once under the "watching" line: `from 3 vantage points: a (netns pw-a), b (netns pw-b), c (netns pw-c); an outage needs 2 of them`. */
export function vantageLine(lanes: readonly VantageLane[]): string {
  const quorum = lanes[0]?.config.quorum ?? 1;
  return `from ${lanes.length} vantage points: ${lanes.map((l) => `${l.config.name} (netns ${l.netns})`).join(', ')}; an outage needs ${quorum} of them to see it, an exposure one`;
}
