/** Alarms that notify the operations topic on ALARM and on OK, and the one shape of an alarm on a portwatch counter. */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME, type MetricName } from '../../../lambda/contracts/metrics';

/** An alarm that notifies `opsTopic` when it fires and when it clears. */
export function opsAlarm(scope: Construct, id: string, props: cloudwatch.AlarmProps, opsTopic: sns.ITopic): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, props);
  const action = new cloudwatchActions.SnsAction(opsTopic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/** Props of {@link counterAlarm}. */
export interface CounterAlarmProps {
  readonly description: string;
  readonly metricName: MetricName;
  /** Dimensions besides `service`. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** One period per tick. */
  readonly tickRate: Duration;
  /** Consecutive ticks with a count that raise the alarm. */
  readonly ticks: number;
  readonly opsTopic: sns.ITopic;
}

/**
 * A portwatch counter above 0 in each of the last `ticks` tick periods. Counters are sent only when
 * they count something (handlers/metric-points.ts): no data is nothing counted.
 */
export function counterAlarm(scope: Construct, id: string, props: CounterAlarmProps): cloudwatch.Alarm {
  return opsAlarm(
    scope,
    id,
    {
      alarmDescription: props.description,
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: props.metricName,
        dimensionsMap: { service: SERVICE_NAME, ...props.dimensions },
        statistic: cloudwatch.Stats.SUM,
        period: props.tickRate,
      }),
      threshold: 0,
      evaluationPeriods: props.ticks,
      datapointsToAlarm: props.ticks,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
    props.opsTopic,
  );
}
