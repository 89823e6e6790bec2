import { ChainNotifier } from '../../../../lambda/adapters/local/chain-notifier';
import type { Alert } from '../../../../lambda/monitor/model';
import type { Notifier } from '../../../../lambda/monitor/dependencies';
import { RecordingNotifier } from '../../../helpers/recording-notifier';

describe('ChainNotifier', () => {
  it('prints nothing when SNS refuses, so the retried alert is printed once', async () => {
    // Prepare
    const sns = new RecordingNotifier();
    const printed: Alert[] = [];
    const console: Notifier = { publish: async (a) => void printed.push(a) };
    const chain = new ChainNotifier([sns, console]);
    const alert = { id: 'x@2' } as Alert;
    sns.failures = 1;
    // Act / Assess
    await expect(chain.publish(alert)).rejects.toThrow('Rate exceeded');
    expect(printed).toEqual([]);
    await chain.publish(alert);
    expect(printed).toEqual([alert]);
  });
});
