/** The EventBridge sink: every alert as one PutEvents entry on the configured bus (event-entry.ts says its shape). */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SINK_NAMES } from '../../contracts/metrics';
import type { AlertSink } from '../../monitor/dependencies';
import { eventEntry } from '../../monitor/event-entry';
import type { Alert } from '../../monitor/model';

/** PutEvents answered 200 but refused the entry (FailedEntryCount): its code and message. */
export class EventRejectedError extends Error {
  override readonly name = 'EventRejectedError';
}

export class EventBridgeEvents implements AlertSink {
  readonly name = SINK_NAMES.eventBridge;

  constructor(
    private readonly client: Pick<EventBridgeClient, 'send'>,
    /** The bus's name or ARN (`default` for the account's default bus). */
    private readonly eventBusName: string,
  ) {}

  async deliver(alert: Alert): Promise<void> {
    const answer = await this.client.send(new PutEventsCommand({ Entries: [eventEntry(alert, this.eventBusName)] }));
    // PutEvents is partial by design: a 200 answer can still refuse an entry (throttled, too large).
    if ((answer.FailedEntryCount ?? 0) > 0) {
      const entry = answer.Entries?.[0];
      throw new EventRejectedError(`EventBridge refused alert ${alert.id} on bus ${this.eventBusName}: ${entry?.ErrorCode ?? 'unknown'} (${entry?.ErrorMessage ?? 'no message'})`);
    }
  }
}
