/**
 * Where the operator commands read and write: a local state directory (the embedded DynamoDB of
 * `portwatch local`) or a deployed stack (table names from its CloudFormation outputs, AWS
 * credentials from the standard chain). Both give the same StateStore and Targets repository.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargets } from '../../lambda/adapters/operator/dynamodb-targets';
import { LOCAL_TABLES, type TableNames } from '../../lambda/adapters/local/embedded-dynamodb';
import { readStackOutputs } from '../../lambda/adapters/operator/stack-outputs';
import type { StateStore } from '../../lambda/monitor/dependencies';
import { OUTPUT_KEYS } from '../../lambda/contracts/stack-outputs';
import { UsageError } from './cli-io';
import { DEFAULT_STATE_DIR, openLocalState } from './state-dir';

export interface BackendOptions {
  readonly state?: string;
  readonly stack?: string;
  readonly region?: string;
}

export interface Backend {
  /** `local state .portwatch/` or `stack Portwatch`: named in messages. */
  readonly where: string;
  readonly store: StateStore;
  readonly targets: DynamoDbTargets;
  /** The client of both tables (discovery writes the Targets table through its own adapter). */
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

/** Refuses `--state` together with `--stack`, naming both. */
function checkBackendOptions(options: BackendOptions): void {
  if (options.state !== undefined && options.stack !== undefined) {
    throw new UsageError('--state and --stack name two different backends; give one of them');
  }
  if (options.region !== undefined && options.stack === undefined) {
    throw new UsageError('--region applies to a deployed stack; give --stack NAME with it');
  }
}

/**
 * What a command does with its backend: `read` only reads (a local directory it may not write is read
 * through a copy), `write` writes to existing state, `create` may also make a new local state directory.
 */
export type BackendAccess = 'read' | 'write' | 'create';

/** Opens the backend the options name. */
async function openBackend(options: BackendOptions, access: BackendAccess): Promise<Backend> {
  checkBackendOptions(options);
  if (options.stack !== undefined) {
    const region = options.region;
    const cfn = new CloudFormationClient(region ? { region } : {});
    let outputs;
    try {
      outputs = await readStackOutputs(cfn, options.stack);
    } finally {
      cfn.destroy();
    }
    const tables: TableNames = { targets: outputs.require(OUTPUT_KEYS.targetsTableName), state: outputs.require(OUTPUT_KEYS.stateTableName) };
    const client = new DynamoDBClient(region ? { region } : {});
    return {
      where: `stack ${options.stack}`,
      store: new DynamoDbStateStore(client, { tableName: tables.state }),
      targets: new DynamoDbTargets(client, tables.targets),
      client,
      close: async () => client.destroy(),
    };
  }
  const dir = options.state ?? DEFAULT_STATE_DIR;
  const local = await openLocalState(dir, 'cli', { create: access === 'create', access: access === 'read' ? 'read' : 'write' });
  return {
    where: `local state ${dir}${local.readOnly ? ' (read-only)' : ''}`,
    store: new DynamoDbStateStore(local.client, { tableName: LOCAL_TABLES.state }),
    targets: new DynamoDbTargets(local.client, LOCAL_TABLES.targets),
    client: local.client,
    close: () => local.close(),
  };
}

/**
 * Runs `fn` against the backend and always closes it, so the embedded database is never left open.
 * `access` may also be the older boolean `create` flag (true: create, false: write).
 */
export async function withBackend<T>(options: BackendOptions, access: BackendAccess | boolean, fn: (backend: Backend) => Promise<T>): Promise<T> {
  const backend = await openBackend(options, access === true ? 'create' : access === false ? 'write' : access);
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}

