/** The probe queue of `portwatch local`: keeps each tick's messages in memory for the prober. */
import type { ProbeMessage } from '../../contracts/probe-message';
import type { ProbeQueue } from '../../monitor/dependencies';

export class InProcessQueue implements ProbeQueue {
  private messages: ProbeMessage[] = [];

  async send(messages: readonly ProbeMessage[]): Promise<void> {
    this.messages.push(...messages);
  }

  /** The messages sent since the last drain, oldest first. */
  drain(): ProbeMessage[] {
    const out = this.messages;
    this.messages = [];
    return out;
  }
}
