/**
 * The prober's settings from the monitor's props, named as the monitor's props name them: one mapping
 * for the home region's prober (PortwatchMonitor) and every other region's (PortwatchProberStack), so
 * every vantage point probes with the same settings.
 */
import { Duration } from 'aws-cdk-lib';
import { PortwatchConfigError, requireIntegerInRange } from './constructs/config-validation';
import type { ProbeFanOutProps } from './constructs/probe-fan-out-props';
import type { PortwatchMonitorProps } from './portwatch-monitor-props';

/** The monitor's settings the prober reads: everything but the wiring. */
const PROBER_SETTING_KEYS = [
  'scheduleMinutes',
  'postureEveryMinutes',
  'defaultPort',
  'probeTimeoutMs',
  'allowedCidrs',
  'caBundle',
  'proberMaxConcurrency',
  'probeConcurrency',
  'proberBatchSize',
  'proberTimeout',
  'proberMemorySize',
  'confirmAttempts',
  'eventRetentionDays',
  'certExpiringDays',
  'plaintextPort',
] as const satisfies readonly (keyof PortwatchMonitorProps)[];

export type ProberSettingsProps = Pick<PortwatchMonitorProps, (typeof PROBER_SETTING_KEYS)[number]>;

/** The prober settings among the monitor's props (for a prober stack in another region). */
export function pickProberSettings(props: PortwatchMonitorProps): ProberSettingsProps {
  return Object.fromEntries(PROBER_SETTING_KEYS.filter((key) => props[key] !== undefined).map((key) => [key, props[key]])) as ProberSettingsProps;
}

/**
 * A setting in minutes as a Duration. Duration refuses a negative amount with a plain Error, which
 * would name neither the setting nor the value; everything else is checked where the value is used.
 */
export function minutes(name: string, value: number | undefined): Duration | undefined {
  if (value === undefined) return undefined;
  if (value < 0) throw new PortwatchConfigError(`${name} must not be negative, got ${value}`);
  return Duration.minutes(value);
}

/** The tick interval: `scheduleMinutes` (1-1440, default 5). */
export function tickRateOf(props: Pick<PortwatchMonitorProps, 'scheduleMinutes'>): Duration {
  return Duration.minutes(requireIntegerInRange('scheduleMinutes', props.scheduleMinutes ?? 5, 1, 1440));
}

/** ProbeFanOut's settings from the monitor's props, with the monitor's names in every error. */
export function proberSettings(props: ProberSettingsProps): Omit<ProbeFanOutProps, 'stateTable' | 'targetsTable' | 'alertsTopic' | 'alarmTopic' | 'sinks' | 'vantage' | 'homeRegion' | 'queueName'> {
  return {
    tickRate: tickRateOf(props),
    postureEvery: minutes('postureEveryMinutes', props.postureEveryMinutes),
    defaultPort: props.defaultPort,
    probeTimeoutMs: props.probeTimeoutMs,
    allowedCidrs: props.allowedCidrs,
    caBundle: props.caBundle,
    maxConcurrency: props.proberMaxConcurrency,
    probeConcurrency: props.probeConcurrency,
    batchSize: props.proberBatchSize,
    timeout: props.proberTimeout,
    memorySize: props.proberMemorySize,
    confirmAttempts: props.confirmAttempts,
    eventRetentionDays: props.eventRetentionDays,
    certExpiringDays: props.certExpiringDays,
    plaintextPort: props.plaintextPort,
    settingNames: {
      tickRate: 'scheduleMinutes',
      postureEvery: 'postureEveryMinutes',
      maxConcurrency: 'proberMaxConcurrency',
      batchSize: 'proberBatchSize',
      timeout: 'proberTimeout (seconds)',
      memorySize: 'proberMemorySize',
    },
  };
}
