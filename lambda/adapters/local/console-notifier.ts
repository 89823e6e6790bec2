/** `portwatch local`'s alert printer: one readable line, or one JSON object per line, per alert. */
import { formatAlert, type AlertPayload } from '../../monitor/alert';
import type { Alert } from '../../monitor/model';
import type { Notifier } from '../../monitor/dependencies';
import { reachText } from '../../monitor/reach-text';

/** Where the notifier writes; resolves once the line is handed to the stream. */
export interface LineSink {
  write(chunk: string, callback: (err?: Error | null) => void): boolean;
}

/** One alert as a JSON line: the SNS payload plus `from`/`to`, the names a log reader looks for. */
export interface AlertLine extends AlertPayload {
  readonly type: 'alert';
  readonly from: AlertPayload['previous'];
  readonly to: AlertPayload['status'];
}

export function alertLine(alert: Alert): AlertLine {
  const json = formatAlert(alert).json;
  return { type: 'alert', ...json, from: json.previous, to: json.status };
}

/** `2026-11-24T10:00:00.000Z CRITICAL OPEN 127.0.0.1:8883 (expected closed): closed -> open, connected` */
export function alertText(alert: Alert): string {
  const subject = formatAlert(alert).subject.replace(/^\[portwatch\] /, '');
  const head = `${alert.at} ${alert.severity.toUpperCase()} ${subject}`;
  switch (alert.event) {
    case 'degraded':
      // A scanner-level alert: the subject already carries the reason.
      return head;
    case 'posture':
      return `${head}: ${postureChange(alert)}, ${alert.reason}`;
    case 'cert-changed':
      // The subject says why; the line adds which certificate replaced which.
      return `${head}: ${alert.certChange?.before.fingerprint256 ?? '?'} -> ${alert.evidence.tls?.cert?.fingerprint256 ?? '?'}`;
    case 'partial':
    case 'reachable':
      // The subject may have cut the lists (+N); the line names every vantage point.
      return `${head}: ${alert.reach ? reachText(alert.reach) : alert.status}`;
    case 'reminder':
      return `${head}: still ${alert.status}${findingsText(alert)}, ${alert.reason}${seenFrom(alert)}`;
    default:
      return `${head}: ${alert.previous ?? 'first check'} -> ${alert.status}${findingsText(alert)}, ${alert.reason}${seenFrom(alert)}`;
  }
}

/** `; open from a; not open from b` with several vantage points; nothing with one. */
function seenFrom(alert: Alert): string {
  const text = alert.reach ? reachText(alert.reach) : '';
  return text === '' ? '' : `; ${text}`;
}

function findingsText(alert: Alert): string {
  return alert.findings.length > 0 ? ` [${alert.findings.join(', ')}]` : '';
}

function postureChange(alert: Alert): string {
  return [...alert.addedFindings.map((f) => `+${f}`), ...alert.removedFindings.map((f) => `-${f}`)].join(' ');
}

/**
 * Prints each alert as one readable line, or one JSON object per line (`json: true`), for
 * `portwatch local`. It never refuses an alert, so the prober's outbox empties as soon as it prints.
 */
export class ConsoleNotifier implements Notifier {
  constructor(
    private readonly sink: LineSink,
    private readonly options: { readonly json: boolean },
  ) {}

  publish(alert: Alert): Promise<void> {
    const line = this.options.json ? JSON.stringify(alertLine(alert)) : alertText(alert);
    return new Promise((resolve, reject) => {
      this.sink.write(`${line}\n`, (err) => (err ? reject(err) : resolve()));
    });
  }
}
