/**
 * The time budget of one probe: its upper bound, how that bound is shared between DNS, the TCP phase
 * and the deep probe, and how much of it each phase of a deep-probe connection may take. The edge
 * (index.ts) makes the budget; the protocol code only listens to sockets and never decides a time.
 *
 * DNS is bounded by `timeoutMs`; the TCP phase by `timeoutMs`; the TCP phase and the deep probe
 * together by 2 x `timeoutMs` (the deep probe always gets at least one full `timeoutMs`); waiting for a
 * deep-probe slot by what DNS left of its `timeoutMs`. Hence a probe takes at most
 * `maxProbeDurationMs(timeoutMs)` plus any time spent queueing for a socket slot.
 */

/** Upper bound of one probe's duration, slot waiting excluded: DNS, then TCP and deep together. */
export function maxProbeDurationMs(timeoutMs: number): number {
  return 3 * timeoutMs;
}

/**
 * The deep probe's budget: the 2 x `timeoutMs` it shares with the TCP phase, less what the TCP phase
 * used (at most one `timeoutMs`, its own deadline), so a fast connect leaves the deep probe more time.
 */
export function deepBudgetMs(timeoutMs: number, tcpSpentMs: number): number {
  return 2 * timeoutMs - Math.min(tcpSpentMs, timeoutMs);
}

/**
 * How long a deep probe may wait for a deep-probe slot: what DNS left unused of its own `timeoutMs`.
 * The deep budget starts only once the slot is held (waiting must not cost evidence), so this wait is
 * what keeps the probe within maxProbeDurationMs.
 */
export function deepSlotWaitMs(timeoutMs: number, dnsSpentMs: number): number {
  return timeoutMs - Math.min(dnsSpentMs, timeoutMs);
}

/**
 * Wait for a TLS 1.3 server's verdict on our missing client certificate: at depth tls, and at depth
 * mqtt only on the check after a server hung up on the CONNECT (deep.ts verdictCheck; otherwise the
 * CONNACK wait sees the same alert). The verdict (a session ticket, or the certificate_required
 * alert) comes one round trip after our Finished, so this is a slow round trip, not a phase timeout:
 * a server that sends neither makes every depth-tls probe wait this long, so it stays well under a second.
 */
export const TLS13_VERDICT_MS = 250;

/**
 * Time given to DISCONNECT and close_notify to leave before the socket is destroyed anyway. The
 * result is known by then and the goodbye is only courtesy to the broker, so it gets a short fixed
 * wait, not a phase timeout: a server that stops reading must not hold the socket for `timeoutMs`.
 */
export const GOODBYE_MS = 500;

/**
 * A connection started with less time than this is not worth starting: a connect and a reply from
 * anything beyond the local host do not fit in it once timer granularity and event-loop delay are
 * counted, so it would end in a timeout that says nothing about the server, and still cost the server
 * a connection.
 */
export const MIN_PHASE_MS = 20;

/**
 * The plaintext-listener connect (posture.ts plaintextConnectMs): this many round trips of the target
 * port's own connect, and never less than the floor, within the phase timeout.
 */
export const PLAINTEXT_CONNECT_RTTS = 4;
export const PLAINTEXT_CONNECT_MIN_MS = 250;

/** Where a plaintext MQTT listener sits by default (IANA `mqtt`): ProbeOptions.plaintextPort. */
export const DEFAULT_PLAINTEXT_PORT = 1883;

/**
 * Wall-clock budget of the deep probe. Time spent waiting for a socket slot is credited back: a
 * target must never look slow, or lose its legacy check, because other targets held the sockets.
 */
export class Budget {
  private readonly started: number;
  private credited = 0;

  /** `clock` is a monotonic millisecond clock, injected for tests. */
  constructor(
    private readonly totalMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.started = clock();
  }

  credit(ms: number): void {
    this.credited += ms;
  }

  remaining(): number {
    return this.totalMs + this.credited - (this.clock() - this.started);
  }

  /**
   * The timeout of a connection's next phase: the phase's own `timeoutMs`, cut to what the budget has
   * left. Never past the budget's end, never negative.
   */
  phaseMs(timeoutMs: number): number {
    return Math.min(timeoutMs, Math.max(0, Math.floor(this.remaining())));
  }

  /** The timeout of a connection's first phase, or null when less than MIN_PHASE_MS is left to start one. */
  startMs(timeoutMs: number): number | null {
    const ms = this.phaseMs(timeoutMs);
    return ms < MIN_PHASE_MS ? null : ms;
  }
}
