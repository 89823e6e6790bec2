import { createLogger, createMetrics, logTo, publishMetrics } from '../../../../lambda/adapters/aws/powertools';
import { captureOutput } from '../../handlers/stdout-capture';

describe('publishMetrics', () => {
  it('puts the plain points in one EMF document and each dimensioned point in its own', async () => {
    // Prepare
    const metrics = createMetrics();
    // Act
    const { out } = await captureOutput(async () =>
      publishMetrics(metrics, [
        { name: 'AlertsPending', unit: 'Count', values: [2] },
        { name: 'FlapsSuppressed', unit: 'Count', values: [5], dimensions: { status: 'open' } },
        { name: 'FlapsSuppressed', unit: 'Count', values: [1], dimensions: { status: 'filtered' } },
        { name: 'TargetsUnfinished', unit: 'Milliseconds', values: [1234] },
      ]),
    );
    // Assess
    expect(out.metrics).toEqual([
      { namespace: 'Portwatch', name: 'AlertsPending', unit: 'Count', dimensions: { service: 'portwatch' }, values: [2] },
      { namespace: 'Portwatch', name: 'TargetsUnfinished', unit: 'Milliseconds', dimensions: { service: 'portwatch' }, values: [1234] },
      { namespace: 'Portwatch', name: 'FlapsSuppressed', unit: 'Count', dimensions: { service: 'portwatch', status: 'open' }, values: [5] },
      { namespace: 'Portwatch', name: 'FlapsSuppressed', unit: 'Count', dimensions: { service: 'portwatch', status: 'filtered' }, values: [1] },
    ]);
    expect(out.logs).toEqual([]);
  });

  it('250 values of one metric are all published, in documents of at most 100 values', async () => {
    // Prepare
    const metrics = createMetrics();
    const latencies = Array.from({ length: 250 }, (_, i) => i);
    // Act
    const { out } = await captureOutput(async () => publishMetrics(metrics, [{ name: 'FlapsSuppressed', unit: 'Count', values: latencies }]));
    // Assess
    expect(out.metrics.map((m) => m.values.length)).toEqual([100, 100, 50]);
    expect(out.metrics.flatMap((m) => m.values)).toEqual(latencies);
  });
});

describe('logTo', () => {
  it('turns the core log calls into Powertools log items with the fields as top-level keys', async () => {
    // Prepare
    const logger = createLogger();
    logger.appendKeys({ tick: '2026-11-24T10:00:00Z' });
    const log = logTo(logger);
    // Act
    const { out } = await captureOutput(async () => {
      log('info', 'change not confirmed by re-probe', { target: 'broker.example.com:8883', first: 'open', second: 'closed' });
      log('warn', 'invalid target', { target: 'x:0', field: 'target', reason: 'port out of range' });
      log('error', 'target failed; its group will be retried', { target: 'y.example.com', error: 'Error: boom' });
    });
    // Assess
    expect(out.logs).toEqual([
      expect.objectContaining({ level: 'INFO', service: 'portwatch', tick: '2026-11-24T10:00:00Z', target: 'broker.example.com:8883', first: 'open', second: 'closed' }),
      expect.objectContaining({ level: 'WARN', message: 'invalid target', target: 'x:0', field: 'target' }),
      expect.objectContaining({ level: 'ERROR', message: 'target failed; its group will be retried', target: 'y.example.com', error: 'Error: boom' }),
    ]);
  });
});
