/**
 * Security Hub findings in the AWS Security Finding Format (ASFF), as pure data: one finding per
 * target and kind, with a stable Id, so that a change re-imports (updates) the same finding and a
 * recovery archives it. Used by the prober's Security Hub sink (alerts and the periodic refresh) and
 * by `portwatch probe --format asff`.
 */
import type { Finding } from '../probe/types';
import { FINDING_TEXT } from './alert';
import type { Alert, Evidence, Expect, Reach, Severity, TargetInfo, TargetState } from './model';
import { reachText } from './reach-text';

/** The kinds of finding portwatch reports to Security Hub; each target has at most one finding of each. */
export const FINDING_KINDS = ['exposure', 'anonymous-access', 'plaintext-mqtt', 'certificate', 'legacy-tls'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Which kind each probe finding belongs to: a kind gathers the codes one fix removes together. */
const KIND_OF: Readonly<Record<Finding, Exclude<FindingKind, 'exposure'>>> = {
  'anonymous-access': 'anonymous-access',
  'plaintext-mqtt': 'plaintext-mqtt',
  'plaintext-listener': 'plaintext-mqtt',
  'self-signed-cert': 'certificate',
  'untrusted-cert': 'certificate',
  'hostname-mismatch': 'certificate',
  'cert-expired': 'certificate',
  'cert-expiring': 'certificate',
  'weak-key': 'certificate',
  'weak-signature': 'certificate',
  'legacy-tls': 'legacy-tls',
  'weak-cipher': 'legacy-tls',
};

interface KindText {
  readonly title: string;
  /** ASFF `Types`: namespace/category/classifier. */
  readonly types: readonly string[];
  readonly remediation: string;
}

const KIND_TEXT: Readonly<Record<FindingKind, KindText>> = {
  exposure: {
    title: 'MQTT port open against its expectation (expected closed)',
    types: ['Software and Configuration Checks/AWS Security Best Practices/Network Reachability', 'Effects/Data Exposure'],
    remediation: 'Close the port: remove the security-group or firewall rule that admits it, or stop the listener. If the port should be open, set the target\'s expect to open.',
  },
  'anonymous-access': {
    title: 'MQTT broker accepts clients without credentials',
    types: ['Software and Configuration Checks/Vulnerabilities/Anonymous MQTT access', 'Effects/Data Exposure'],
    remediation: 'Require authentication on the broker (mosquitto: allow_anonymous false, with a password file or an auth plugin), or close the port now.',
  },
  'plaintext-mqtt': {
    title: 'MQTT spoken without TLS',
    types: ['Software and Configuration Checks/Vulnerabilities/Plaintext MQTT', 'Effects/Data Exposure'],
    remediation: 'Remove the clear-text listener or bind it to loopback (mosquitto: listener 1883 127.0.0.1), or block the port; clients send credentials and messages in clear there.',
  },
  certificate: {
    title: 'TLS certificate problem on an MQTT broker',
    types: ['Software and Configuration Checks/Vulnerabilities/TLS certificate'],
    remediation: 'Install a certificate from a trusted CA that names the host clients use, is valid, uses RSA 2048+ or EC P-256 and is signed with SHA-256; renew it before it expires.',
  },
  'legacy-tls': {
    title: 'MQTT broker accepts legacy TLS or weak cipher suites',
    types: ['Software and Configuration Checks/Vulnerabilities/Legacy TLS'],
    remediation: 'Accept TLS 1.2 and 1.3 only (mosquitto: tls_version tlsv1.2) and restrict TLS 1.2 to ECDHE suites with AES-GCM or ChaCha20.',
  },
};

/** ASFF severity labels, from ours. */
const LABEL: Readonly<Record<Severity, 'CRITICAL' | 'MEDIUM' | 'INFORMATIONAL'>> = { critical: 'CRITICAL', warning: 'MEDIUM', info: 'INFORMATIONAL' };

/** Our severity of a kind, as the alerts rate its findings (transition.ts: critical findings; alert.ts). */
function kindSeverity(kind: FindingKind, codes: readonly Finding[]): Severity {
  if (kind === 'exposure' || kind === 'anonymous-access') return 'critical';
  if (kind === 'plaintext-mqtt') return codes.includes('plaintext-mqtt') ? 'critical' : 'warning';
  return 'warning';
}

/** Where the findings go: the account's own default product in one region. */
export interface AsffScope {
  readonly accountId: string;
  readonly region: string;
  /** `aws`, `aws-cn`, `aws-us-gov`. @default 'aws' */
  readonly partition?: string;
}

/** The account's default product: the one product every account may import its own findings into. */
export function defaultProductArn(scope: AsffScope): string {
  return `arn:${scope.partition ?? 'aws'}:securityhub:${scope.region}:${scope.accountId}:product/${scope.accountId}/default`;
}

/** What one target looks like to Security Hub: from an alert, a stored state, or a one-shot probe. */
export interface FindingSubject {
  readonly target: string;
  readonly display: string;
  readonly open: boolean;
  readonly expected: Expect | null;
  readonly findings: readonly Finding[];
  readonly labels: Readonly<Record<string, string>>;
  readonly description: string | null;
  readonly evidence: Evidence;
  /** When this was observed. */
  readonly seenAt: string;
  /** When the target last became open (or closed); null when unknown. */
  readonly since: string | null;
  /** With several vantage points: where it is open and where not. Absent with one. */
  readonly reach?: Reach | null;
}

/** The kinds a target holds now: exposure when open against `expect: closed`, and the kinds of its findings while open. */
export function activeKinds(subject: Pick<FindingSubject, 'open' | 'expected' | 'findings'>): FindingKind[] {
  if (!subject.open) return [];
  const kinds = new Set<FindingKind>(subject.findings.map((f) => KIND_OF[f]));
  if (subject.expected === 'closed') kinds.add('exposure');
  return FINDING_KINDS.filter((k) => kinds.has(k));
}

/** The stable Id of a target's finding of one kind (ASFF: at most 512 characters). */
export function findingId(target: string, kind: FindingKind): string {
  return `portwatch/${target}/${kind}`.slice(0, 512);
}

/** The ASFF finding fields portwatch sends (a subset of AwsSecurityFinding; the SDK's type accepts it). */
export interface AsffFinding {
  readonly SchemaVersion: '2018-10-08';
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Types: string[];
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly FirstObservedAt: string;
  readonly LastObservedAt: string;
  readonly Severity: { readonly Label: string; readonly Original: string };
  readonly Title: string;
  readonly Description: string;
  readonly Remediation: { readonly Recommendation: { readonly Text: string } };
  readonly ProductFields: Record<string, string>;
  readonly Resources: AsffResource[];
  readonly FindingProviderFields: { readonly Severity: { readonly Label: string; readonly Original: string }; readonly Types: string[] };
  readonly RecordState: 'ACTIVE' | 'ARCHIVED';
  readonly Workflow: { readonly Status: 'NEW' | 'RESOLVED' };
  readonly Region: string;
  readonly CompanyName: string;
  readonly ProductName: string;
}

interface AsffResource {
  readonly Type: string;
  readonly Id: string;
  readonly Partition: string;
  readonly Region: string;
  readonly Details?: { readonly Other: Record<string, string> };
}

/** The label that names the AWS resource behind a target (discovery sets it; users may too). */
export const RESOURCE_ARN_LABEL = 'resourceArn';

/** ASFF resource types for the ARNs discovery finds; anything else is `Other`. */
function resourceType(arn: string): string {
  if (/:ec2:[^:]*:\d*:network-interface\//.test(arn)) return 'AwsEc2NetworkInterface';
  if (/:ec2:[^:]*:\d*:elastic-ip\//.test(arn)) return 'AwsEc2Eip';
  if (/:ec2:[^:]*:\d*:instance\//.test(arn)) return 'AwsEc2Instance';
  if (/:elasticloadbalancing:.*:loadbalancer\//.test(arn)) return 'AwsElbv2LoadBalancer';
  return 'Other';
}

/** ASFF strings are bounded (Title 256, Description 1024, Other values 1024, Recommendation 512). */
function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function details(subject: FindingSubject, codes: readonly Finding[]): Record<string, string> {
  const e = subject.evidence;
  const facts: Record<string, string | null | undefined> = {
    target: subject.target,
    addresses: e.addresses.map((a) => `${a.address} ${a.status}`).join(', '),
    findings: codes.join(', '),
    expected: subject.expected ?? 'any',
    tls: e.tls ? `${e.tls.version ?? 'no handshake'}${e.tls.cipher ? ` ${e.tls.cipher}` : ''}` : null,
    certificateSubject: e.tls?.cert?.subject,
    certificateIssuer: e.tls?.cert?.issuer,
    certificateNotAfter: e.tls?.cert?.validTo,
    certificateSha256: e.tls?.cert?.fingerprint256,
    mqtt: e.mqtt?.reason,
    plaintextListener: e.plaintextListener ? `port ${e.plaintextListener.port}: ${e.plaintextListener.status}` : null,
    openFrom: subject.reach?.open.join(', '),
    notOpenFrom: subject.reach?.notOpen.join(', '),
    unknownFrom: subject.reach?.unknown.join(', '),
  };
  return Object.fromEntries(Object.entries(facts).filter((kv): kv is [string, string] => typeof kv[1] === 'string' && kv[1] !== '').map(([k, v]) => [k, cap(v, 1024)]));
}

function describeKind(kind: FindingKind, subject: FindingSubject, codes: readonly Finding[]): string {
  const facts = kind === 'exposure' ? [`${subject.display} is open; its target says it should be closed.`] : codes.map((c) => `${FINDING_TEXT[c]} [${c}].`);
  const about = subject.description ? ` Target: ${subject.description}.` : '';
  // Before the description, which is what gets cut: which regions see it is half of an exposure's story.
  const from = subject.reach ? ` Vantage points: ${reachText(subject.reach)}.` : '';
  return cap(`${facts.join(' ')} Seen at ${subject.seenAt}: ${subject.evidence.reason}.${from}${about}`, 1024);
}

/**
 * The vantage points in ProductFields (searchable in the Security Hub console and by insights), only
 * with several of them. A partial reach is no finding kind of its own: an exposure from one region is
 * already the exposure finding, and a broker that some regions cannot reach is an availability matter.
 */
function reachFields(reach: Reach | null | undefined): Record<string, string> {
  if (!reach) return {};
  return { 'portwatch/openFrom': reach.open.join(',') || 'none', 'portwatch/notOpenFrom': reach.notOpen.join(',') || 'none', 'portwatch/unknownFrom': reach.unknown.join(',') || 'none' };
}

/** One finding of `kind` for `subject`; `resolved` archives it (the condition no longer holds). */
export function asffFinding(subject: FindingSubject, kind: FindingKind, scope: AsffScope, resolved: boolean): AsffFinding {
  const partition = scope.partition ?? 'aws';
  const codes = kind === 'exposure' ? [] : subject.findings.filter((f) => KIND_OF[f] === kind);
  const text = KIND_TEXT[kind];
  const severity = { Label: LABEL[kindSeverity(kind, codes)], Original: kindSeverity(kind, codes) };
  const resources: AsffResource[] = [{ Type: 'Other', Id: subject.display, Partition: partition, Region: scope.region, Details: { Other: details(subject, codes) } }];
  const arn = subject.labels[RESOURCE_ARN_LABEL];
  if (arn !== undefined && arn.startsWith('arn:')) resources.push({ Type: resourceType(arn), Id: arn, Partition: partition, Region: scope.region });
  const types = [...text.types];
  const first = subject.since ?? subject.seenAt;
  return {
    SchemaVersion: '2018-10-08',
    Id: findingId(subject.target, kind),
    ProductArn: defaultProductArn(scope),
    GeneratorId: `portwatch/${kind}`,
    AwsAccountId: scope.accountId,
    Types: types,
    CreatedAt: first,
    UpdatedAt: subject.seenAt,
    FirstObservedAt: first,
    LastObservedAt: subject.seenAt,
    Severity: severity,
    Title: cap(`${resolved ? 'Resolved: ' : ''}${text.title}: ${subject.display}`, 256),
    Description: resolved ? cap(`No longer seen on ${subject.display} at ${subject.seenAt}: ${subject.evidence.reason}.`, 1024) : describeKind(kind, subject, codes),
    Remediation: { Recommendation: { Text: cap(text.remediation, 512) } },
    ProductFields: { 'portwatch/target': subject.target, 'portwatch/kind': kind, 'portwatch/findings': codes.join(',') || 'none', ...reachFields(subject.reach) },
    Resources: resources,
    FindingProviderFields: { Severity: severity, Types: types },
    RecordState: resolved ? 'ARCHIVED' : 'ACTIVE',
    // Security Hub takes Workflow from a provider only when a finding is created (later imports
    // cannot change it); on an existing finding, archiving is what the provider can say (README).
    Workflow: { Status: resolved ? 'RESOLVED' : 'NEW' },
    Region: scope.region,
    CompanyName: 'portwatch',
    ProductName: 'portwatch',
  };
}

/** The findings a target holds now, all ACTIVE: a one-shot probe, or the periodic refresh of a quiet target. */
export function currentFindings(subject: FindingSubject, scope: AsffScope): AsffFinding[] {
  return activeKinds(subject).map((kind) => asffFinding(subject, kind, scope, false));
}

/** A quiet target's stored state, seen again at `at`, as a finding subject (the weekly refresh). */
export function subjectOfState(state: TargetState, info: Pick<TargetInfo, 'labels' | 'description'>, at: string): FindingSubject {
  return {
    target: state.target,
    display: state.display,
    open: state.open === true,
    expected: state.expect,
    findings: state.findings,
    labels: info.labels,
    description: info.description,
    evidence: state.evidence,
    seenAt: at,
    since: state.since,
    ...(state.reach ? { reach: state.reach } : {}),
  };
}

/** What an alert's target looked like, as a finding subject. */
export function subjectOfAlert(alert: Alert): FindingSubject {
  return {
    target: alert.target,
    display: alert.display,
    open: alert.open,
    expected: alert.expected,
    findings: alert.findings,
    labels: alert.labels,
    description: alert.description,
    evidence: alert.evidence,
    seenAt: alert.at,
    // An unchanged open/closed status began before this alert; a change began with it.
    since: alert.previous !== null && (alert.previous === 'open') === alert.open ? alert.previousSince : alert.at,
    ...(alert.reach ? { reach: alert.reach } : {}),
  };
}

/**
 * The findings an alert changes: every kind its target holds now (created or updated), and every
 * kind it held before the alert and holds no more (archived as resolved). A scanner alert has none.
 */
export function findingsOfAlert(alert: Alert, scope: AsffScope): AsffFinding[] {
  if (alert.event === 'degraded') return [];
  const subject = subjectOfAlert(alert);
  const now = activeKinds(subject);
  const before = activeKinds({
    open: alert.previous === 'open',
    expected: alert.expected,
    findings: [...alert.findings.filter((f) => !alert.addedFindings.includes(f)), ...alert.removedFindings],
  });
  const resolved = before.filter((k) => !now.includes(k));
  return [...now.map((k) => asffFinding(subject, k, scope, false)), ...resolved.map((k) => asffFinding(subject, k, scope, true))];
}
