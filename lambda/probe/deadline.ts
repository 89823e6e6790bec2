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
 *
 * This runs once per socket of every probe (tens of thousands per tick), so it allocates little: one
 * run object, its two bound methods, and a timer whose callback is shared (setTimeout's extra argument).
 */
export function withDeadline<T>(
  timeoutMs: number,
  firstPhase: string,
  work: (deadline: Deadline) => Promise<T>,
  onTimeout: (info: TimeoutInfo) => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const run = new DeadlineRun<T>(timeoutMs, onTimeout, resolve);
    run.arm(firstPhase, timeoutMs);
    let running: Promise<T>;
    try {
      running = work(run);
    } catch (err) {
      run.release();
      reject(err);
      return;
    }
    running.then(
      (value) => {
        if (run.settled) return;
        run.release();
        resolve(value);
      },
      (err: unknown) => {
        if (run.settled) return;
        run.release();
        reject(err);
      },
    );
  });
}

class DeadlineRun<T> implements Deadline {
  settled = false;
  /** Most connections register one or two cleanups; the array is made on the first. */
  private cleanups: (() => void)[] | null = null;
  private timer: NodeJS.Timeout | undefined = undefined;
  label = '';
  armedMs = 0;

  constructor(
    private readonly defaultMs: number,
    readonly onTimeout: (info: TimeoutInfo) => T,
    readonly resolve: (value: T) => void,
  ) {}

  // Arrow properties: callers pass these around detached (`tlsHandshake(..., deadline.own)`).
  readonly phase = (label: string, ms: number = this.defaultMs): void => {
    if (!this.settled) this.arm(label, ms);
  };

  readonly own = (cleanup: () => void): void => {
    if (this.settled) runCleanup(cleanup);
    else if (this.cleanups === null) this.cleanups = [cleanup];
    else this.cleanups.push(cleanup);
  };

  arm(label: string, ms: number): void {
    clearTimeout(this.timer);
    this.label = label;
    this.armedMs = Math.max(0, Math.floor(ms));
    this.timer = setTimeout(fire, this.armedMs, this);
  }

  release(): void {
    this.settled = true;
    clearTimeout(this.timer);
    const cleanups = this.cleanups;
    this.cleanups = null;
    if (cleanups !== null) for (const cleanup of cleanups) runCleanup(cleanup);
  }
}

function fire<T>(run: DeadlineRun<T>): void {
  if (run.settled) return;
  run.release();
  run.resolve(run.onTimeout({ phase: run.label, timeoutMs: run.armedMs }));
}

function runCleanup(cleanup: () => void): void {
  try {
    cleanup();
  } catch {
    // A cleanup that throws (dgram already closed) must not stop the others.
  }
}
