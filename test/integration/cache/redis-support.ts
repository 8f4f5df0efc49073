import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { type CacheConfig, loadCacheConfig } from '../../../layers/core/src/cache/config';
import type { CacheMetrics, MetricDims } from '../../../layers/core/src/cache/metrics';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const REDIS_PORT = Number(new URL(REDIS_URL).port || 6379);

/** A unique key prefix per test file run: tests share the machine's Redis with others. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomBytes(5).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN + DEL); never FLUSHALL. */
export async function deletePrefix(prefix: string): Promise<number> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  await r.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    await r.quit();
  }
  return deleted;
}

export function testCacheConfig(env: Record<string, string>): CacheConfig {
  return loadCacheConfig({ CACHE_TTL_JITTER: '0', ...env } as NodeJS.ProcessEnv);
}

export interface Recorded {
  name: string;
  dims: MetricDims;
  value?: number;
}

/** A metrics sink that records what the cache reported. */
export function recordingMetrics(): CacheMetrics & {
  events: Recorded[];
  total(name: string, dims?: Partial<MetricDims>): number;
} {
  const events: Recorded[] = [];
  return {
    events,
    count(name, dims, value) {
      events.push({ name, dims, value: value ?? 1 });
    },
    timing(name, ms, dims) {
      events.push({ name, dims, value: ms });
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
