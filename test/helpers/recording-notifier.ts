import type { Alert } from '../../lambda/monitor/model';
import type { Notifier } from '../../lambda/monitor/dependencies';

/**
 * Stand-in for SNS (which cannot run here): records every alert it accepts and can be told to
 * refuse the next N publishes the way SNS does under throttling or an outage.
 */
export class RecordingNotifier implements Notifier {
  readonly accepted: Alert[] = [];
  failures = 0;

  async publish(alert: Alert): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' });
    }
    this.accepted.push(alert);
  }
}
