import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DASHBOARD_HTML } from './dashboard-page';
import type { MetricPoint, MetricStore } from './emf-capture';
import { registerLocalPage } from './pages';

/**
 * `GET /dashboard` (local runtime only): the CloudWatch dashboard's widgets (lib/observability-stack.ts),
 * computed from the EMF records the functions emit (captured by emf-capture.ts): request latency P50/P95/P99
 * per route, answered-from mix, cache hit ratio per level, agent and LLM time, tokens and USD per decision,
 * skill durations, jobs queued / running / failed. `GET /dashboard/data` is the JSON the page polls.
 */
export interface JobsGauge {
  queued: number;
  running: number;
  dlq: number;
}

type Series = { t: number; v: number | null }[];

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return Math.round(sorted[rank - 1]! * 10) / 10;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

function group<K>(points: MetricPoint[], key: (p: MetricPoint) => K): Map<K, MetricPoint[]> {
  const m = new Map<K, MetricPoint[]>();
  for (const p of points) {
    const k = key(p);
    m.set(k, [...(m.get(k) ?? []), p]);
  }
  return m;
}

function buckets(from: number, to: number, bucketMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from / bucketMs) * bucketMs; t <= to; t += bucketMs) out.push(t);
  return out;
}

function series(
  points: MetricPoint[],
  times: number[],
  bucketMs: number,
  agg: (vs: number[]) => number | null,
): Series {
  const by = group(points, (p) => Math.floor(p.t / bucketMs) * bucketMs);
  return times.map((t) => {
    const vs = (by.get(t) ?? []).map((p) => p.value);
    return { t, v: vs.length ? agg(vs) : null };
  });
}

export function dashboardData(
  store: MetricStore,
  opts: { windowMs?: number; bucketMs?: number; now?: number; jobs?: { t: number; gauge: JobsGauge }[] } = {},
) {
  const now = opts.now ?? Date.now();
  const windowMs = opts.windowMs ?? 15 * 60 * 1000;
  const bucketMs = opts.bucketMs ?? 10_000;
  const points = store.since(now - windowMs);
  const times = buckets(now - windowMs, now, bucketMs);
  const named = group(points, (p) => p.name);
  const get = (name: string) => named.get(name) ?? [];

  // 1. request latency per route
  const latency = group(get('RequestLatency'), (p) => p.dims.route ?? 'unknown');
  const routes = [...latency.entries()]
    .map(([route, ps]) => {
      const vs = ps.map((p) => p.value);
      return {
        route,
        count: vs.length,
        p50: percentile(vs, 50),
        p95: percentile(vs, 95),
        p99: percentile(vs, 99),
      };
    })
    .sort((a, b) => a.route.localeCompare(b.route));
  const latencySeries = Object.fromEntries(
    [...latency.entries()].map(([route, ps]) => [
      route,
      series(ps, times, bucketMs, (vs) => percentile(vs, 95)),
    ]),
  );

  // 2. answered-from mix
  const answered = Object.fromEntries(
    ['l1', 'l2', 'semantic', 'agent'].map((level) => [
      level,
      sum(
        get('AnsweredFrom')
          .filter((p) => p.dims.level === level)
          .map((p) => p.value),
      ),
    ]),
  );
  const decisions = sum(Object.values(answered));

  // 3. cache hit ratio per level
  const cache = ['l1', 'l2', 'semantic'].map((level) => {
    const hits = sum(
      get('CacheHit')
        .filter((p) => p.dims.level === level)
        .map((p) => p.value),
    );
    const misses = sum(
      get('CacheMiss')
        .filter((p) => p.dims.level === level)
        .map((p) => p.value),
    );
    return {
      level,
      hits,
      misses,
      ratio: hits + misses > 0 ? round((100 * hits) / (hits + misses), 1) : null,
    };
  });

  // 4. agent and LLM time
  const agent = get('AgentTime').map((p) => p.value);
  const llm = get('LlmLatency').map((p) => p.value);
  const time = {
    agent: {
      count: agent.length,
      mean: agent.length ? round(sum(agent) / agent.length, 1) : null,
      p95: percentile(agent, 95),
    },
    llm: { count: llm.length, p50: percentile(llm, 50), p95: percentile(llm, 95) },
    series: {
      agent_p95: series(get('AgentTime'), times, bucketMs, (vs) => percentile(vs, 95)),
      llm_p95: series(get('LlmLatency'), times, bucketMs, (vs) => percentile(vs, 95)),
    },
  };

  // 5. tokens and USD per decision (every decision counts, cached ones spend nothing)
  const tokensByType = Object.fromEntries(
    ['input', 'output', 'cache_read', 'cache_write'].map((type) => [
      type,
      sum(
        get('LlmTokens')
          .filter((p) => p.dims.type === type)
          .map((p) => p.value),
      ),
    ]),
  );
  const tokens = sum(Object.values(tokensByType));
  const usd = sum(get('LlmCostUsd').map((p) => p.value));
  const perDecision = {
    decisions,
    tokens_per_decision: decisions ? round(tokens / decisions, 1) : null,
    usd_per_decision: decisions ? round(usd / decisions, 6) : null,
    tokens_by_type: tokensByType,
    usd_total: round(usd, 6),
  };

  // 6. skill durations
  const skills = [...group(get('SkillDuration'), (p) => p.dims.skill ?? 'unknown').entries()]
    .map(([skill, ps]) => {
      const vs = ps.map((p) => p.value);
      return { skill, count: vs.length, p50: percentile(vs, 50), p95: percentile(vs, 95) };
    })
    .sort((a, b) => a.skill.localeCompare(b.skill));

  // 7. jobs: queue gauges (sampled) and outcomes (EMF)
  const jobs = {
    samples: (opts.jobs ?? []).filter((s) => s.t >= now - windowMs),
    succeeded: sum(get('JobSucceeded').map((p) => p.value)),
    failed: sum(get('JobFailed').map((p) => p.value)),
    queue_lag_p95: percentile(
      get('QueueLag').map((p) => p.value),
      95,
    ),
  };

  return {
    now,
    window_ms: windowMs,
    bucket_ms: bucketMs,
    records: points.length,
    latency: { routes, series: latencySeries },
    answered_from: answered,
    cache,
    time,
    per_decision: perDecision,
    skills,
    jobs,
  };
}

