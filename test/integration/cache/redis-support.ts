import { type CacheConfig, loadCacheConfig } from '#core/cache/config';
import type { Dimensions, MetricsSink } from '#core/observability/metrics';
import { deleteKeys } from '../../support/redis-keys';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const REDIS_PORT = Number(new URL(REDIS_URL).port || 6379);

/** A unique key prefix per test file run: tests share the machine's Redis with others. */
export { uniqueKeyPrefix as uniquePrefix } from '../../support/redis-keys';

/** Deletes every key under `prefix` (SCAN + DEL); never FLUSHALL. */
export function deletePrefix(prefix: string): Promise<number> {
  return deleteKeys(prefix, REDIS_URL);
}

export function testCacheConfig(env: Record<string, string>): CacheConfig {
  return loadCacheConfig({ CACHE_TTL_JITTER: '0', ...env } as NodeJS.ProcessEnv);
}

/** The machine's Redis as L2 under `prefix`: no TTL jitter, a 500 ms L2 timeout. */
export function redisCacheConfig(prefix: string): CacheConfig {
  return testCacheConfig({ REDIS_URL, CACHE_KEY_PREFIX: prefix, CACHE_L2_TIMEOUT_MS: '500' });
}

export interface Recorded {
  name: string;
  dims: Dimensions;
  value?: number;
}

/** A metrics sink that records what the cache reported. */
export function recordingMetrics(): MetricsSink & {
  events: Recorded[];
  total(name: string, dims?: Partial<Dimensions>): number;
} {
  const events: Recorded[] = [];
  return {
    events,
    count(name, dims, value) {
      events.push({ name, dims: dims ?? {}, value: value ?? 1 });
    },
    timing(name, ms, dims) {
      events.push({ name, dims: dims ?? {}, value: ms });
    },
    total(name, dims = {}) {
      return events
        .filter((e) => e.name === name && Object.entries(dims).every(([k, v]) => e.dims[k] === v))
        .reduce((s, e) => s + (name === 'L2Latency' ? 1 : (e.value ?? 1)), 0);
    },
  };
}

/** A manual wall clock for TTL tests. */
export function manualClock(start = Date.now()): { now(): number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}
