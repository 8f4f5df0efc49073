import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { type CACHE_LEVELS, EMF, METRICS_NAMESPACE, SERVICE_NAME } from '../constants';

/** Metric builders for the EMF metrics the runtime emits and the AWS metrics the KPIs read. */

export const KPI_PERIOD = Duration.minutes(5);

/** An EMF metric: Powertools adds `service` to every metric, so it is part of each dimension set. */
export function emfMetric(
  metricName: string,
  statistic: string,
  extraDims: Record<string, string> = {},
  label?: string,
): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, ...extraDims },
    statistic,
    period: KPI_PERIOD,
    label,
  });
}

/**
 * One line per value of a dimension nobody lists at synth time (skill names, token types, cache kinds):
 * a CloudWatch SEARCH over the dimension set {service, <dims>}.
 */
export function emfSearch(
  metricName: string,
  dims: string[],
  statistic: string,
  label: string,
): cw.MathExpression {
  const schema = [METRICS_NAMESPACE, ...['service', ...dims].sort()];
  return new cw.MathExpression({
    expression: `SEARCH('{${schema.join(',')}} MetricName="${metricName}" service="${SERVICE_NAME}"', '${statistic}', ${KPI_PERIOD.toSeconds()})`,
    label,
    period: KPI_PERIOD,
  });
}

/** Hit ratio (%) of one cache level, summed over every cache kind. */
export function cacheHitRatio(level: (typeof CACHE_LEVELS)[number]): cw.MathExpression {
  const search = (name: string) =>
    `SUM(SEARCH('{${METRICS_NAMESPACE},kind,level,service} MetricName="${name}" level="${level}" service="${SERVICE_NAME}"', 'Sum', ${KPI_PERIOD.toSeconds()}))`;
  const hits = search(EMF.cacheHit);
  const misses = search(EMF.cacheMiss);
  return new cw.MathExpression({
    expression: `100 * ${hits} / (${hits} + ${misses})`,
    label: `${level} hit %`,
    period: KPI_PERIOD,
  });
}

/** API Gateway metric of one method (needs detailed metrics on the stage). */
export function apiMethodMetric(
  apiName: string,
  stage: string,
  method: string,
  resource: string,
  metricName: string,
  statistic: string,
  label: string,
): cw.Metric {
  return new cw.Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: { ApiName: apiName, Method: method, Resource: resource, Stage: stage },
    statistic,
    period: KPI_PERIOD,
    label,
  });
}

export function apiMetric(
  apiName: string,
  stage: string,
  metricName: string,
  statistic: string,
  label?: string,
) {
  return new cw.Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: { ApiName: apiName, Stage: stage },
    statistic,
    period: KPI_PERIOD,
    label,
  });
}

export function sqsMetric(queueName: string, metricName: string, statistic: string, label: string) {
  return new cw.Metric({
    namespace: 'AWS/SQS',
    metricName,
    dimensionsMap: { QueueName: queueName },
    statistic,
    period: Duration.minutes(1),
    label,
  });
}

export function proxyMetric(proxyName: string, metricName: string, statistic: string, label: string) {
  return new cw.Metric({
    namespace: 'AWS/RDS',
    metricName,
    dimensionsMap: { ProxyName: proxyName },
    statistic,
    period: KPI_PERIOD,
    label,
  });
}