/** Mounts /dashboard, /dashboard/data and the charting library (chart.js from node_modules) on the local runtime. */
export function registerDashboard(
  store: MetricStore,
  opts: { jobsGauge?: () => Promise<JobsGauge> } = {},
): void {
  const require = createRequire(import.meta.url);
  let chartJs: string | undefined;
  const samples: { t: number; gauge: JobsGauge }[] = [];
  registerLocalPage('GET', '/dashboard', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(DASHBOARD_HTML);
  });
  registerLocalPage('GET', '/dashboard/chart.umd.min.js', (_req, res) => {
    // the UMD build is not in the package's exports: resolve the package, take the file next to its entry
    chartJs ??= readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
    res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'max-age=3600' });
    res.end(chartJs);
  });
  registerLocalPage('GET', '/dashboard/data', async (_req, res, url) => {
    if (opts.jobsGauge) {
      try {
        samples.push({ t: Date.now(), gauge: await opts.jobsGauge() });
        if (samples.length > 2_000) samples.splice(0, samples.length - 2_000);
      } catch {
        // the queue stand-in may be stopping: no sample this time
      }
    }
    const windowMin = Number(url.searchParams.get('window_min') ?? 15);
    const body = dashboardData(store, {
      windowMs: Math.min(Math.max(windowMin, 1), 180) * 60 * 1000,
      bucketMs: Number(url.searchParams.get('bucket_s') ?? 10) * 1000 || 10_000,
      jobs: samples,
    });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  });
}

/** Queue gauges from SQS (the CloudWatch widgets' ApproximateNumberOfMessages* metrics), for the jobs widget. */
export function sqsJobsGauge(opts: {
  region?: string;
  endpoint?: string;
  queueUrl: string;
  dlqUrl?: string;
}): { gauge: () => Promise<JobsGauge>; close(): void } {
  let client: import('@aws-sdk/client-sqs').SQSClient | undefined;
  const attrs = async (url: string) => {
    const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
    const { createSqsClient } = await import('#core/queue/queue');
    client ??= createSqsClient({
      region: opts.region ?? 'us-east-1',
      endpoint: opts.endpoint,
      requestTimeoutMs: 2_000,
    });
    const r = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(r.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(r.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  };
  return {
    async gauge() {
      const [q, d] = await Promise.all([attrs(opts.queueUrl), opts.dlqUrl ? attrs(opts.dlqUrl) : undefined]);
      return { queued: q.visible, running: q.inFlight, dlq: d ? d.visible + d.inFlight : 0 };
    },
    close: () => client?.destroy(),
  };
}
