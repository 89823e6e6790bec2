/** A notifier that hands each alert to several others in turn (`portwatch local --topic-arn`: SNS, then the console). */
import type { Alert } from '../../monitor/model';
import type { Notifier } from '../../monitor/dependencies';

/**
 * Publishes to each notifier in turn and stops at the first refusal. Put the one that may refuse
 * first: if SNS refuses, nothing is printed and the prober retries the whole alert later, so the
 * console never shows an alert twice.
 */
export class ChainNotifier implements Notifier {
  constructor(private readonly notifiers: readonly Notifier[]) {}

  async publish(alert: Alert): Promise<void> {
    for (const notifier of this.notifiers) await notifier.publish(alert);
  }
}
