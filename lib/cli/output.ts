/**
 * What the CLI writes: results on stdout (aligned text, or one JSON object per line with --json),
 * diagnostics and progress on stderr. Progress is drawn only on an interactive terminal and never
 * in --json mode, so pipes and scripts see clean output; anything written while it is drawn erases it first.
 */
import type { LineSink } from '../../lambda/adapters/local/console-notifier';

export interface OutputStream {
  write(chunk: string, callback?: (err?: Error | null) => void): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

interface CliStreams {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
}

/** The streams are read when used, not when the module loads, so tests can replace them. */
function processStreams(): CliStreams {
  return { stdout: process.stdout, stderr: process.stderr };
}

export class CliOutput {
  /** The progress line drawn now, if any: whatever else is written clears it first. */
  private active: Progress | null = null;

  constructor(
    readonly json: boolean,
    private readonly streams: CliStreams = processStreams(),
  ) {}

  get stdout(): OutputStream {
    return this.streams.stdout;
  }

  /** True when a person is watching: text mode on a terminal. */
  get interactive(): boolean {
    return !this.json && this.streams.stdout.isTTY === true;
  }

  /**
   * stdout for writers that are not CliOutput (the alert printer): each write clears the progress
   * line first, so an alert never lands after a half-drawn `probing 3/5`.
   */
  get lines(): LineSink {
    return {
      write: (chunk, callback) => {
        this.clearProgress();
        return this.streams.stdout.write(chunk, callback);
      },
    };
  }

  /** One line of text on stdout. */
  line(text = ''): void {
    this.clearProgress();
    this.streams.stdout.write(`${text}\n`);
  }

  /** One JSON object on one line of stdout. */
  data(value: unknown): void {
    this.clearProgress();
    this.streams.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A diagnostic on stderr; never on stdout, so `--json` output stays machine-readable. */
  note(text: string): void {
    this.clearProgress();
    this.streams.stderr.write(`portwatch: ${text}\n`);
  }

  table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
    if (rows.length === 0) return;
    this.clearProgress();
    this.streams.stdout.write(renderTable(headers, rows));
  }

  /** A progress counter on stderr, drawn only on a terminal and never in --json mode. */
  progress(label: string, total: number): Progress {
    const enabled = !this.json && this.streams.stderr.isTTY === true;
    const progress = new Progress(this.streams.stderr, label, total, enabled, () => {
      if (this.active === progress) this.active = null;
    });
    this.active = progress;
    return progress;
  }

  /** Erases the progress line, if one is drawn; its next update draws it again below what was written. */
  private clearProgress(): void {
    this.active?.clear();
  }
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return alignColumns([headers, ...rows]);
}

/** Rows as lines of left-aligned columns, each line after `indent`. */
export function alignColumns(rows: readonly (readonly string[])[], indent = ''): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => indent + r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * Redraws `label 1200/2000 (60%)` in place at most ten times a second, from a quarter of a second
 * on: an operation that finishes sooner draws nothing, so short runs do not flicker.
 */
export class Progress {
  private readonly startedAt = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly label: string,
    private total: number,
    private readonly enabled: boolean,
    private readonly onDone: () => void = () => undefined,
  ) {}

  update(done: number, total = this.total): void {
    this.total = total;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.startedAt < 250) return;
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    this.stream.write(`\r\u001b[2K${this.label} ${done}/${total} (${percent}%)`);
    this.drawn = true;
  }

  /** Erases the line if it is drawn, so that what is written next starts on a clean one. */
  clear(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }

  /** Clears the line for good: the operation is over. */
  done(): void {
    this.clear();
    this.onDone();
  }
}

/** `42 s`, `5 min`, `3 h 10 min`, `2 days 4 h` between two instants. */
export function formatElapsed(fromIso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return 'unknown';
  if (ms < 0) return '0 s';
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days ${hours % 24} h`;
}

/** `2026-11-24 10:00:05Z`: ISO time, shorter, still unambiguous. */
export function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function formatFindings(findings: readonly string[]): string {
  return findings.length > 0 ? findings.join(',') : '-';
}

export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length > 0 ? entries.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(',') : '-';
}
