import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { STATE_TABLE, TARGETS_TABLE } from '../../../lambda/contracts/tables';

/** Settings shared by both tables: the data outlives the stack and survives mistakes. */
const DURABLE_TABLE: Omit<dynamodb.TableProps, 'partitionKey'> = {
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  encryption: dynamodb.TableEncryption.AWS_MANAGED,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  deletionProtection: true,
  // Deleting the stack must never delete what users entered or the transition history.
  removalPolicy: RemovalPolicy.RETAIN,
};

/**
 * The two DynamoDB tables of portwatch, keyed as lambda/contracts/tables.ts says. No physical names:
 * CloudFormation generates them, the stack outputs publish them, and a second stack in the same
 * account never collides.
 */
export class PortwatchTables extends Construct {
  /**
   * Owned by the user (items added by hand or with `portwatch targets`); key `target` (string),
   * e.g. `broker.example.com:8883`. portwatch only reads it.
   */
  public readonly targetsTable: dynamodb.Table;
  /**
   * Owned by portwatch: per target one current-state item and one item per transition event.
   * Key `pk` + `sk` (strings); event items expire through the TTL attribute `expiresAt` (epoch seconds).
   * Separate from the targets so that a user re-putting a target item never wipes its history.
   */
  public readonly stateTable: dynamodb.Table;

  public constructor(scope: Construct, id: string) {
    super(scope, id);

    this.targetsTable = new dynamodb.Table(this, 'TargetsTable', {
      ...DURABLE_TABLE,
      partitionKey: { name: TARGETS_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
    });

    this.stateTable = new dynamodb.Table(this, 'StateTable', {
      ...DURABLE_TABLE,
      partitionKey: { name: STATE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STATE_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: STATE_TABLE.timeToLiveAttribute,
    });
  }
}
