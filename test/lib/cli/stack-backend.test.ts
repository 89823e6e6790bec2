import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store';
import { ensureTables, startEmbeddedDynamoDb, type EmbeddedDynamoDb, type TableNames } from '../../../lambda/adapters/local/embedded-dynamodb';
import { DEFAULT_PROBER_CONFIG, ProberService } from '../../../lambda/monitor/prober/service';
import { probeResult } from '../../helpers/observations';
import { RecordingNotifier } from '../../helpers/recording-notifier';
import { jsonLines, runCli } from './cli-harness';

/**
 * Stands in for CloudFormation's DescribeStacks (AWS Query protocol, XML answers): the stack
 * `Portwatch` has the outputs the CLI reads, naming the tables `tables()` returns at the time of the
 * request; `Half` lacks one; any other name does not exist.
 */
function fakeCloudFormation(tables: () => TableNames): Promise<{ server: Server; endpoint: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const name = params.get('StackName') ?? '';
      requests.push(`${params.get('Action')} ${name}`);
      const outputs =
        name === 'Portwatch'
          ? { TargetsTableName: tables().targets, StateTableName: tables().state, AlertTopicArn: 'arn:aws:sns:local:123456789012:alerts' }
          : name === 'Half'
            ? { TargetsTableName: tables().targets }
            : null;
      res.setHeader('content-type', 'text/xml');
      if (outputs === null) {
        res.statusCode = 400;
        res.end(
          `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${name} does not exist</Message></Error><RequestId>r1</RequestId></ErrorResponse>`,
        );
        return;
      }
      const members = Object.entries(outputs)
        .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
        .join('');
      res.end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${name}</StackName><StackId>arn:aws:cloudformation:local:123456789012:stack/${name}/1</StackId><CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests })));
}

describe('portwatch targets / status / history --stack (CloudFormation outputs, DynamoDB tables)', () => {
  let db: EmbeddedDynamoDb;
  let cfn: Awaited<ReturnType<typeof fakeCloudFormation>>;
  const saved = { ...process.env };
  // Each test deploys its own stack: fresh tables, so no test reads what another wrote.
  let deployments = 0;
  let tables: TableNames;

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    cfn = await fakeCloudFormation(() => tables);
    // The standard credential chain and service endpoints, pointed at the stand-ins.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    });
  });
  beforeEach(async () => {
    deployments++;
    tables = { targets: `Portwatch-TargetsTable-${deployments}`, state: `Portwatch-StateTable-${deployments}` };
    await ensureTables(db.client, tables);
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((r) => cfn.server.close(r));
    await db.close();
  });

  it('reads the table names from the stack outputs and works on those tables', async () => {
    // Act
    const added = await runCli(['targets', 'add', 'broker.example.com', '--expect', 'closed', '--stack', 'Portwatch', '--region', 'eu-west-1']);
    const list = await runCli(['targets', 'list', '--stack', 'Portwatch', '--region', 'eu-west-1', '--json']);

    // Assess
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('added broker.example.com (broker.example.com:8883, expect closed, depth mqtt) in stack Portwatch');
    expect(cfn.requests).toContain('DescribeStacks Portwatch');
    expect(jsonLines(list.stdout)).toEqual([expect.objectContaining({ target: 'broker.example.com', expect: 'closed' })]);
  });

  it('shows status and history that a prober wrote to the stack state table', async () => {
    // Prepare: the target as an operator added it, then the deployed prober's code path writing a baseline and a transition.
    expect((await runCli(['targets', 'add', 'broker.example.com', '--expect', 'closed', '--stack', 'Portwatch', '--region', 'eu-west-1'])).code).toBe(0);
    const store = new DynamoDbStateStore(db.client, { tableName: tables.state });
    const notifier = new RecordingNotifier();
    let status: 'closed' | 'open' = 'closed';
    const service = new ProberService(
      { store, notifier, probe: async (spec) => probeResult(spec.target, status, [], new Date().toISOString()), now: () => new Date(), sleep: async () => undefined },
      { ...DEFAULT_PROBER_CONFIG, defaultPort: 8883, probeOptions: { timeoutMs: 500, certExpiringDays: 14 } },
    );
    await service.run([{ id: 'm1', items: [{ target: 'broker.example.com', expect: 'closed' }] }]);
    status = 'open';
    await service.run([{ id: 'm2', items: [{ target: 'broker.example.com', expect: 'closed' }] }]);

    // Act
    const statusOut = await runCli(['status', '--stack', 'Portwatch', '--region', 'eu-west-1', '--json']);
    const history = await runCli(['history', 'broker.example.com:8883', '--stack', 'Portwatch', '--region', 'eu-west-1', '--json']);

    // Assess
    expect(notifier.accepted.map((a) => a.event)).toEqual(['opened']);
    expect(jsonLines(statusOut.stdout)).toEqual([expect.objectContaining({ target: 'broker.example.com', status: 'open', open: true, expect: 'closed', inTargets: true, pendingAlerts: [] })]);
    expect(jsonLines(history.stdout).map((e) => [e.kind, e.from, e.to, e.alerted])).toEqual([
      ['transition', 'closed', 'open', true],
      ['baseline', null, 'closed', false],
    ]);
  });

  it('exits 1 naming the stack when it does not exist, or lacks an output', async () => {
    const missing = await runCli(['status', '--stack', 'Nope', '--region', 'eu-west-1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('stack "Nope" does not exist in this account and region (check --stack and --region)');

    const half = await runCli(['status', '--stack', 'Half', '--region', 'eu-west-1']);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain('stack "Half" (status CREATE_COMPLETE) has no output StateTableName');
  });
});
