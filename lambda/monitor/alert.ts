/** Alerts as subscribers see them: the subject, text, JSON payload and SNS attributes of an Alert, and the scanner's own "degraded" alert. */
import { plural } from '../parse/plural';
import type { CertFacts, Finding } from '../probe/types';
import { reasonsText } from './cert-change';
import type { Alert, Evidence } from './model';
import { advice } from './alert-advice';
import { VANTAGE_LABEL, agreeingSide, fitNames, reachHeadline, seenFromLines } from './reach-text';
import { originLines } from './root-cause-text';

/** What to do about an alert lives in alert-advice.ts; re-exported so callers keep importing it with the rest of the alert. */
export { advice } from './alert-advice';

/** What a publisher sends: SNS takes exactly these three parts. */
export interface FormattedAlert {
  readonly subject: string;
  readonly text: string;
  readonly json: AlertPayload;
  /** SNS message attributes: strings, or string arrays (SNS `String.Array`, matched element-wise by filter policies). */
  readonly attributes: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * The JSON document machine subscribers receive (schema portwatch.alert/v1): the Alert's facts, with
 * `display` published as `host`. Fields may be added, never renamed: subscribers parse it.
 */
export interface AlertPayload extends Omit<Alert, 'display'> {
  readonly schema: 'portwatch.alert/v1';
  readonly host: string;
}

/** Each finding in words, as the alert body and Security Hub descriptions say it. */
export const FINDING_TEXT: Readonly<Record<Finding, string>> = {
  'anonymous-access': 'the broker ACCEPTS ANONYMOUS clients (MQTT CONNECT without credentials was accepted)',
  'plaintext-mqtt': 'the port speaks MQTT WITHOUT TLS',
  'self-signed-cert': 'the certificate is self-signed',
  'untrusted-cert': 'the certificate chain does not verify',
  'hostname-mismatch': 'the certificate does not match the host name',
  'cert-expired': 'the certificate has expired',
  'cert-expiring': 'the certificate expires soon',
  'legacy-tls': 'the server accepts TLS 1.0 or 1.1',
  'plaintext-listener': 'the same host ALSO speaks MQTT WITHOUT TLS on its plaintext port (1883 unless configured)',
  'weak-key': 'the certificate key is weak (RSA under 2048 bits, DSA, or EC under 224 bits)',
  'weak-signature': 'the certificate is signed with SHA-1 or MD5',
  'weak-cipher': 'the server picks a TLS 1.2 cipher suite without forward secrecy or in CBC mode',
};

/** SNS subjects must be ASCII, at most 100 characters, without line breaks. */
const SUBJECT_MAX = 100;
const SUBJECT_PREFIX = '[portwatch] ';
/** A headline's room in the subject: vantage lists are cut to fit it (reach-text.ts). */
const HEADLINE_MAX = SUBJECT_MAX - SUBJECT_PREFIX.length;

function subjectSafe(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length > SUBJECT_MAX ? `${ascii.slice(0, SUBJECT_MAX - 3)}...` : ascii;
}

/**
 * The findings that lead a headline when the port itself is where `expect` wants it: an open broker
 * that anyone can use is the incident, and "OPEN (expected open)" would read as all clear. In the
 * order they lead; each with what it means in a few words.
 */
const HEADLINE_FINDINGS: readonly { readonly code: Finding; readonly word: string; readonly fact: string }[] = [
  { code: 'anonymous-access', word: 'ANONYMOUS ACCESS', fact: 'accepts MQTT clients without credentials' },
  { code: 'plaintext-mqtt', word: 'PLAINTEXT MQTT', fact: 'speaks MQTT without TLS' },
];

/** The open/closed status goes against `expect` (the same rule as transition.ts isViolation, on the alert). */
function violatesExpect(alert: Alert): boolean {
  return (alert.expected === 'closed' && alert.open) || (alert.expected === 'open' && !alert.open);
}

/**
 * The one line that says what happened: the subject without its prefix, the chat title. With
 * several vantage points that disagree, it names where its open/not-open holds (`OPEN broker:8883
 * from eu-west-1 (expected closed)`), cut with "+N" to fit the subject.
 */
export function headline(alert: Alert): string {
  if (alert.event === 'degraded') return `scanner degraded: ${alert.reason}`;
  if (alert.event === 'posture') return postureHeadline(alert);
  if (alert.event === 'cert-changed') return certHeadline(alert);
  // The reach is the news of these two; a finding on the broker was alerted when it appeared.
  if (alert.event === 'partial' || alert.event === 'reachable') return reachHeadline(alert.event, alert.display, alert.reach, HEADLINE_MAX);
  const side = agreeingSide(alert.open, alert.reach);
  if (side === null) return stateHeadline(alert, alert.display);
  return fitNames([side], ([list]) => stateHeadline(alert, `${alert.display} from ${list ?? ''}`), HEADLINE_MAX);
}

/** The headline of an open/closed state (`d`: the target as named there). */
function stateHeadline(alert: Alert, d: string): string {
  // Findings describe an open port only; a closed one has none worth a headline.
  const critical = alert.open ? HEADLINE_FINDINGS.filter((h) => alert.findings.includes(h.code)) : [];
  // A port open or closed against `expect` leads with that state; otherwise a critical finding leads.
  const leading = violatesExpect(alert) ? undefined : critical[0];
  const state = alert.open ? 'OPEN' : alert.status.toUpperCase();
  const notes: string[] = [];
  // "(expected open)" beside a finding that is the incident would read as all clear: the finding says it.
  if (alert.expected !== null && leading === undefined) notes.push(`expected ${alert.expected}`);
  let text: string;
  switch (alert.event) {
    case 'opened':
      text = `${leading?.word ?? 'OPEN'} ${d}`;
      if (leading) notes.push('now open');
      break;
    case 'closed':
      text = `${state} ${d}`;
      break;
    case 'baseline':
      text = `${leading?.word ?? state} ${d} on first check`;
      break;
    case 'recovered':
      text = leading ? `${leading.word} ${d} is open again` : `RECOVERED ${d} is ${alert.status} again`;
      break;
    case 'reminder':
      text = `REMINDER ${leading?.word ?? state} ${d}`;
      break;
    case 'window-end':
      text = `${leading?.word ?? state} ${d} after maintenance: ${windowChange(alert)}`;
      break;
    default:
      // degraded, posture, cert-changed, partial, reachable: headline() words them.
      text = `${state} ${d}`;
  }
  // A window-end's change list already names the findings that appeared (`+anonymous-access`).
  const explained = alert.event === 'window-end' ? alert.addedFindings : [];
  notes.push(...critical.filter((h) => !explained.includes(h.code)).map((h) => h.fact));
  return notes.length > 0 ? `${text} (${notes.join('; ')})` : text;
}

function postureHeadline(alert: Alert): string {
  const d = alert.display;
  const appeared = HEADLINE_FINDINGS.filter((h) => alert.addedFindings.includes(h.code));
  const first = appeared[0];
  if (first) return `${first.word} ${d} (now ${appeared.map((h) => h.fact).join('; ')})`;
  const resolved = alert.removedFindings.length > 0 ? `; ${alert.removedFindings.join(', ')} resolved` : '';
  if (alert.addedFindings.length > 0) return `${d} posture: ${alert.addedFindings.join(', ')}${resolved}`;
  return `${d} posture improved: ${alert.removedFindings.join(', ')} resolved`;
}

/** `CERT CHANGED broker:8883 (new key, new issuer CN=...)`: the reasons lead, since the subject may be cut at 100 characters. */
function certHeadline(alert: Alert): string {
  const reasons = alert.certChange?.reasons ?? [];
  const issuer = reasons.includes('new-issuer') ? ` ${alert.evidence.tls?.cert?.issuer ?? ''}`.trimEnd() : '';
  return `CERT CHANGED ${alert.display} (${reasonsText(reasons)}${issuer})`;
}

function certLine(label: string, cert: CertFacts | null | undefined): string[] {
  if (!cert) return [`${label}: none seen`];
  return [
    `${label}: ${cert.subject}`,
    `  issuer ${cert.issuer}, valid ${cert.validFrom} to ${cert.validTo}`,
    `  SHA-256 ${cert.fingerprint256}`,
    `  key SHA-256 ${cert.publicKeyFingerprint256 ?? '(not recorded)'}`,
  ];
}

/** The findings an alert compares against: those of `previous` (before the window, for a window-end). */
function findingsBefore(alert: Alert): Finding[] {
  return [...alert.findings.filter((f) => !alert.addedFindings.includes(f)), ...alert.removedFindings];
}

/**
 * What a window-end alert found changed since before the window: open/closed as `before -> after`,
 * findings as `+appeared -resolved` (the notation of `portwatch history`). The body lists both sets.
 */
function windowChange(alert: Alert): string {
  const parts: string[] = [];
  const openBefore = alert.previous === null ? null : alert.previous === 'open';
  if (openBefore !== alert.open) parts.push(`${alert.previous ?? 'not yet seen'} -> ${alert.status}`);
  const findings = [...alert.addedFindings.map((f) => `+${f}`), ...alert.removedFindings.map((f) => `-${f}`)];
  if (findings.length > 0) parts.push(`findings ${findings.join(' ')}`);
  // A window-end alert is owed only when one of the two changed; say the status if, oddly, neither did.
  return parts.length > 0 ? parts.join(', ') : `${alert.previous ?? 'not yet seen'} -> ${alert.status}`;
}

export const SCANNER_TARGET = '(scanner)';

/**
 * The scanner's own alert: too many targets flipped at once. With several vantage points, `vantage`
 * names the one whose own views flipped (they are held, so the others outvote it), first in the
 * reason so the subject keeps it, and as a label; its id names it too, as two may degrade at once.
 */
export function degradedAlert(at: string, flipping: number, probed: number, vantage: string | null = null): Alert {
  const reason =
    vantage === null
      ? `${flipping} of ${plural(probed, 'target')} changed open/closed at once; their alerts are held and re-checked next tick`
      : `${vantage} sees ${flipping} of ${plural(probed, 'target')} change open/closed at once; its views are held (the other vantage points decide) and re-checked next tick`;
  return {
    id: vantage === null ? `${SCANNER_TARGET}@${at}` : `${SCANNER_TARGET}@${vantage}@${at}`,
    event: 'degraded',
    target: SCANNER_TARGET,
    display: 'portwatch scanner',
    status: 'error',
    previous: null,
    open: false,
    expected: null,
    severity: 'warning',
    at,
    previousSince: null,
    findings: [],
    addedFindings: [],
    removedFindings: [],
    reason,
    labels: vantage === null ? {} : { [VANTAGE_LABEL]: vantage },
    description: null,
    evidence: { reason, latencyMs: 0, addresses: [], tls: null, mqtt: null },
  };
}

function duration(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return 'an unknown time';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days ${hours % 24} h`;
}

function evidenceLines(evidence: Evidence): string[] {
  const lines = evidence.addresses.map((a) => `  - ${a.address}: ${a.status} (${a.reason}, ${a.latencyMs} ms)`);
  const tls = evidence.tls;
  if (tls) {
    lines.push(`  TLS: ${tls.version ?? 'no handshake'}${tls.cipher ? ` ${tls.cipher}` : ''}, chain ${tls.authorized ? 'verified' : `not verified (${tls.authorizationError ?? 'unknown'})`}`);
    if (tls.cert) lines.push(`  Certificate: ${tls.cert.subject}, issuer ${tls.cert.issuer}, expires ${tls.cert.validTo} (${plural(tls.cert.daysLeft, 'day')})${keyLine(tls.cert)}`);
    if (tls.tls12Cipher) lines.push(`  TLS 1.2 suite picked: ${tls.tls12Cipher}`);
    if (tls.clientCertRequired) lines.push('  The server requires a client certificate.');
  }
  const mqtt = evidence.mqtt;
  // The reason already names the CONNACK (`CONNACK 5 (not authorized)`) or its absence (mqtt.ts).
  if (mqtt) lines.push(`  MQTT (${mqtt.transport}, v${mqtt.protocolVersion === 5 ? '5' : '3.1.1'}): ${mqtt.reason}`);
  const plain = evidence.plaintextListener;
  if (plain) lines.push(`  Plaintext port ${plain.port}: ${plain.status === 'open' ? plain.reason : `${plain.status} (${plain.reason})`}`);
  return lines;
}

/** `, key rsa 1024 bits, signed sha1WithRSAEncryption`, from what the probe could read. */
function keyLine(cert: NonNullable<Evidence['tls']>['cert']): string {
  if (!cert) return '';
  const key = cert.keyType ? `, key ${cert.keyType}${cert.keyBits ? ` ${cert.keyBits} bits` : ''}` : '';
  return `${key}${cert.signatureAlgorithm ? `, signed ${cert.signatureAlgorithm}` : ''}`;
}

function bodyText(alert: Alert): string {
  const lines: string[] = [headline(alert), ''];
  if (alert.event === 'degraded') {
    lines.push(alert.reason);
  } else if (alert.event === 'posture') {
    for (const f of alert.addedFindings) lines.push(`New: ${FINDING_TEXT[f]} [${f}]`);
    for (const f of alert.removedFindings) lines.push(`Resolved: ${FINDING_TEXT[f]} [${f}]`);
  } else if (alert.event === 'cert-changed') {
    lines.push(`The leaf certificate changed and it is not a renewal: ${reasonsText(alert.certChange?.reasons ?? [])}.`);
    lines.push(...certLine('Before', alert.certChange?.before), ...certLine('Now', alert.evidence.tls?.cert));
  } else if (alert.event === 'reminder') {
    lines.push(`Status: still ${alert.status}${alert.previousSince ? ` since ${alert.previousSince} (${duration(alert.previousSince, alert.at)})` : ''}`);
    for (const f of alert.findings) lines.push(`Finding: ${FINDING_TEXT[f]} [${f}]`);
  } else if (alert.event === 'window-end') {
    const before = alert.previous ? `${alert.previous}${alert.previousSince ? ` for ${duration(alert.previousSince, alert.at)}` : ''}` : 'not yet seen';
    lines.push(`Status: ${alert.status} (before the maintenance window: ${before})`);
    lines.push(`Findings before the window: ${findingsBefore(alert).join(', ') || 'none'}; now: ${alert.findings.join(', ') || 'none'}`);
    for (const f of alert.addedFindings) lines.push(`New: ${FINDING_TEXT[f]} [${f}]`);
    for (const f of alert.removedFindings) lines.push(`Resolved: ${FINDING_TEXT[f]} [${f}]`);
  } else if (alert.event === 'partial' || alert.event === 'reachable') {
    // The combined open/not-open did not change (that would be opened or closed): say since when it holds.
    const since = alert.previousSince ? ` since ${alert.previousSince} (${duration(alert.previousSince, alert.at)})` : '';
    lines.push(`Status: ${alert.status}${since}, as the vantage points under "Seen from" combine`);
    for (const f of alert.findings) lines.push(`Finding: ${FINDING_TEXT[f]} [${f}]`);
  } else {
    const was = alert.previous ? `was ${alert.previous}${alert.previousSince ? ` for ${duration(alert.previousSince, alert.at)}` : ''}` : 'first check';
    lines.push(`Status: ${alert.status} (${was})`);
    for (const f of alert.findings) lines.push(`Finding: ${FINDING_TEXT[f]} [${f}]`);
  }
  lines.push(
    `Target: ${alert.display}${alert.description ? ` (${alert.description})` : ''}`,
    `Expected: ${alert.expected ?? 'any (alert on every change)'}`,
    `Severity: ${alert.severity}`,
    `Seen at: ${alert.at}`,
    `Reason: ${alert.reason}`,
  );
  const labels = Object.entries(alert.labels);
  if (labels.length > 0) lines.push(`Labels: ${labels.map(([k, v]) => (v ? `${k}=${v}` : k)).join(', ')}`);
  lines.push(...originLines(alert.origin, alert.rootCause));
  if (alert.reach) lines.push(...seenFromLines(alert.reach));
  lines.push('', 'Evidence:', ...evidenceLines(alert.evidence), '', `What to do: ${advice(alert)}`, '', `Alert id: ${alert.id}`);
  return lines.join('\n');
}

export function formatAlert(alert: Alert): FormattedAlert {
  const json: AlertPayload = {
    schema: 'portwatch.alert/v1',
    id: alert.id,
    event: alert.event,
    severity: alert.severity,
    target: alert.target,
    host: alert.display,
    status: alert.status,
    previous: alert.previous,
    open: alert.open,
    expected: alert.expected,
    at: alert.at,
    previousSince: alert.previousSince,
    findings: alert.findings,
    addedFindings: alert.addedFindings,
    removedFindings: alert.removedFindings,
    reason: alert.reason,
    labels: alert.labels,
    description: alert.description,
    evidence: alert.evidence,
    ...(alert.certChange ? { certChange: alert.certChange } : {}),
    ...(alert.origin ? { origin: alert.origin } : {}),
    ...(alert.rootCause ? { rootCause: alert.rootCause } : {}),
    ...(alert.reach ? { reach: alert.reach } : {}),
  };
  // SNS allows 10 attributes per message, so labels and findings travel as one array each.
  const attributes: Record<string, string | readonly string[]> = {
    event: alert.event,
    target: alert.target,
    status: alert.status,
    previous: alert.previous ?? 'none',
    severity: alert.severity,
    expected: alert.expected ?? 'any',
  };
  if (alert.findings.length > 0) attributes.findings = alert.findings;
  const labels = Object.entries(alert.labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  if (labels.length > 0) attributes.labels = labels;
  // With several vantage points: where it is open and where not, each omitted when empty, so a filter
  // policy can say `notOpenFrom: [us-east-1]`, or "partial" as both existing. That makes 10, SNS's limit.
  if (alert.reach && alert.reach.open.length > 0) attributes.openFrom = alert.reach.open;
  if (alert.reach && alert.reach.notOpen.length > 0) attributes.notOpenFrom = alert.reach.notOpen;
  return { subject: subjectSafe(`${SUBJECT_PREFIX}${headline(alert)}`), text: bodyText(alert), json, attributes };
}
