/**
 * Powertools for AWS Lambda, set up once per Lambda environment: structured JSON logs (Logger) and
 * CloudWatch metrics in the Embedded Metric Format (Metrics), both one JSON document per line on
 * stdout, read by CloudWatch Logs and turned into metrics without any API call from the function.
 *
 * Both read their POWERTOOLS_* settings (log level, sampling) from the environment when constructed,
 * i.e. at module scope of the handler. Namespace and service are fixed here, not configurable: the
 * dashboard and the alarms are built against exactly these values.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, SERVICE_NAME, type MetricPoint } from '../../contracts/metrics';

export type LogLevel = 'info' | 'warn' | 'error';
/** The shape of the core's `log` dependency (ProberService). */
export type LogFn = (level: LogLevel, message: string, fields: Record<string, unknown>) => void;

export function createLogger(): Logger {
  return new Logger({ serviceName: SERVICE_NAME });
}

export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
}

/** The core's log calls as Logger calls: the fields become top-level keys next to the correlation keys. */
export function logTo(logger: Logger): LogFn {
  return (level, message, fields) => logger[level](message, fields);
}

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds } as const;

/**
 * Publishes the points of one invocation. Points without extra dimensions share one EMF document
 * (Powertools starts another after 100 values of a metric); each point with dimensions is its own
 * document, since a dimension value applies to every metric of a document.
 */
export function publishMetrics(metrics: Metrics, points: readonly MetricPoint[]): void {
  for (const point of points) {
    if (point.dimensions) continue;
    for (const value of point.values) metrics.addMetric(point.name, UNITS[point.unit], value);
  }
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  for (const point of points) {
    if (!point.dimensions) continue;
    for (const value of point.values) {
      // A single metric keeps the default dimensions, publishes on addMetric, and then forgets its own.
      const single = metrics.singleMetric();
      for (const [name, dimension] of Object.entries(point.dimensions)) single.addDimension(name, dimension);
      single.addMetric(point.name, UNITS[point.unit], value);
    }
  }
}
