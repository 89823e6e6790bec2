/** The pure formats of the sinks: ASFF findings (kinds, ids, lifecycle, severities) and the chat message, with one vantage point and with several. */
import { FINDING_KINDS, activeKinds, currentFindings, findingId, findingsOfAlert, subjectOfState } from '../../../lambda/monitor/asff';
import { chatMessage } from '../../../lambda/monitor/chat-message';
import { eventEntry } from '../../../lambda/monitor/event-entry';
import type { Alert, Reach, TargetState } from '../../../lambda/monitor/model';
import { OPENED, PARTIAL_REACH, RECOVERED, alertOfEachKind } from '../../helpers/sample-alerts';

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

const FROM_ONE: Reach = { open: ['eu-west-1'], notOpen: ['ap-southeast-2', 'us-east-1'], unknown: [], partialSince: '2026-11-24T10:05:00.000Z' };
const { partial, reachable } = alertOfEachKind();

describe('ASFF findings with several vantage points', () => {
  test('an exposure seen from one region of three is the same exposure finding (same Id), with the regions in ProductFields, the resource details and the description', () => {
    // Act
    const findings = findingsOfAlert({ ...OPENED, reach: FROM_ONE }, SCOPE);
    const single = findingsOfAlert(OPENED, SCOPE);
    // Assess
    expect(findings.map((f) => f.Id)).toEqual(single.map((f) => f.Id));
    const exposure = findings[0];
    expect(exposure).toMatchObject({
      Id: 'portwatch/broker.example.com/exposure',
      RecordState: 'ACTIVE',
      Severity: { Label: 'CRITICAL' },
      ProductFields: { 'portwatch/openFrom': 'eu-west-1', 'portwatch/notOpenFrom': 'ap-southeast-2,us-east-1', 'portwatch/unknownFrom': 'none' },
      Resources: [{ Type: 'Other', Details: { Other: expect.objectContaining({ openFrom: 'eu-west-1', notOpenFrom: 'ap-southeast-2, us-east-1' }) } }, { Type: 'AwsEc2NetworkInterface' }],
    });
    expect(exposure?.Description).toContain('Vantage points: open from eu-west-1; not open from ap-southeast-2, us-east-1.');
  });

  test('partial and reachable alerts create no finding kind: they update the kinds the target holds, with the regions', () => {
    // Act
    const fromPartial = findingsOfAlert(partial, SCOPE);
    const fromReachable = findingsOfAlert(reachable, SCOPE);
    // Assess: the anonymous broker's one finding, ACTIVE, nothing archived
    expect(fromPartial.map((f) => `${f.Id} ${f.RecordState}`)).toEqual(['portwatch/broker.example.com/anonymous-access ACTIVE']);
    expect(fromPartial[0]?.ProductFields).toMatchObject({ 'portwatch/openFrom': 'eu-west-1,us-east-1', 'portwatch/notOpenFrom': 'ap-southeast-2' });
    expect(fromReachable[0]?.ProductFields).toMatchObject({ 'portwatch/openFrom': 'ap-southeast-2,eu-west-1,us-east-1', 'portwatch/notOpenFrom': 'none' });
    expect(findingsOfAlert({ ...partial, findings: [], addedFindings: [] }, SCOPE)).toEqual([]);
  });

  test('the weekly refresh carries the reach stored in the state; one vantage point adds no field', () => {
    // Prepare
    const state: TargetState = { target: OPENED.target, display: OPENED.display, status: 'open', open: true, since: OPENED.at, statusSince: OPENED.at, reason: 'connected', findings: ['anonymous-access'], evidence: OPENED.evidence, expect: null, version: 3, updatedAt: OPENED.at, outbox: [] };
    const at = '2026-12-01T10:00:00.000Z';
    // Act
    const withReach = currentFindings(subjectOfState({ ...state, reach: PARTIAL_REACH }, { labels: {}, description: null }, at), SCOPE);
    const without = currentFindings(subjectOfState(state, { labels: {}, description: null }, at), SCOPE);
    // Assess
    expect(withReach[0]?.ProductFields['portwatch/notOpenFrom']).toBe('ap-southeast-2');
    expect(Object.keys(without[0]?.ProductFields ?? {})).toEqual(['portwatch/target', 'portwatch/kind', 'portwatch/findings']);
    expect(without[0]?.Description).not.toContain('Vantage points');
  });
});

describe('chat message and EventBridge detail with several vantage points', () => {
  test('the card says where it is seen from, in the description and the context; its title is the headline', () => {
    const message = chatMessage(partial);
    expect(message.content.title).toBe('portwatch: PARTIAL broker.example.com:8883 open from eu-west-1, us-east-1; not from ap-southeast-2');
    expect(message.content.description.split('\n').slice(0, 3)).toEqual([
      '*WARNING* `broker.example.com:8883` is *open*, expected open.',
      'Findings: `anonymous-access`',
      'Seen from: open from eu-west-1, us-east-1; not open from ap-southeast-2',
    ]);
    expect(message.metadata.additionalContext).toMatchObject({ seenFrom: 'open from eu-west-1, us-east-1; not open from ap-southeast-2' });
    expect(message.content.nextSteps[0]).toMatch(/^Clients in some places can reach this broker/);
    expect(chatMessage(OPENED).metadata.additionalContext).not.toHaveProperty('seenFrom');
  });

  test('the EventBridge detail carries the reach as the SNS payload does', () => {
    const entry = eventEntry(partial, 'default');
    expect(entry.DetailType).toBe('Portwatch Partially Reachable');
    expect((JSON.parse(entry.Detail) as Alert).reach).toEqual(PARTIAL_REACH);
  });
});
