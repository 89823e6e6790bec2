import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import { STATE_TABLE, TARGETS_TABLE } from '../../contracts/tables';

/**
 * The embedded DynamoDB (dynalite) that `portwatch local` and the tests run on: the same adapters,
 * the same conditional writes, state kept on disk under a directory or in memory.
 */
export interface EmbeddedDynamoDb {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface TableNames {
  readonly targets: string;
  readonly state: string;
}

export const LOCAL_TABLES: TableNames = { targets: 'portwatch-targets', state: 'portwatch-state' };

interface DynaliteServer {
  listen(port: number, host: string, cb: (err?: Error) => void): void;
  address(): AddressInfo;
  close(cb: (err?: Error) => void): void;
}

export async function startEmbeddedDynamoDb(options: { path?: string } = {}): Promise<EmbeddedDynamoDb> {
  // dynalite has no types; its factory returns an http.Server.
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => DynaliteServer;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    // dynalite accepts any credentials; the SDK insists on having some.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  return {
    client,
    endpoint,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/**
 * Creates the two tables with the deployed key schema (contracts/tables.ts); tables that already exist
 * are kept. No TTL: dynalite has no UpdateTimeToLive, so local history stays until the state dir goes.
 */
export async function ensureTables(client: DynamoDBClient, names: TableNames = LOCAL_TABLES): Promise<void> {
  const specs = [
    { TableName: names.targets, keys: [{ AttributeName: TARGETS_TABLE.partitionKey, KeyType: 'HASH' as const }] },
    {
      TableName: names.state,
      keys: [
        { AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: STATE_TABLE.sortKey, KeyType: 'RANGE' as const },
      ],
    },
  ];
  for (const spec of specs) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: spec.TableName,
          KeySchema: spec.keys,
          AttributeDefinitions: spec.keys.map((k) => ({ AttributeName: k.AttributeName, AttributeType: 'S' })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    await client.send(new DescribeTableCommand({ TableName: spec.TableName }));
  }
}
