/**
 * The layout of the two DynamoDB tables that the stack creates, the functions read and write, and
 * `portwatch local` recreates on the embedded DynamoDB: key attribute names and the TTL attribute.
 * Every key attribute is a string. Renaming a value here orphans the data of existing deployments.
 */

/**
 * Targets table, owned by the user: one item per target, keyed by the target itself
 * (`broker.example.com:8883`); the key attribute is also the item's `target` field.
 */
export const TARGETS_TABLE = { partitionKey: 'target' } as const;

/**
 * State table, owned by portwatch: per target one current-state item and one item per transition
 * event; event items expire through the TTL attribute (epoch seconds).
 */
export const STATE_TABLE = { partitionKey: 'pk', sortKey: 'sk', timeToLiveAttribute: 'expiresAt' } as const;

/** Days a transition event stays in the State table before its TTL removes it. */
export const DEFAULT_EVENT_RETENTION_DAYS = 90;
