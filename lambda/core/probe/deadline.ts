/**
 * The one place that owns probe timers. Protocol code (tcp, tls, mqtt, udp-dtls) only listens to
 * socket events and settles; it never arms a timer. The caller wraps the work of one connection in
 * `withDeadline`, which destroys everything the work registered when the deadline fires or when the
 * work ends, whichever comes first (blackbox_exporter's handler/prober split).
 */

/** What a timeout interrupted, so the caller can say "no CONNACK within 3000 ms". */
export interface TimeoutInfo {
  readonly phase: string;
  readonly timeoutMs: number;
}

export interface Deadline {
  /**
   * Starts a new phase of the same connection: re-arms the hard deadline (`timeoutMs` or the default)
   * and labels it. A connection's phases are sequential: connect, TLS handshake, CONNACK, ...
   */
  phase(label: string, timeoutMs?: number): void;
  /** Registers a cleanup (socket destroy, dgram close) run once when the work ends or times out. */
  own(cleanup: () => void): void;
  /** True once the deadline fired or the work ended; late events must change nothing. */
  readonly settled: boolean;
}

/**
 * Runs `work` under a hard deadline. Resolves with the work's value, or with `onTimeout(info)` when the
 * current phase's deadline passes first; either way every registered cleanup has run before it resolves.
 * Rejects only when `work` itself rejects (a bug, not a remote behaviour).
 */
export function withDeadline<T>(
  timeoutMs: number,
  firstPhase: string,
  work: (deadline: Deadline) => Promise<T>,
  onTimeout: (info: TimeoutInfo) => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanups: (() => void)[] = [];
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const release = (): void => {
      settled = true;
      clearTimeout(timer);
      for (const cleanup of cleanups.splice(0)) {
        try {
          cleanup();
        } catch {
          // A cleanup that throws (dgram already closed) must not stop the others.
        }
      }
    };
    const arm = (label: string, ms: number): void => {
      clearTimeout(timer);
      const bounded = Math.max(0, Math.floor(ms));
      timer = setTimeout(() => {
        if (settled) return;
        release();
        resolve(onTimeout({ phase: label, timeoutMs: bounded }));
      }, bounded);
    };

    const deadline: Deadline = {
      phase: (label, ms = timeoutMs) => {
        if (!settled) arm(label, ms);
      },
      own: (cleanup) => {
        if (settled) {
          try {
            cleanup();
          } catch {
            // see release()
          }
        } else cleanups.push(cleanup);
      },
      get settled() {
        return settled;
      },
    };

    arm(firstPhase, timeoutMs);
    let running: Promise<T>;
    try {
      running = work(deadline);
    } catch (err) {
      release();
      reject(err);
      return;
    }
    running.then(
      (value) => {
        if (settled) return;
        release();
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        release();
        reject(err);
      },
    );
  });
}
