import { Template } from 'aws-cdk-lib/assertions';
import { PortwatchTables } from '../../../../lib/infra/constructs/portwatch-tables';
import { logicalIdOf, testStack } from '../../../helpers/synth';

describe('PortwatchTables', () => {
  // Prepare
  const stack = testStack();
  new PortwatchTables(stack, 'Tables');
  // Act
  const template = Template.fromStack(stack);
  const tables = template.findResources('AWS::DynamoDB::Table');

  test.each(['Tables/TargetsTable', 'Tables/StateTable'])('%s survives stack deletion and mistakes', (path) => {
    // Assess
    const table = tables[logicalIdOf(stack, path)];
    expect(table).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        // AWS-managed KMS key (aws/dynamodb): SSEEnabled without a customer key.
        SSESpecification: { SSEEnabled: true },
      },
    });
    expect(table?.Properties).not.toHaveProperty('TableName');
    expect(table?.Properties.SSESpecification).not.toHaveProperty('KMSMasterKeyId');
  });

  test('the Targets table is keyed by target', () => {
    expect(tables[logicalIdOf(stack, 'Tables/TargetsTable')]?.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'target', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'target', AttributeType: 'S' }],
    });
    expect(tables[logicalIdOf(stack, 'Tables/TargetsTable')]?.Properties).not.toHaveProperty('TimeToLiveSpecification');
  });

  test('the State table is keyed by pk and sk and expires events through expiresAt', () => {
    expect(tables[logicalIdOf(stack, 'Tables/StateTable')]?.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});
