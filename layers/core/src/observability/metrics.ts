import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * EMF metrics (namespace CeoAgent), written once per request.
 *
 * Inside a request (`withRequestMetrics`, wrapped around every HTTP handler) every metric goes to a buffer held
 * in AsyncLocalStorage, so concurrent requests in one process never share it; the buffer is written as one
 * EMF log line (a few when dimension values collide, e.g. LlmTokens type=input and type=output) when the
 * request ends. Outside a request (worker, cold start) a metric is written at once. The writer is ours, not a
 * Powertools `Metrics` per emit: a `singleMetric()` built a new Metrics and Console per call and cost 18% of an
 * L1-hit's CPU. The line format is Powertools': default dimension `service`, one directive per dimension set.
 */

export const MetricUnit = {
  Count: 'Count',
  Milliseconds: 'Milliseconds',
  None: 'None',
} as const;

export type MetricUnitValue = (typeof MetricUnit)[keyof typeof MetricUnit];

export type Dimensions = Record<string, string>;

const NAMESPACE = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CeoAgent';
const SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? 'ceo-agent';
const disabled = () => process.env.POWERTOOLS_METRICS_DISABLED === 'true';

/** Where EMF lines go (stdout; tests replace it). */
let write: (line: string) => void = (line) => {
  process.stdout.write(`${line}\n`);
};
export function setMetricsWriter(w: ((line: string) => void) | undefined): void {
  write =
    w ??
    ((line) => {
      process.stdout.write(`${line}\n`);
    });
}

interface Group {
  dims: Dimensions;
  metrics: Map<string, { unit: MetricUnitValue; values: number[] }>;
}

/** Metrics of one request, grouped by dimension set. */
export class MetricsBuffer {
  private readonly groups = new Map<string, Group>();

  add(name: string, unit: MetricUnitValue, value: number, dims: Dimensions = {}): void {
    if (!Number.isFinite(value)) return;
    let key = '';
    for (const k of Object.keys(dims).sort()) key += `${k}=${dims[k]};`;
    let g = this.groups.get(key);
    if (!g) {
      g = { dims, metrics: new Map() };
      this.groups.set(key, g);
    }
    const m = g.metrics.get(name);
    if (m) {
      // EMF takes at most 100 values per metric and line
      if (m.values.length < 100) m.values.push(value);
    } else g.metrics.set(name, { unit, values: [value] });
  }

  get size(): number {
    return this.groups.size;
  }

  /** EMF lines: groups packed into as few lines as their dimension values and metric names allow. */
  lines(timestamp = Date.now()): string[] {
    const blobs: { dims: Dimensions; names: Set<string>; groups: Group[] }[] = [];
    for (const g of this.groups.values()) {
      const fits = (b: (typeof blobs)[number]) => {
        for (const [k, v] of Object.entries(g.dims)) {
          if (b.names.has(k)) return false;
          const have = b.dims[k];
          if (have !== undefined && have !== v) return false;
        }
        for (const name of g.metrics.keys()) if (b.names.has(name) || name in b.dims) return false;
        return true;
      };
      let blob = blobs.find(fits);
      if (!blob) {
        blob = { dims: {}, names: new Set(), groups: [] };
        blobs.push(blob);
      }
      Object.assign(blob.dims, g.dims);
      for (const name of g.metrics.keys()) blob.names.add(name);
      blob.groups.push(g);
    }
    return blobs.map((b) => {
      const root: Record<string, unknown> = {
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: b.groups.map((g) => ({
            Namespace: NAMESPACE,
            Dimensions: [['service', ...Object.keys(g.dims)]],
            Metrics: [...g.metrics].map(([Name, m]) => ({ Name, Unit: m.unit })),
          })),
        },
        service: SERVICE,
        ...b.dims,
      };
      for (const g of b.groups)
        for (const [name, m] of g.metrics) root[name] = m.values.length === 1 ? m.values[0] : m.values;
      return JSON.stringify(root);
    });
  }

  flush(): void {
    if (this.groups.size === 0) return;
    if (!disabled()) for (const line of this.lines()) write(line);
    this.groups.clear();
  }
}

const requestScope = new AsyncLocalStorage<MetricsBuffer>();

/** Runs `fn` with a request-scoped metrics buffer and writes it once when `fn` settles. */
export async function withRequestMetrics<T>(fn: () => Promise<T>): Promise<T> {
  const buffer = new MetricsBuffer();
  try {
    return await requestScope.run(buffer, fn);
  } finally {
    buffer.flush();
  }
}

/** Records one metric: into the current request's buffer, or written at once outside a request. */
export function emitMetric(name: string, unit: MetricUnitValue, value: number, dims: Dimensions = {}): void {
  const buffer = requestScope.getStore();
  if (buffer) {
    buffer.add(name, unit, value, dims);
    return;
  }
  if (disabled()) return;
  const one = new MetricsBuffer();
  one.add(name, unit, value, dims);
  one.flush();
}

/** The small sink the core's modules take, so they are testable without EMF. */
export interface MetricsSink {
  count(name: string, dims?: Dimensions, value?: number): void;
  timing(name: string, ms: number, dims?: Dimensions): void;
}

export const emfSink: MetricsSink = {
  count: (name, dims, value = 1) => emitMetric(name, MetricUnit.Count, value, dims),
  timing: (name, ms, dims) => emitMetric(name, MetricUnit.Milliseconds, ms, dims),
};

export const noopSink: MetricsSink = { count: () => {}, timing: () => {} };

/** Calls `sink` but never lets a faulty sink fail the caller (a cache read, a request). */
export function safeSink(sink: MetricsSink): MetricsSink {
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
