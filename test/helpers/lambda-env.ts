import type { EmbeddedDynamoDb } from '../../lambda/adapters/local/embedded-dynamodb';

/**
 * Points the SDK clients a handler builds at module scope to the embedded DynamoDB, with fake
 * credentials; SNS and SQS are replaced by stand-ins in each test (they cannot run here).
 */
export function lambdaEnv(db: EmbeddedDynamoDb, vars: Record<string, string>): void {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    ...vars,
  });
}

/** A stand-in Lambda context whose deadline is `remainingMs` from now, on the real clock (Date.now). */
export function lambdaContext(remainingMs = 60_000): { getRemainingTimeInMillis: () => number } {
  const deadline = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
}
