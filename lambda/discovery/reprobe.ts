/**
 * The instant re-probe rule: a CloudTrail change (security-group rules, address associations,
 * load-balancer listeners), as EventBridge delivers it -> the discovered targets it can affect.
 */
import { PROBE_MESSAGE_VERSION, type ProbeMessage } from '../contracts/probe-message';
import { knownAttributes } from '../monitor/dispatch';
import { parseOrigin } from '../monitor/origin';

/** The API calls that can open or close a public port, by the service that records them. */
export const REPROBE_EVENTS = {
  'aws.ec2': [
    'AuthorizeSecurityGroupIngress',
    'ModifySecurityGroupRules',
    'RevokeSecurityGroupIngress',
    'AssociateAddress',
    'DisassociateAddress',
    'ModifyNetworkInterfaceAttribute',
  ],
  'aws.elasticloadbalancing': ['CreateListener', 'ModifyListener', 'DeleteListener', 'SetSecurityGroups'],
} as const;

/** The facts of one change event that say which targets it touches. */
export interface ChangeEvent {
  readonly eventName: string;
  readonly account: string;
  readonly region: string;
  /** Every identifier named in the request or response: group, interface, allocation, instance ids, ARNs, addresses. */
  readonly identifiers: ReadonlySet<string>;
}

export type ChangeEventParse = { readonly ok: true; readonly event: ChangeEvent } | { readonly ok: false; readonly reason: string };

/** Every string leaf of a JSON value (bounded: a CloudTrail record is small, but the input is not ours). */
function strings(value: unknown, out: Set<string>, depth = 0): Set<string> {
  if (depth > 8 || out.size > 1000) return out;
  if (typeof value === 'string') out.add(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out, depth + 1);
  return out;
}

/** Reads an EventBridge "AWS API Call via CloudTrail" event; anything else says why it is not one. */
export function parseChangeEvent(input: unknown): ChangeEventParse {
  if (input === null || typeof input !== 'object') return { ok: false, reason: 'not an object' };
  const e = input as { account?: unknown; region?: unknown; detail?: unknown };
  const detail = e.detail as { eventName?: unknown; requestParameters?: unknown; responseElements?: unknown; recipientAccountId?: unknown; awsRegion?: unknown; errorCode?: unknown } | undefined;
  if (detail === undefined || detail === null || typeof detail !== 'object') return { ok: false, reason: 'no detail' };
  if (typeof detail.eventName !== 'string') return { ok: false, reason: 'detail.eventName is not a string' };
  // A call AWS refused changed nothing.
  if (typeof detail.errorCode === 'string') return { ok: false, reason: `${detail.eventName} failed (${detail.errorCode})` };
  const account = typeof detail.recipientAccountId === 'string' ? detail.recipientAccountId : e.account;
  const region = typeof detail.awsRegion === 'string' ? detail.awsRegion : e.region;
  if (typeof account !== 'string' || typeof region !== 'string') return { ok: false, reason: 'no account or region' };
  const identifiers = strings(detail.responseElements, strings(detail.requestParameters, new Set<string>()));
  return { ok: true, event: { eventName: detail.eventName, account, region, identifiers } };
}

/**
 * The discovered items of the event's account and region that it names, by any of: a security group
 * of the resource, the resource id, its ARN, the instance it is attached to, or its address.
 */
export function affectedItems(event: ChangeEvent, items: readonly Readonly<Record<string, unknown>>[]): Readonly<Record<string, unknown>>[] {
  return items.filter((item) => {
    const parsed = parseOrigin(item.origin);
    if (!parsed.ok || parsed.value === undefined) return false;
    const o = parsed.value;
    if (o.account !== event.account || o.region !== event.region) return false;
    if (item.enabled === false || item.enabled === 'false') return false;
    const host = String(item.target).replace(/^\[/, '').replace(/\]?:\d+$/, '');
    const names = [o.resourceId, o.arn, o.attachedTo, host, ...o.securityGroups];
    return names.some((n) => n !== undefined && event.identifiers.has(n));
  });
}

/** Targets per re-probe message: as the dispatcher packs them (DISPATCHER_INTEGER_VARIABLES.targetsPerMessage default). */
const TARGETS_PER_MESSAGE = 25;

/** Probe messages for the affected items, the attributes the prober reads only, stamped with the time of the change as their tick. */
export function reprobeMessages(items: readonly Readonly<Record<string, unknown>>[], tick: string): ProbeMessage[] {
  const messages: ProbeMessage[] = [];
  for (let i = 0; i < items.length; i += TARGETS_PER_MESSAGE) {
    messages.push({ v: PROBE_MESSAGE_VERSION, tick, targets: items.slice(i, i + TARGETS_PER_MESSAGE).map(knownAttributes) });
  }
  return messages;
}
