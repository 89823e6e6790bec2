/**
 * The probe worker's loop: settings, then probe requests in, ProbeResults out, one JSON line each
 * (lambda/contracts/probe-worker.ts). The probe is the engine's own probeTarget with a guard and
 * resolver built here from the same settings the local run uses, so a result equals an in-process one.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { PROBE_WORKER_VERSION, type ProbeWorkerReply, type ProbeWorkerRequest, type ProbeWorkerSettings } from '../../lambda/contracts/probe-worker';
import { createAddressGuard } from '../../lambda/probe/address-policy';
import { createCachingResolver, probeTarget, systemResolver, type AddressGuard, type ProbeOptions, type Resolver } from '../../lambda/probe';

/** Reads `input` until it ends; resolves then, once every request read has been answered. */
export async function serveProbes(input: Readable, write: (line: string) => void): Promise<void> {
  const send = (reply: ProbeWorkerReply): void => write(`${JSON.stringify(reply)}\n`);
  let base = null as { guard: AddressGuard; ca: string | null } | null;
  // One DNS cache per epoch (a local tick), as the in-process prober makes one per invocation.
  let cache = null as { epoch: string; resolver: Resolver } | null;
  const inFlight = new Set<Promise<void>>();
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      send({ error: `not JSON: ${line.slice(0, 80)}` });
      continue;
    }
    if (base === null) {
      const settings = message as ProbeWorkerSettings;
      if (settings?.v !== PROBE_WORKER_VERSION) {
        send({ error: `settings of version ${JSON.stringify(settings?.v)}; this worker reads version ${PROBE_WORKER_VERSION}` });
        return;
      }
      base = { guard: createAddressGuard(settings.policy), ca: settings.ca };
      send({ ready: true, pid: process.pid });
      continue;
    }
    const request = message as ProbeWorkerRequest;
    if (typeof request?.id !== 'number' || typeof request.spec !== 'object' || request.spec === null) {
      send({ ...(typeof request?.id === 'number' ? { id: request.id } : {}), error: 'a request needs a numeric id and a spec' });
      continue;
    }
    if (cache?.epoch !== request.epoch) cache = { epoch: request.epoch, resolver: createCachingResolver(systemResolver) };
    const options: ProbeOptions = {
      timeoutMs: request.timeoutMs,
      certExpiringDays: request.certExpiringDays,
      plaintextPort: request.plaintextPort,
      guard: base.guard,
      resolver: cache.resolver,
      ...(base.ca !== null ? { ca: base.ca } : {}),
    };
    // probeTarget never rejects: a dead or hostile host is a result.
    const done = probeTarget(request.spec, options).then((result) => send({ id: request.id, result }));
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  }
  await Promise.all(inFlight);
}
