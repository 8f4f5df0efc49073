/**
 * The metrics sink the caches report to. The lead binds it to Powertools Metrics (EMF); tests may collect.
 * Names: `CacheHit` / `CacheMiss` (dims `level`, `kind`), `CacheLoad` (`kind`), `CacheStale` (`level`, `kind`),
 * `CacheL2Error` (`op`, `reason`), `CacheBreakerOpen`, `L2Latency` (ms; `op`, `adapter`).
 */
export type MetricDims = Readonly<Record<string, string>>;

export interface CacheMetrics {
  count(name: string, dims: MetricDims, value?: number): void;
  timing(name: string, ms: number, dims: MetricDims): void;
}

export const noopCacheMetrics: CacheMetrics = {
  count() {},
  timing() {},
};

/** Calls the sink but never lets a faulty sink break a cache read. */
export function safeMetrics(sink: CacheMetrics): CacheMetrics {
  return {
    count(name, dims, value) {
      try {
        sink.count(name, dims, value);
      } catch {
        // metrics must never fail a request
      }
    },
    timing(name, ms, dims) {
      try {
        sink.timing(name, ms, dims);
      } catch {
        // metrics must never fail a request
      }
    },
  };
}
