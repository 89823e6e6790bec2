import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { STSClient } from '@aws-sdk/client-sts';
import { writeFileSync } from 'node:fs';
import { AwsRootCause } from '../../../../lambda/adapters/aws/aws-root-cause';
import { formatAlert } from '../../../../lambda/monitor/alert';
import type { Origin } from '../../../../lambda/monitor/exposure-model';
import type { Alert } from '../../../../lambda/monitor/model';
import { RootCauseNotifier } from '../../../../lambda/monitor/root-cause-notifier';
import { useAwsWorld, type World } from '../../../helpers/aws-world';
import { EXTERNAL_ID, HOME, MEMBER, ROLE, sampleWorld } from '../../../helpers/aws-world-samples';
import { RecordingNotifier } from '../../../helpers/recording-notifier';

/*
 * The root-cause lookup on the real EC2, CloudTrail and STS clients: those services cannot run here,
 * so the clients talk to an HTTP stand-in on 127.0.0.1 in their wire formats (test/helpers/aws-world.ts),
 * reached through AWS_ENDPOINT_URL_EC2, _CLOUDTRAIL and _STS. The alert is then formatted as SNS
 * subscribers receive it.
 */

const quick = { retryStrategy: new ConfiguredRetryStrategy(3, () => 5) };
const AT = '2026-12-01T10:00:00.000Z';
const web: Origin = {
  account: HOME, region: 'eu-west-1', kind: 'network-interface', resourceId: 'eni-0a1b2c3d4e5f00001',
  arn: `arn:aws:ec2:eu-west-1:${HOME}:network-interface/eni-0a1b2c3d4e5f00001`, name: 'web-1', securityGroups: ['sg-0web'], attachedTo: 'i-0web1',
};

function opened(origin: Origin): Alert {
  return {
    id: '203.0.113.10:8883@4', event: 'opened', target: '203.0.113.10:8883', display: '203.0.113.10:8883', status: 'open', previous: 'closed', open: true,
    expected: 'closed', severity: 'critical', at: AT, previousSince: '2026-11-28T06:00:00.000Z', findings: [], addedFindings: [], removedFindings: [],
    reason: 'connected', labels: { Name: 'web-1' }, description: `discovered: network interface ${origin.resourceId} (web-1) in ${HOME} eu-west-1`, origin,
    evidence: { reason: 'connected', latencyMs: 31, addresses: [{ address: '203.0.113.10', family: 4, status: 'open', reason: 'connected', latencyMs: 31 }], tls: null, mqtt: null },
  };
}

