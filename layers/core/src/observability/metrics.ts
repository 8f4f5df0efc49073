import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** One Powertools Metrics (EMF) instance per process, namespace CeoAgent. */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CeoAgent',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ceo-agent',
});

export { MetricUnit };

export type MetricUnitValue = (typeof MetricUnit)[keyof typeof MetricUnit];

export type Dimensions = Record<string, string>;

/**
 * Emits one metric immediately with its own dimensions (a single-metric EMF blob), so concurrent requests in
 * one process never share dimension state.
 */
export function emitMetric(name: string, unit: MetricUnitValue, value: number, dims: Dimensions = {}): void {
  const m = metrics.singleMetric();
  for (const [k, v] of Object.entries(dims)) m.addDimension(k, v);
  m.addMetric(name, unit, value);
}

/** The small sink the core's modules take, so they are testable without Powertools. */
export interface MetricsSink {
  count(name: string, dims?: Dimensions, value?: number): void;
  timing(name: string, ms: number, dims?: Dimensions): void;
}

export const emfSink: MetricsSink = {
  count: (name, dims, value = 1) => emitMetric(name, MetricUnit.Count, value, dims),
  timing: (name, ms, dims) => emitMetric(name, MetricUnit.Milliseconds, ms, dims),
};

export const noopSink: MetricsSink = { count: () => {}, timing: () => {} };
