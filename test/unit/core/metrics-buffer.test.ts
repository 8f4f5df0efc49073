import { afterEach, describe, expect, it } from 'vitest';
import {
  emitMetric,
  MetricsBuffer,
  MetricUnit,
  setMetricsWriter,
  withRequestMetrics,
} from '#core/observability/metrics';

interface Emf {
  _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [k: string]: unknown;
}

/** The (metric, dimensions) → value pairs CloudWatch would extract from EMF lines. */
function extract(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const root = JSON.parse(line) as Emf;
    for (const d of root._aws.CloudWatchMetrics) {
      for (const m of d.Metrics) {
        const dims = d.Dimensions[0]!.map((k) => `${k}=${root[k]}`)
          .sort()
          .join(',');
        out.push(`${m.Name}{${dims}}=${JSON.stringify(root[m.Name])}`);
      }
    }
  }
  return out.sort();
}

describe('request metrics (EMF, once per request)', () => {
  afterEach(() => setMetricsWriter(undefined));

  it('packs a request into one line when dimension values do not collide', () => {
    const b = new MetricsBuffer();
    b.add('RequestLatency', MetricUnit.Milliseconds, 3, { route: 'decision-analyze' });
    b.add('CacheHit', MetricUnit.Count, 1, { level: 'l1', kind: 'answer' });
    b.add('AnsweredFrom', MetricUnit.Count, 1, { level: 'l1' });
    b.add('DbQueryTime', MetricUnit.Milliseconds, 0.4);
    b.add('DbQueryTime', MetricUnit.Milliseconds, 0.6);
    const lines = b.lines(0);
    expect(lines).toHaveLength(1);
    expect(extract(lines)).toEqual([
      'AnsweredFrom{level=l1,service=ceo-agent}=1',
      'CacheHit{kind=answer,level=l1,service=ceo-agent}=1',
      'DbQueryTime{service=ceo-agent}=[0.4,0.6]',
      'RequestLatency{route=decision-analyze,service=ceo-agent}=3',
    ]);
  });

  it('splits lines where the same dimension has two values, losing nothing', () => {
    const b = new MetricsBuffer();
    for (const [type, n] of [
      ['input', 100],
      ['output', 20],
      ['cache_read', 0],
    ] as const)
      b.add('LlmTokens', MetricUnit.Count, n, { type });
    b.add('CacheMiss', MetricUnit.Count, 1, { level: 'l1', kind: 'answer' });
    b.add('CacheMiss', MetricUnit.Count, 1, { level: 'l2', kind: 'answer' });
    const lines = b.lines(0);
    expect(lines.length).toBe(3);
    expect(extract(lines)).toEqual([
      'CacheMiss{kind=answer,level=l1,service=ceo-agent}=1',
      'CacheMiss{kind=answer,level=l2,service=ceo-agent}=1',
      'LlmTokens{service=ceo-agent,type=cache_read}=0',
      'LlmTokens{service=ceo-agent,type=input}=100',
      'LlmTokens{service=ceo-agent,type=output}=20',
    ]);
  });

  it('keeps concurrent requests apart and writes each once when it ends', async () => {
    const prev = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const written: string[] = [];
    setMetricsWriter((l) => written.push(l));
    try {
      const request = (route: string, n: number) =>
        withRequestMetrics(async () => {
          for (let i = 0; i < n; i++) {
            emitMetric('DbQueryTime', MetricUnit.Milliseconds, i);
            await new Promise((r) => setImmediate(r));
          }
          emitMetric('RequestLatency', MetricUnit.Milliseconds, n, { route });
        });
      await Promise.all([request('a', 3), request('b', 2)]);
      expect(written).toHaveLength(2);
      expect(extract(written)).toEqual([
        'DbQueryTime{service=ceo-agent}=[0,1,2]',
        'DbQueryTime{service=ceo-agent}=[0,1]',
        'RequestLatency{route=a,service=ceo-agent}=3',
        'RequestLatency{route=b,service=ceo-agent}=2',
      ]);
    } finally {
      process.env.POWERTOOLS_METRICS_DISABLED = prev;
    }
  });
});
