/** The pure formats of the sinks: ASFF findings (kinds, ids, lifecycle, severities) and the chat message. */
import { FINDING_KINDS, activeKinds, currentFindings, findingId, findingsOfAlert, subjectOfState } from '../../../lambda/monitor/asff';
import { chatMessage } from '../../../lambda/monitor/chat-message';
import { OPENED, RECOVERED, alertOfEachKind } from '../../helpers/sample-alerts';

const SCOPE = { accountId: '123456789012', region: 'eu-west-1' };
const summary = (findings: ReturnType<typeof findingsOfAlert>) => findings.map((f) => `${f.Id} ${f.RecordState} ${f.Workflow.Status} ${f.Severity.Label}`);

describe('ASFF findings', () => {
  test('an opening of an anonymous broker expected closed: exposure and anonymous access, ACTIVE, CRITICAL, naming the address and the AWS resource', () => {
    const findings = findingsOfAlert(OPENED, SCOPE);
    expect(summary(findings)).toEqual([
      'portwatch/broker.example.com/exposure ACTIVE NEW CRITICAL',
      'portwatch/broker.example.com/anonymous-access ACTIVE NEW CRITICAL',
    ]);
    expect(findings[1]).toMatchObject({
      ProductArn: 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default',
      AwsAccountId: '123456789012',
      GeneratorId: 'portwatch/anonymous-access',
      CreatedAt: OPENED.at,
      FindingProviderFields: { Severity: { Label: 'CRITICAL', Original: 'critical' } },
      Resources: [
        { Type: 'Other', Id: 'broker.example.com:8883', Details: { Other: expect.objectContaining({ addresses: '203.0.113.10 open', mqtt: 'CONNACK 0 (accepted)' }) } },
        { Type: 'AwsEc2NetworkInterface', Id: OPENED.labels.resourceArn },
      ],
    });
  });

  test('recovery archives what the target held, as RESOLVED, under the same ids', () => {
    expect(summary(findingsOfAlert(RECOVERED, SCOPE))).toEqual([
      'portwatch/broker.example.com/exposure ARCHIVED RESOLVED CRITICAL',
      'portwatch/broker.example.com/anonymous-access ARCHIVED RESOLVED CRITICAL',
    ]);
  });

  test('a posture change updates the kinds still held and adds the new one; a scanner alert has none', () => {
    const { posture, degraded } = alertOfEachKind();
    expect(summary(findingsOfAlert(posture, SCOPE))).toEqual([
      'portwatch/broker.example.com/anonymous-access ACTIVE NEW CRITICAL',
      'portwatch/broker.example.com/certificate ACTIVE NEW MEDIUM',
    ]);
    expect(findingsOfAlert(degraded, SCOPE)).toEqual([]);
  });

  test('each finding code maps to one kind; a closed target holds none', () => {
    expect(activeKinds({ open: true, expected: null, findings: ['weak-cipher', 'legacy-tls', 'plaintext-listener', 'hostname-mismatch'] })).toEqual(['plaintext-mqtt', 'certificate', 'legacy-tls']);
    expect(activeKinds({ open: false, expected: 'closed', findings: ['anonymous-access'] })).toEqual([]);
    expect(new Set(FINDING_KINDS.map((k) => findingId('t', k))).size).toBe(FINDING_KINDS.length);
  });

  test("the weekly refresh sends a stored state's findings as ACTIVE, observed at the refresh", () => {
    const state = { target: OPENED.target, display: OPENED.display, status: 'open' as const, open: true, since: OPENED.at, statusSince: OPENED.at, reason: 'connected', findings: OPENED.findings, evidence: OPENED.evidence, expect: null, version: 3, updatedAt: OPENED.at, outbox: [] };
    const findings = currentFindings(subjectOfState(state, { labels: {}, description: null }, '2026-12-01T10:00:00.000Z'), SCOPE);
    expect(findings.map((f) => [f.Id, f.RecordState, f.CreatedAt, f.UpdatedAt])).toEqual([['portwatch/broker.example.com/anonymous-access', 'ACTIVE', OPENED.at, '2026-12-01T10:00:00.000Z']]);
  });
});

describe('chat message', () => {
  test('one thread per target, the headline as title, what to do as next steps', () => {
    const message = chatMessage(OPENED);
    expect(message).toMatchObject({
      version: '1.0',
      source: 'custom',
      id: OPENED.id,
      content: { title: 'portwatch: OPEN broker.example.com:8883 (expected closed; accepts MQTT clients without credentials)', keywords: ['critical', 'opened', 'anonymous-access', 'env=prod'] },
      metadata: { threadId: 'portwatch/broker.example.com', eventType: 'opened', relatedResources: [OPENED.labels.resourceArn] },
    });
    expect(message.content.nextSteps[0]).toMatch(/^Anyone on the network can read and publish/);
    expect(chatMessage(RECOVERED).metadata.threadId).toBe(message.metadata.threadId);
  });
});
