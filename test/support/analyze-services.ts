import { type CacheStack, createCacheStack, createSemanticCache, loadCacheConfig } from '#core/cache/index';
import { getConfig } from '#core/config';
import type { Db } from '#core/db/types';
import { createEmbeddings, loadEmbeddingsConfig } from '#core/embeddings/index';
import { type AnthropicLlmOptions, createAnthropicLlm } from '#core/llm/anthropic';
import { loadLlmConfig } from '#core/llm/config';
import type { Llm } from '#core/llm/types';
import type { Dimensions, MetricsSink } from '#core/observability/metrics';
import { createServices, type Services } from '#core/runtime/services';
import { deleteKeys as deleteRedisKeys } from './redis-keys';

/** The machine's Redis (tests share it: every test file uses its own key prefix and deletes it). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const FAKE_API_KEY = 'sk-test-analyze-e2e';

export { uniqueKeyPrefix } from './redis-keys';

/** Deletes every key under `prefix` (SCAN + DEL) on the test Redis, or on `url`. */
export function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  return deleteRedisKeys(prefix, url);
}

/** The real Anthropic adapter (real SDK) pointed at the Claude stand-in; `options.fetch` replaces its fetch. */
export function standInLlm(
  url: string,
  env: Record<string, string> = {},
  options: AnthropicLlmOptions = {},
): Llm {
  return createAnthropicLlm(
    loadLlmConfig({
      ANTHROPIC_BASE_URL: url,
      ANTHROPIC_API_KEY: FAKE_API_KEY,
      ANTHROPIC_MODEL: 'claude-sonnet-5-5',
      LLM_TIMEOUT_MS: '5000',
      LLM_MAX_RETRIES: '0',
      LLM_MAX_RETRY_WAIT_MS: '1000',
      LLM_STREAM_IDLE_TIMEOUT_MS: '10000',
      ...env,
    } as NodeJS.ProcessEnv),
    options,
  );
}

/** A metrics sink that keeps what it was told (analyze and cache metrics). */
export function recordingSink(): MetricsSink & { total(name: string, dims?: Dimensions): number } {
  const events: Array<{ name: string; dims: Dimensions; value: number }> = [];
  return {
    count(name, dims = {}, value = 1) {
      events.push({ name, dims, value });
    },
    timing(name, ms, dims = {}) {
      events.push({ name, dims, value: ms });
    },
    total(name, dims = {}) {
      return events
        .filter((e) => e.name === name && Object.entries(dims).every(([k, v]) => e.dims[k] === v))
        .reduce((s, e) => s + e.value, 0);
    },
  };
}

export interface AnalyzeServicesOptions {
  db: Db;
  llm: Llm;
  /** Cache variables (REDIS_URL, CACHE_KEY_PREFIX, …) on top of: L2 = the test Redis, no TTL jitter. */
  cacheEnv?: Record<string, string>;
  /** false: no semantic level (the answer comes from the exact caches or the agent). Default true. */
  semantic?: boolean;
  metrics?: MetricsSink;
}

/**
 * One "instance" of the analyze path, as a warm Lambda holds it: its own L1 and Redis connection (L2 shared
 * with every other instance using the same key prefix), the real Anthropic adapter, the semantic cache on the
 * given Db. Install it for the local runtime's handlers with `setServices`.
 */
export function analyzeServices(o: AnalyzeServicesOptions): Services & { cache: CacheStack } {
  const metrics = o.metrics ?? { count() {}, timing() {} };
  const cache = createCacheStack(
    loadCacheConfig({
      REDIS_URL: TEST_REDIS_URL,
      CACHE_TTL_JITTER: '0',
      CACHE_L2_TIMEOUT_MS: '500',
      ...o.cacheEnv,
    } as NodeJS.ProcessEnv),
    metrics,
  );
  const semantic =
    o.semantic === false
      ? createSemanticCache(o.db, createEmbeddings(loadEmbeddingsConfig({} as NodeJS.ProcessEnv)), {
          enabled: false,
          metrics,
        })
      : undefined;
  return createServices(getConfig(), o.db, { llm: o.llm, cache, metrics, semantic });
}
