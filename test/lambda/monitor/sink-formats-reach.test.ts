/** What the sinks send with several vantage points: the Security Hub findings (a partial exposure is still one finding, the regions in it), the chat card, the EventBridge detail. */
import { currentFindings, findingsOfAlert, subjectOfState } from '../../../lambda/monitor/asff';
import { chatMessage } from '../../../lambda/monitor/chat-message';
import { eventEntry } from '../../../lambda/monitor/event-entry';
import type { Alert, Reach, TargetState } from '../../../lambda/monitor/model';
import { OPENED, PARTIAL_REACH, alertOfEachKind } from '../../helpers/sample-alerts';

const SCOPE = { accountId: '123456789012', region: 'eu-west-1' };
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
    expect(message.content.description.split('\n')).toContain('Seen from: open from eu-west-1, us-east-1; not open from ap-southeast-2');
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