describe('root cause of an opening alert', () => {
  let world: World;
  const aws = useAwsWorld(sampleWorld);

  beforeAll(() => {
    world = aws().world;
  });

  const lookup = (): AwsRootCause => new AwsRootCause(new STSClient(quick), { roleName: ROLE, externalId: EXTERNAL_ID, clientSettings: quick });

  it('names the resource, the rules admitting 8883 and from where, who changed the group in the last 24 h, and the revoke command', async () => {
    // Prepare
    const sns = new RecordingNotifier();
    const notifier = new RootCauseNotifier(sns, lookup());
    // Act
    await notifier.publish(opened(web));
    // Assess
    const published = sns.accepted[0];
    expect(published?.rootCause).toEqual({
      status: 'complete',
      origin: web,
      port: 8883,
      // The ::/0 rule admits 8883 too, but not to this IPv4 address.
      rules: [{ groupId: 'sg-0web', ruleId: 'sgr-0world8883', ports: 'tcp 8883', source: { kind: 'cidr', cidr: '0.0.0.0/0', anywhere: true }, description: 'demo' }],
      // bob's change of 11 days ago is outside the 24 hours.
      changes: [{ groupId: 'sg-0web', eventName: 'AuthorizeSecurityGroupIngress', at: '2026-12-01T09:12:00.000Z', who: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', sourceIp: '198.51.100.7' }],
      remediation: ['aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-0web --security-group-rule-ids sgr-0world8883'],
      notes: [],
    });
    const f = formatAlert(published as Alert);
    expect(f.json.rootCause?.remediation).toHaveLength(1);
    expect(f.json.origin).toEqual(web);
    expect(f.text).toContain('Resource: network interface eni-0a1b2c3d4e5f00001 (web-1), attached to i-0web1, account 111122223333 eu-west-1');
    expect(f.text).toContain('  - sg-0web rule sgr-0world8883 admits tcp 8883 from 0.0.0.0/0 (ANYWHERE on the internet) ("demo")');
    expect(f.text).toContain('  - 2026-12-01T09:12:00.000Z AuthorizeSecurityGroupIngress on sg-0web by arn:aws:sts::111122223333:assumed-role/Admin/alice from 198.51.100.7');
    expect(f.text).toContain('  aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-0web --security-group-rule-ids sgr-0world8883');
    expect(f.text).not.toContain('A rule above admits more than tcp 8883');
    // The calls it made: the interface's current groups, their 4 rules in 2 pages, the group's trail.
    expect(world.calls.get('ec2.DescribeSecurityGroupRules')).toBe(2);
    expect(world.calls.get('cloudtrail.LookupEvents')).toBe(1);
    if (process.env.PORTWATCH_ALERT_SAMPLE) writeFileSync(process.env.PORTWATCH_ALERT_SAMPLE, `Subject: ${f.subject}\n\n${f.text}\n`);
  });

  it('reads a member account through the member role, and says what it could not read (CloudTrail denied) without holding the alert', async () => {
    // Prepare
    world.trailDenied = true;
    const memberRegion = world.accounts[1]?.regions['eu-west-1'];
    memberRegion?.rules.push({ ruleId: 'sgr-0task', groupId: 'sg-0task', protocol: '-1', fromPort: -1, toPort: -1, prefixListId: 'pl-0partners' });
    const task: Origin = { ...web, account: MEMBER, resourceId: 'eni-0f00000000000task', arn: 'arn', name: 'ingest-task', securityGroups: ['sg-0task'], attachedTo: 'interface' };
    const sns = new RecordingNotifier();
    try {
      // Act
      await new RootCauseNotifier(sns, lookup()).publish({ ...opened(task), display: '198.51.100.44:8883' });
      // Assess
      const rc = sns.accepted[0]?.rootCause;
      expect(rc).toMatchObject({ status: 'partial', rules: [{ ruleId: 'sgr-0task', ports: 'all traffic', source: { kind: 'prefix-list', prefixListId: 'pl-0partners' } }], changes: [] });
      expect(rc?.notes).toEqual([expect.stringContaining('CloudTrail not readable, so who changed the group is unknown: AccessDeniedException')]);
      expect(formatAlert(sns.accepted[0] as Alert).text).toContain('from prefix list pl-0partners');
    } finally {
      world.trailDenied = false;
    }
  });

  it('publishes the alert without a root cause when the lookup is late or fails, and leaves other alerts alone', async () => {
    // Prepare
    const sns = new RecordingNotifier();
    const never = { explain: () => new Promise<never>(() => undefined) };
    const notifier = new RootCauseNotifier(sns, never, { timeoutMs: 20 });
    // Act
    await notifier.publish(opened(web));
    await notifier.publish({ ...opened(web), expected: 'open' });
    const { origin: _origin, ...userTarget } = opened(web);
    await notifier.publish(userTarget);
    // Assess
    expect(sns.accepted.map((a) => a.rootCause?.status ?? null)).toEqual(['unavailable', null, null]);
    expect(sns.accepted[0]?.rootCause?.notes).toEqual(['root cause not available: the lookup took longer than 20 ms']);
    expect(formatAlert(sns.accepted[0] as Alert).text).toContain('Root cause (unavailable):');
  });
});
