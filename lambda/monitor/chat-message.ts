/**
 * Alerts as chat messages: the Amazon Q Developer in chat applications custom notification format
 * (version "1.0", source "custom", content with title, description, next steps and keywords), so a
 * Slack or Teams channel configuration subscribed to the chat topic shows them as cards. One thread
 * per target (`metadata.threadId`): a target's opening, reminders and recovery stay together.
 */
import { headline } from './alert';
import { advice } from './alert-advice';
import { RESOURCE_ARN_LABEL } from './asff';
import type { Alert } from './model';
import { reachText } from './reach-text';

/** The custom notification document (the fields portwatch fills). */
export interface ChatMessage {
  readonly version: '1.0';
  readonly source: 'custom';
  /** The alert id: the chat application drops a repeat of the same id. */
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: string[];
    readonly keywords: string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: string[];
    readonly additionalContext: Record<string, string>;
  };
}

/** Chat cards stay readable when short; the full evidence is in the e-mail and the JSON payload. */
const MAX_TITLE = 250;
const MAX_DESCRIPTION = 3000;

function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function description(alert: Alert): string {
  // A partial or reachable alert changes where the target is seen from, not its status: no "(was open)".
  const was = alert.previous && alert.event !== 'partial' && alert.event !== 'reachable' ? ` (was ${alert.previous})` : '';
  const lines = [`*${alert.severity.toUpperCase()}* \`${alert.display}\` is *${alert.status}*${was}, expected ${alert.expected ?? 'any'}.`];
  if (alert.findings.length > 0) lines.push(`Findings: ${alert.findings.map((f) => `\`${f}\``).join(', ')}`);
  if (alert.addedFindings.length > 0 && alert.event !== 'opened' && alert.event !== 'baseline') lines.push(`New: ${alert.addedFindings.join(', ')}`);
  if (alert.removedFindings.length > 0) lines.push(`Resolved: ${alert.removedFindings.join(', ')}`);
  if (alert.reach) lines.push(`Seen from: ${reachText(alert.reach) || 'no vantage point yet'}`);
  if (alert.description) lines.push(`Target: ${alert.description}`);
  lines.push(`Seen at ${alert.at}: ${alert.reason}`);
  return cap(lines.join('\n'), MAX_DESCRIPTION);
}

export function chatMessage(alert: Alert): ChatMessage {
  const arn = alert.labels[RESOURCE_ARN_LABEL];
  // The resource ARN is a related resource, not a keyword (a tag of a few words).
  const labels = Object.entries(alert.labels).filter(([k]) => k !== RESOURCE_ARN_LABEL).map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  return {
    version: '1.0',
    source: 'custom',
    id: alert.id,
    content: {
      textType: 'client-markdown',
      title: cap(`portwatch: ${headline(alert)}`, MAX_TITLE),
      description: description(alert),
      nextSteps: [advice(alert), `portwatch status ${alert.target}`],
      keywords: [alert.severity, alert.event, ...alert.findings, ...labels],
    },
    metadata: {
      threadId: `portwatch/${alert.target}`,
      summary: cap(headline(alert), MAX_TITLE),
      eventType: alert.event,
      relatedResources: arn !== undefined && arn.startsWith('arn:') ? [arn] : [],
      additionalContext: { target: alert.target, severity: alert.severity, status: alert.status, alertId: alert.id, ...(alert.reach ? { seenFrom: reachText(alert.reach) } : {}) },
    },
  };
}
