/**
 * Alerts as EventBridge events: source `portwatch`, one detail-type per alert event, the detail the
 * alert's JSON payload (portwatch.alert/v1, the same document SNS machine subscribers get). The
 * schema of the event as a rule's target receives it is schemas/portwatch-event.schema.json.
 */
import { formatAlert } from './alert';
import { RESOURCE_ARN_LABEL } from './asff';
import type { Alert, AlertEvent } from './model';

export const EVENT_SOURCE = 'portwatch';

/** The detail-type of each alert event: what an EventBridge rule matches on. Stable: rules name these. */
export const DETAIL_TYPES: Readonly<Record<AlertEvent, string>> = {
  opened: 'Portwatch Port Opened',
  closed: 'Portwatch Port Closed',
  recovered: 'Portwatch Target Recovered',
  baseline: 'Portwatch Baseline Alert',
  posture: 'Portwatch Posture Changed',
  'cert-changed': 'Portwatch Certificate Changed',
  reminder: 'Portwatch Reminder',
  'window-end': 'Portwatch Maintenance Window Ended',
  degraded: 'Portwatch Scanner Degraded',
  partial: 'Portwatch Partially Reachable',
  reachable: 'Portwatch Reachable From All Vantage Points',
};

/** One PutEvents entry, as plain data (the adapter hands it to the SDK as it is). */
export interface EventEntry {
  readonly Source: string;
  readonly DetailType: string;
  /** JSON text of the alert's payload. */
  readonly Detail: string;
  readonly EventBusName: string;
  readonly Time: Date;
  /** The AWS resource behind the target, when its `resourceArn` label names one. */
  readonly Resources: string[];
}

/** PutEvents refuses an entry over 256 KB (all fields together); an alert is a few KB. */
export const MAX_ENTRY_BYTES = 256 * 1024;

export function eventEntry(alert: Alert, eventBusName: string): EventEntry {
  const arn = alert.labels[RESOURCE_ARN_LABEL];
  const payload = formatAlert(alert).json;
  let detail = JSON.stringify(payload);
  // Evidence is what can grow (addresses are capped at 16, certificates are short); past the limit
  // the event still says what happened and points at the state (`portwatch status`) for the rest.
  if (Buffer.byteLength(detail) > MAX_ENTRY_BYTES - 4096) detail = JSON.stringify({ ...payload, evidence: { ...payload.evidence, addresses: payload.evidence.addresses.slice(0, 1) } });
  return {
    Source: EVENT_SOURCE,
    DetailType: DETAIL_TYPES[alert.event],
    Detail: detail,
    EventBusName: eventBusName,
    Time: new Date(alert.at),
    Resources: arn !== undefined && arn.startsWith('arn:') ? [arn] : [],
  };
}
