/** Percentile helpers for the benchmarks (nearest-rank on a sorted copy). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export function summary(values: readonly number[]) {
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: values.length,
    p50: r(percentile(values, 50)),
    p95: r(percentile(values, 95)),
    p99: r(percentile(values, 99)),
    max: r(Math.max(...values)),
  };
}

/** Runs `worker` on `concurrency` loops for `durationMs`, recording each call's latency in ms. */
export async function closedLoop(concurrency: number, durationMs: number, worker: () => Promise<void>) {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await worker();
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { ...summary(latencies), errors, rps: Math.round(latencies.length / (durationMs / 1000)) };
}
