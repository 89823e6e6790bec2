/** CloudTrail for root causes: who changed a security group, and when, from the 90-day management event history (LookupEvents). */
import { LookupEventsCommand, type CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { GROUP_CHANGE_EVENTS } from '../../discovery/exposure';
import type { GroupChange } from '../../monitor/exposure-model';
import type { ApiCallCounter } from './api-calls';

/** LookupEvents answers 2 calls a second per account and region: read at most this many pages per group. */
const MAX_PAGES = 2;

interface TrailRecord {
  readonly userIdentity?: { readonly arn?: string; readonly principalId?: string };
  readonly sourceIPAddress?: string;
}

export class CloudTrailChanges {
  constructor(
    private readonly client: Pick<CloudTrailClient, 'send'>,
    private readonly counter: ApiCallCounter,
  ) {}

  /** Changes to each group since `since`, newest first. */
  async changes(groupIds: readonly string[], since: Date): Promise<GroupChange[]> {
    const out: GroupChange[] = [];
    for (const groupId of groupIds) {
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await this.counter.count('CloudTrail.LookupEvents', () =>
          this.client.send(
            new LookupEventsCommand({
              LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: groupId }],
              StartTime: since,
              MaxResults: 50,
              NextToken: token,
            }),
          ),
        );
        for (const e of answer.Events ?? []) {
          if (!e.EventName || !GROUP_CHANGE_EVENTS.includes(e.EventName) || !e.EventTime) continue;
          const record = parseRecord(e.CloudTrailEvent);
          out.push({
            groupId,
            eventName: e.EventName,
            at: e.EventTime.toISOString(),
            who: record?.userIdentity?.arn ?? e.Username ?? 'unknown',
            sourceIp: record?.sourceIPAddress ?? null,
          });
        }
        token = answer.NextToken || undefined;
        if (!token) break;
      }
    }
    return out.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  }
}

function parseRecord(text: string | undefined): TrailRecord | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as TrailRecord;
  } catch {
    return null;
  }
}
