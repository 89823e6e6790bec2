/**
 * The dispatcher's composition root: one tick's dispatch from typed settings and the parts its caller
 * built. The Lambda handler (dispatcher.ts) and `portwatch local` both dispatch through here.
 */
import type { DispatcherSettings } from '../contracts/dispatcher-env';
import { MAX_PROBE_MESSAGE_BYTES } from '../contracts/probe-message';
import type { ProbeQueue, TargetSource } from '../monitor/dependencies';
import { dispatch, sendToVantages, type DispatchReport, type VantageQueue } from '../monitor/dispatch';

export interface DispatcherParts {
  readonly source: TargetSource;
  readonly queue: ProbeQueue;
  /**
   * Several vantage points: every vantage point's queue, `queue` (the home one) among them; each
   * tick goes to all of them. Absent: `queue` only.
   */
  readonly vantageQueues?: readonly VantageQueue[];
}

/** Pages the Targets table into the queue for the tick `tick` (its scheduled time, ISO 8601). */
export type DispatchFn = (tick: string) => Promise<DispatchReport>;

export function createDispatch(parts: DispatcherParts, settings: DispatcherSettings): DispatchFn {
  const config = {
    segments: settings.scanSegments,
    targetsPerMessage: settings.targetsPerMessage,
    maxMessageBytes: MAX_PROBE_MESSAGE_BYTES,
    defaultPort: settings.defaultPort,
    tickMs: settings.tickIntervalMs,
    defaultEveryMs: settings.defaultEveryMs === 0 ? null : settings.defaultEveryMs,
  };
  return async (tick) => {
    const { result, vantageFailures } = await sendToVantages(parts.queue, parts.vantageQueues, (queue) => dispatch(parts.source, queue, config, tick));
    return vantageFailures ? { ...result, vantageFailures } : result;
  };
}
