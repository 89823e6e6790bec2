import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { STSClient } from '@aws-sdk/client-sts';
import { AwsRootCause } from '../../../lambda/adapters/aws/aws-root-cause';
import { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargets } from '../../../lambda/adapters/operator/dynamodb-targets';
import type { EmbeddedDynamoDb } from '../../../lambda/adapters/local/embedded-dynamodb';
import { parseProbeMessage, type ProbeMessage } from '../../../lambda/contracts/probe-message';
import { PROBER_DEFAULTS } from '../../../lambda/contracts/prober-env';
import { createProber } from '../../../lambda/handlers/prober-root';
import type { Origin } from '../../../lambda/monitor/exposure-model';
import { RootCauseNotifier } from '../../../lambda/monitor/root-cause-notifier';
import { createAddressGuard } from '../../../lambda/probe/address-policy';
import type { AwsStandIn } from '../../helpers/aws-stand-in';
import { standInEnvironment, startAwsWorld } from '../../helpers/aws-world';
import { EXTERNAL_ID, HOME, ROLE, sampleWorld } from '../../helpers/aws-world-samples';
import { freshTables, startEmbeddedDynamoDb } from '../../helpers/dynalite';
import { sendMessageBatch } from '../../helpers/sqs-stand-in';
import { lambdaEnv } from '../../helpers/lambda-env';
import { probeResult } from '../../helpers/observations';
import { RecordingNotifier } from '../../helpers/recording-notifier';
import { captureOutput, fullContext } from './stdout-capture';

/*
 * From a CloudTrail change to an alert with its root cause: the re-probe handler reads the Targets
 * table (dynalite) and sends probe messages with the real SQSClient; SQS, EC2, CloudTrail and STS
 * cannot run here, so the clients reach an HTTP stand-in on 127.0.0.1 in each service's wire format
 * (SQS JSON 1.0 with X-Amz-Target, the others as in test/helpers/aws-world.ts) through
 * AWS_ENDPOINT_URL_<SERVICE>. The message is then handed to the prober's composition root, whose
 * probe says the port is open.
 */

const web: Origin = {
  account: HOME, region: 'eu-west-1', kind: 'network-interface', resourceId: 'eni-0a1b2c3d4e5f00001',
  arn: `arn:aws:ec2:eu-west-1:${HOME}:network-interface/eni-0a1b2c3d4e5f00001`, name: 'web-1', securityGroups: ['sg-0web'], attachedTo: 'i-0web1',
};

/** SendMessageBatch, answered as SQS does (test/helpers/sqs-stand-in.ts), its messages kept in `sent`. */
function sqs(sent: ProbeMessage[]) {
  return sendMessageBatch((entries) => {
    for (const e of entries) sent.push(JSON.parse(e.MessageBody) as ProbeMessage);
  });
}

describe('re-probe on a security-group change', () => {
  let db: EmbeddedDynamoDb;
  let standIn: AwsStandIn;
  let tables: { targets: string; state: string };
  const sent: ProbeMessage[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    tables = await freshTables(db);
    standIn = await startAwsWorld(sampleWorld(), sqs(sent));
    // The SQS client sends to the host of the queue URL (its useQueueUrlAsEndpoint), so the URL names the stand-in.
    lambdaEnv(db, { TARGETS_TABLE_NAME: tables.targets, PROBE_QUEUE_URL: `${standIn.endpoint}/111122223333/probe`, AWS_ENDPOINT_URL_SQS: standIn.endpoint, ...standInEnvironment(standIn.endpoint) });
    const targets = new DynamoDbTargets(db.client, tables.targets);
    await targets.batchPut([
      { target: '203.0.113.10:8883', expect: 'closed', enabled: true, labels: { Name: 'web-1' }, description: 'discovered', origin: web },
      { target: '203.0.113.11:8883', expect: 'closed', enabled: true, labels: {}, description: 'discovered', origin: { ...web, resourceId: 'eni-2', securityGroups: ['sg-0other'] } },
      { target: 'mine.example.com:8883', expect: 'closed' },
    ]);
  });
  afterAll(async () => {
    process.env = saved;
    await standIn.close();
    await db.close();
  });

  it('enqueues the targets the changed group guards, and their probe alerts with the rule, the change and the revoke command', async () => {
    // Prepare
    // Loaded after the environment is set: the handler reads it at module scope, as at a cold start.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require('../../../lambda/handlers/reprobe') as typeof import('../../../lambda/handlers/reprobe');
    const event = {
      version: '0', id: 'e-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: HOME, time: '2026-12-01T09:12:00Z', region: 'eu-west-1', resources: [],
      detail: { eventSource: 'ec2.amazonaws.com', eventName: 'AuthorizeSecurityGroupIngress', awsRegion: 'eu-west-1', recipientAccountId: HOME, requestParameters: { groupId: 'sg-0web', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 8883, toPort: 8883, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } } },
    };
    // Act 1: the handler.
    const { result, error, out } = await captureOutput(() => handler(event, fullContext('reprober', 'r-1')));
    // Assess 1
    expect(error).toBeUndefined();
    expect(out.logs).toContainEqual(expect.objectContaining({ message: 're-probe', eventName: 'AuthorizeSecurityGroupIngress', targets: ['203.0.113.10:8883'] }));
    expect(result).toEqual({ event: 'AuthorizeSecurityGroupIngress', targets: ['203.0.113.10:8883'] });
    expect(sent).toHaveLength(1);
    const parsed = parseProbeMessage(JSON.stringify(sent[0]));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.message.targets).toEqual([expect.objectContaining({ target: '203.0.113.10:8883', origin: web })]);

    // Act 2: the prober takes the message; the port is open.
    const sns = new RecordingNotifier();
    const quick = { retryStrategy: new ConfiguredRetryStrategy(3, () => 5) };
    const notifier = new RootCauseNotifier(sns, new AwsRootCause(new STSClient(quick), { roleName: ROLE, externalId: EXTERNAL_ID, clientSettings: quick }));
    const prober = createProber(
      {
        store: new DynamoDbStateStore(db.client, { tableName: tables.state }),
        notifier,
        guard: createAddressGuard({ allow: [] }),
        probe: async (spec) => ({ ...probeResult(spec.target, 'open', [], '2026-12-01T10:00:00.000Z'), host: spec.host, addresses: [{ address: spec.host, family: 4, status: 'open', reason: 'connected', latencyMs: 30 }] }),
        sleep: async () => undefined,
      },
      { ...PROBER_DEFAULTS, caBundle: null },
    );
    const report = await prober.run([{ id: 'm-0', items: parsed.message.targets, tick: parsed.message.tick ?? undefined }]);
    // Assess 2: one baseline alert (open against expect closed), explained.
    expect(report.failedGroups).toEqual([]);
    expect(sns.accepted).toEqual([
      expect.objectContaining({
        event: 'baseline',
        target: '203.0.113.10:8883',
        severity: 'critical',
        origin: web,
        rootCause: expect.objectContaining({
          status: 'complete',
          rules: [expect.objectContaining({ ruleId: 'sgr-0world8883' })],
          changes: [expect.objectContaining({ who: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' })],
          remediation: ['aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-0web --security-group-rule-ids sgr-0world8883'],
        }),
      }),
    ]);
  });
});
