import { affectedItems, parseChangeEvent, reprobeMessages } from '../../../lambda/discovery/reprobe';
import type { Origin } from '../../../lambda/monitor/exposure-model';

/** An EventBridge "AWS API Call via CloudTrail" event, as the documentation shows it (trimmed). */
function cloudTrailEvent(eventName: string, requestParameters: unknown, extra: Record<string, unknown> = {}): unknown {
  return {
    version: '0',
    id: '6f87d04b-9f74-4f04-a780-7acf4b0a9b38',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2026-12-01T09:12:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { eventVersion: '1.08', eventSource: 'ec2.amazonaws.com', eventName, awsRegion: 'eu-west-1', requestParameters, responseElements: { _return: true }, recipientAccountId: '111122223333', ...extra },
  };
}

const origin = (over: Partial<Origin>): Origin => ({ account: '111122223333', region: 'eu-west-1', kind: 'network-interface', resourceId: 'eni-1', arn: 'arn:eni-1', name: 'web', securityGroups: ['sg-1'], ...over });
const items = [
  { target: '203.0.113.10:8883', origin: origin({}), digest: { v: 3 }, note: 'mine' },
  { target: '203.0.113.11:8883', origin: origin({ resourceId: 'eni-2', securityGroups: ['sg-2'], attachedTo: 'i-2' }) },
  { target: '203.0.113.12:8883', origin: origin({ resourceId: 'eipalloc-3', kind: 'elastic-ip', securityGroups: [] }) },
  { target: '198.51.100.1:8883', origin: origin({ account: '444455556666' }) },
  { target: '203.0.113.13:8883', origin: origin({}), enabled: false },
  { target: 'user.example.com:8883' },
];

describe('the re-probe rule', () => {
  it.each([
    ['AuthorizeSecurityGroupIngress', { groupId: 'sg-1', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 8883, toPort: 8883 }] } }, ['203.0.113.10:8883']],
    ['ModifySecurityGroupRules', { ModifySecurityGroupRulesRequest: { GroupId: 'sg-2', SecurityGroupRule: { SecurityGroupRuleId: 'sgr-1' } } }, ['203.0.113.11:8883']],
    ['AssociateAddress', { allocationId: 'eipalloc-3', instanceId: 'i-2' }, ['203.0.113.11:8883', '203.0.113.12:8883']],
    ['DisassociateAddress', { publicIp: '203.0.113.12' }, ['203.0.113.12:8883']],
    ['RevokeSecurityGroupIngress', { groupId: 'sg-9' }, []],
  ])('%s reaches the targets it names (same account and region, enabled, discovered)', (eventName, params, expected) => {
    // Act
    const parsed = parseChangeEvent(cloudTrailEvent(eventName, params));
    // Assess
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(affectedItems(parsed.event, items).map((i) => i.target)).toEqual(expected);
  });

  it('ignores a call AWS refused and anything that is not a CloudTrail event', () => {
    expect(parseChangeEvent(cloudTrailEvent('AuthorizeSecurityGroupIngress', { groupId: 'sg-1' }, { errorCode: 'Client.UnauthorizedOperation' }))).toEqual({ ok: false, reason: 'AuthorizeSecurityGroupIngress failed (Client.UnauthorizedOperation)' });
    expect(parseChangeEvent({ 'detail-type': 'Scheduled Event', detail: {} })).toEqual({ ok: false, reason: 'detail.eventName is not a string' });
    expect(parseChangeEvent('x')).toEqual({ ok: false, reason: 'not an object' });
  });

  it('packs the affected items into probe messages with only the attributes the prober reads', () => {
    // Act
    const messages = reprobeMessages(Array.from({ length: 30 }, () => items[0] as Record<string, unknown>), '2026-12-01T09:12:05.000Z');
    // Assess
    expect(messages.map((m) => m.targets.length)).toEqual([25, 5]);
    expect(messages[0]).toMatchObject({ v: 1, tick: '2026-12-01T09:12:05.000Z' });
    expect(messages[0]?.targets[0]).toEqual({ target: '203.0.113.10:8883', origin: origin({}), digest: { v: 3 } });
  });
});
