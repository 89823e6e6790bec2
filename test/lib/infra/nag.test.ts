import { Validations, type Acknowledgment, type PolicyViolation } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { synthPortwatch } from '../../helpers/synth';

/** Findings of both packs over the stack: rule id and the paths of the resources it flags. */
function nagFindings(scope: IConstruct): PolicyViolation[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) => pack.validateScope(scope).violations);
}

interface RecordedAck {
  readonly path: string;
  readonly ack: Acknowledgment;
}

/** Builds the stack with `Validations.of(x).acknowledge` recorded but not applied. */
function synthRecordingAcks(props: Parameters<typeof synthPortwatch>[0]): {
  acks: RecordedAck[];
  findings: PolicyViolation[];
} {
  const acks: RecordedAck[] = [];
  const realOf = Validations.of.bind(Validations);
  const spy = jest.spyOn(Validations, 'of').mockImplementation((scope: IConstruct) => {
    const real = realOf(scope);
    return Object.assign(Object.create(real) as Validations, {
      acknowledge: (...rules: Acknowledgment[]) => {
        for (const ack of rules) acks.push({ path: scope.node.path, ack });
      },
    });
  });
  try {
    const { stack } = synthPortwatch(props);
    return { acks, findings: nagFindings(stack) };
  } finally {
    spy.mockRestore();
  }
}

describe.each([
  ['without alertEmail', {}],
  ['with alertEmail', { alertEmail: 'security@example.com' }],
  ['with alertEmail and opsEmail', { alertEmail: 'security@example.com', opsEmail: 'oncall@example.com' }],
])('cdk-nag AwsSolutions and Serverless %s', (_name, props) => {
  test('report no unacknowledged error or warning', () => {
    // Prepare
    const { stack } = synthPortwatch(props);

    // Act
    const findings = nagFindings(stack);

    // Assess
    expect(findings.map((f) => `${f.severity} ${f.ruleName} ${f.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  test('every acknowledgement names a rule, has a specific reason, and suppresses a real finding', () => {
    // Prepare
    const { acks, findings } = synthRecordingAcks(props);

    // Act
    const unused = acks.filter(
      ({ path, ack }) =>
        !findings.some(
          (f) => f.ruleName === ack.id && f.violatingResources.some((r) => r.constructPath === path || r.constructPath?.startsWith(`${path}/`)),
        ),
    );

    // Assess
    expect(acks.length).toBeGreaterThan(0);
    for (const { ack } of acks) {
      expect(ack.id).toMatch(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/);
      expect(ack.reason.trim().length).toBeGreaterThanOrEqual(60);
    }
    expect(unused).toEqual([]);
  });
});

test('the only acknowledged findings are the reviewed ones', () => {
  // Prepare
  const { acks } = synthRecordingAcks({ alertEmail: 'security@example.com', opsEmail: 'oncall@example.com' });

  // Act
  const acknowledged = acks.map(({ path, ack }) => `${ack.id} @ ${path}`).sort();

  // Assess
  expect(acknowledged).toEqual(
    [
      'AwsSolutions-IAM5[Resource::*] @ Portwatch/Default/ProbeFanOut/ProberServiceRole/DefaultPolicy',
      'AwsSolutions-IAM5[Resource::*] @ Portwatch/Default/ProbeSchedule/DispatcherServiceRole/DefaultPolicy',
      'AwsSolutions-SQS3 @ Portwatch/Default/Alerts/EmailDeadLetterQueue/Queue/Resource',
      // The operations topic's e-mail subscription (opsEmail) has a dead-letter queue like the alerts one.
      'AwsSolutions-SQS3 @ Portwatch/Default/Ops/EmailDeadLetterQueue/Queue/Resource',
      'AwsSolutions-SQS3 @ Portwatch/Default/ProbeSchedule/FailureQueue/Queue/Resource',
      'Serverless-LambdaDLQ @ Portwatch/Default/ProbeFanOut/Prober/Resource',
      'Serverless-LambdaDLQ @ Portwatch/Default/ProbeSchedule/Dispatcher/Resource',
      'Serverless-LambdaEventSourceMappingDestination @ Portwatch/Default/ProbeFanOut/Prober/SqsEventSource:PortwatchProbeFanOutQueueEF51AD96',
      'Serverless-SQSRedrivePolicy @ Portwatch/Default/Alerts/EmailDeadLetterQueue/Queue/Resource',
      'Serverless-SQSRedrivePolicy @ Portwatch/Default/Ops/EmailDeadLetterQueue/Queue/Resource',
      'Serverless-SQSRedrivePolicy @ Portwatch/Default/ProbeFanOut/DeadLetterQueue/Queue/Resource',
      'Serverless-SQSRedrivePolicy @ Portwatch/Default/ProbeSchedule/FailureQueue/Queue/Resource',
    ].sort(),
  );
});
