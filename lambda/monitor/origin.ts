/** The `origin` attribute of a discovered Targets item, validated: which AWS resource the target stands for. */
import type { Origin, OriginKind } from './exposure-model';
import { fail, type ParseResult } from '../parse/field-error';

export const ORIGIN_KINDS: readonly OriginKind[] = ['network-interface', 'elastic-ip', 'load-balancer', 'dns-record'];
/** Items carry at most this many groups and listeners: an interface has at most 16 groups, a load balancer 50 listeners. */
const MAX_LIST = 50;
const MAX_TEXT = 512;

function text(record: Record<string, unknown>, field: string, required: boolean): ParseResult<string | undefined> {
  const value = record[field];
  if (value === undefined || value === null) return required ? fail(`origin.${field}`, value, 'is required') : { ok: true, value: undefined };
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) return fail(`origin.${field}`, value, `must be a string of 1-${MAX_TEXT} characters`);
  return { ok: true, value };
}

function list(record: Record<string, unknown>, field: string): ParseResult<string[] | undefined> {
  const value = record[field];
  if (value === undefined || value === null) return { ok: true, value: undefined };
  // DynamoDB returns a string set as a Set, a list as an array.
  const items: unknown[] = value instanceof Set ? [...(value as Set<unknown>)] : Array.isArray(value) ? value : [value];
  if (items.length > MAX_LIST || !items.every((v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT)) {
    return fail(`origin.${field}`, value, `must be a list of at most ${MAX_LIST} strings`);
  }
  return { ok: true, value: (items as string[]).slice().sort() };
}

/** Absent: a user's target. Present: every field checked, so a damaged origin is reported like any bad attribute. */
export function parseOrigin(value: unknown): ParseResult<Origin | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Set) return fail('origin', value, 'must be a map (written by portwatch discover)');
  const record = value as Record<string, unknown>;
  const fields: Record<string, string | undefined> = {};
  for (const field of ['account', 'region', 'kind', 'resourceId', 'arn', 'name'] as const) {
    const parsed = text(record, field, true);
    if (!parsed.ok) return parsed;
    fields[field] = parsed.value;
  }
  if (!(ORIGIN_KINDS as readonly string[]).includes(fields.kind ?? '')) return fail('origin.kind', record.kind, `must be one of ${ORIGIN_KINDS.join(', ')}`);
  const groups = list(record, 'securityGroups');
  if (!groups.ok) return groups;
  const listeners = list(record, 'listeners');
  if (!listeners.ok) return listeners;
  const attachedTo = text(record, 'attachedTo', false);
  if (!attachedTo.ok) return attachedTo;
  return {
    ok: true,
    value: {
      account: fields.account as string,
      region: fields.region as string,
      kind: fields.kind as OriginKind,
      resourceId: fields.resourceId as string,
      arn: fields.arn as string,
      name: fields.name as string,
      securityGroups: groups.value ?? [],
      ...(attachedTo.value !== undefined ? { attachedTo: attachedTo.value } : {}),
      ...(listeners.value !== undefined ? { listeners: listeners.value } : {}),
    },
  };
}
