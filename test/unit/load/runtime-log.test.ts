import { describe, expect, it } from 'vitest';
import { summariseRuntimeLog } from '../../../load/runtime-log';

/** The load-test log summary: REPORT lines, the host's STATS lines and the functions' EMF, as start:lambda prints them. */
describe('summariseRuntimeLog', () => {
  const report = (fn: string, ms: number, extra = '') =>
    `[${fn}] REPORT RequestId: r Duration: ${ms.toFixed(2)} ms Billed Duration: ${Math.ceil(ms)} ms Memory Size: 512 MB Max Memory Used: 90 MB${extra}`;
  const emf = (fn: string, name: string, value: number) =>
    `[${fn}] ${JSON.stringify({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          {
            Namespace: 'CeoAgent',
            Dimensions: [['service']],
            Metrics: [{ Name: name, Unit: 'Milliseconds' }],
          },
        ],
      },
      service: 'ceo-agent',
      [name]: value,
    })}`;
  const stats = (t: string, fns: Record<string, [number, number, number]>) =>
    `[host] STATS ${JSON.stringify({
      t,
      functions: Object.fromEntries(
        Object.entries(fns).map(([fn, [instances, waiting, abandoned]]) => [
          fn,
          { instances, busy: instances, idle: 0, waiting, abandoned },
        ]),
      ),
    })}`;

  it('counts invocations, cold starts, errors and time-outs per function, with Duration percentiles', () => {
    const s = summariseRuntimeLog([
      report('login', 200, ' Init Duration: 300.00 ms'),
      report('login', 150),
      report('login', 1000, ' Status: error Error Type: Runtime.ExitError'),
      report('analyze', 29000, ' Init Duration: 250.00 ms Status: timeout'),
      '[login] some application log line',
    ]);
    expect(s.functions.login).toMatchObject({
      invocations: 3,
      coldStarts: 1,
      durationMs: { p50: 200, p95: 1000, max: 1000 },
      initMs: { p50: 300 },
      errors: 1,
      timeouts: 0,
      maxMemoryUsedMb: 90,
    });
    expect(s.functions.analyze).toMatchObject({ invocations: 1, coldStarts: 1, timeouts: 1 });
  });

  it('keeps the longest queue and most instances per function, and the busiest moment overall', () => {
    const s = summariseRuntimeLog([
      stats('t1', { login: [2, 5, 0], analyze: [10, 0, 0] }),
      stats('t2', { login: [2, 40, 3], analyze: [12, 7, 1] }),
      stats('t3', { login: [1, 0, 3], analyze: [4, 0, 1] }),
    ]);
    expect(s.functions.login).toMatchObject({
      maxInstances: 2,
      maxWaiting: 40,
      abandoned: 3,
      invocations: 0,
    });
    expect(s.functions.analyze).toMatchObject({ maxInstances: 12, maxWaiting: 7, abandoned: 1 });
    expect(s.peak).toEqual({ t: 't2', waiting: 47, instances: 14 });
  });

  it('reads the EMF metrics the functions print', () => {
    const lines = [10, 20, 30, 40, 200].map((v) => emf('list', 'DbQueryTime', v));
    const s = summariseRuntimeLog([...lines, emf('analyze', 'AnalyzeTime', 5000)]);
    expect(s.metrics.DbQueryTime).toEqual({ n: 5, mean: 60, p50: 30, p95: 200, p99: 200 });
    expect(s.metrics.AnalyzeTime?.n).toBe(1);
  });
});
