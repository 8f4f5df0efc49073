/**
 * The local runtime's stand-in for CloudWatch: Powertools Metrics writes each EMF record as one JSON line to
 * stdout (exactly what CloudWatch Logs ingests in Lambda). Instead of switching metrics off under `npm start`,
 * the runtime captures those lines here — they are kept in a bounded in-memory store, not printed — and the
 * local dashboard (/dashboard) computes the CloudWatch dashboard's widgets from them.
 */
export interface MetricPoint {
  /** epoch ms (the record's Timestamp) */
  t: number;
  name: string;
  unit: string;
  value: number;
  dims: Record<string, string>;
}

interface EmfRecord {
  _aws?: {
    Timestamp?: number;
    CloudWatchMetrics?: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit?: string }[];
    }[];
  };
  [k: string]: unknown;
}

/** Parses one EMF JSON document into points (one per metric and value); undefined when it is not EMF. */
export function parseEmf(line: string): MetricPoint[] | undefined {
  if (!line.startsWith('{"_aws"') && !line.startsWith('{ "_aws"')) return undefined;
  let doc: EmfRecord;
  try {
    doc = JSON.parse(line) as EmfRecord;
  } catch {
    return undefined;
  }
  const metas = doc._aws?.CloudWatchMetrics ?? [];
  if (metas.length === 0) return undefined;
  const t = doc._aws?.Timestamp ?? Date.now();
  const points: MetricPoint[] = [];
  // One line may carry several directives (a request's metrics packed together), each with its dimensions.
  for (const meta of metas) {
    const dims: Record<string, string> = {};
    for (const set of meta.Dimensions ?? [])
      for (const d of set) if (typeof doc[d] === 'string') dims[d] = doc[d] as string;
    for (const m of meta.Metrics) {
      const raw = doc[m.Name];
      for (const value of Array.isArray(raw) ? raw : [raw]) {
        if (typeof value === 'number' && Number.isFinite(value)) {
          points.push({ t, name: m.Name, unit: m.Unit ?? 'None', value, dims });
        }
      }
    }
  }
  return points;
}

export class MetricStore {
  private points: MetricPoint[] = [];
  constructor(
    private readonly maxPoints = 200_000,
    private readonly maxAgeMs = 3 * 60 * 60 * 1000,
  ) {}

  add(points: MetricPoint[]): void {
    this.points.push(...points);
    if (this.points.length > this.maxPoints * 1.1) this.points = this.points.slice(-this.maxPoints);
  }

  /** Points newer than `sinceMs` (and not older than the store's horizon). */
  since(sinceMs: number): MetricPoint[] {
    const floor = Math.max(sinceMs, Date.now() - this.maxAgeMs);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.points[mid]!.t < floor) lo = mid + 1;
      else hi = mid;
    }
    return this.points.slice(lo);
  }

  get size(): number {
    return this.points.length;
  }

  clear(): void {
    this.points = [];
  }
}

export interface EmfCapture {
  store: MetricStore;
  uninstall(): void;
}

let installed: EmfCapture | undefined;

/**
 * Turns Powertools Metrics on (POWERTOOLS_METRICS_DISABLED=false) and routes the EMF lines written to stdout
 * into a MetricStore; every other stdout write passes through. `echo` also prints the EMF lines. Idempotent.
 */
export function installEmfCapture(opts: { echo?: boolean } = {}): EmfCapture {
  if (installed) return installed;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const store = new MetricStore();
  const stdout = process.stdout;
  const original = stdout.write;
  const patched = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
      const text = chunk.toString();
      if (text.startsWith('{"_aws"')) {
        let all = true;
        for (const line of text.split('\n')) {
          if (!line) continue;
          const points = parseEmf(line);
          if (points) store.add(points);
          else all = false;
        }
        if (all && !opts.echo) {
          const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
          cb?.();
          return true;
        }
      }
    }
    return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  stdout.write = patched as typeof stdout.write;
  installed = {
    store,
    uninstall() {
      if (stdout.write === patched) stdout.write = original;
      installed = undefined;
    },
  };
  return installed;
}
