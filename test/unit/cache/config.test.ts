import { describe, expect, it } from 'vitest';
import { loadCacheConfig } from '#core/cache/config';
import { loadEmbeddingsConfig } from '#core/embeddings/config';
import { loadRetrievalConfig } from '#core/retrieval/config';

describe('cache, embeddings and retrieval configuration', () => {
  it('chooses L2: redis when REDIS_URL is set, upstash with URL + token, else none; CACHE_L2 wins', () => {
    expect(loadCacheConfig({}).l2).toEqual({ kind: 'none' });
    expect(loadCacheConfig({ REDIS_URL: 'rediss://cache.example:6379' }).l2).toEqual({
      kind: 'redis',
      url: 'rediss://cache.example:6379',
    });
    const upstash = { UPSTASH_REDIS_REST_URL: 'https://x.upstash.io', UPSTASH_REDIS_REST_TOKEN: 't' };
    expect(loadCacheConfig(upstash).l2).toMatchObject({ kind: 'upstash' });
    expect(loadCacheConfig({ ...upstash, REDIS_URL: 'redis://h:6379' }).l2.kind).toBe('redis');
    expect(loadCacheConfig({ ...upstash, REDIS_URL: 'redis://h:6379', CACHE_L2: 'upstash' }).l2.kind).toBe(
      'upstash',
    );
    expect(loadCacheConfig({ REDIS_URL: 'redis://h:6379', CACHE_L2: 'none' }).l2.kind).toBe('none');
  });

  it('fails fast on inconsistent or invalid settings', () => {
    expect(() => loadCacheConfig({ CACHE_L2: 'redis' })).toThrow(
      /Invalid cache configuration: REDIS_URL: required when CACHE_L2=redis/,
    );
    expect(() => loadCacheConfig({ CACHE_L2: 'upstash', UPSTASH_REDIS_REST_URL: 'https://x' })).toThrow();
    expect(() => loadCacheConfig({ REDIS_URL: 'http://not-redis' })).toThrow();
    expect(() => loadCacheConfig({ CACHE_L2_TIMEOUT_MS: '0' })).toThrow();
  });

  it('has per-kind TTLs: L1 about 60 s, L2 between 5 and 30 minutes', () => {
    const c = loadCacheConfig({});
    for (const p of Object.values(c.policies)) {
      expect(p.l1TtlMs).toBeLessThanOrEqual(60_000);
      expect(p.l2TtlMs).toBeGreaterThanOrEqual(300_000);
      expect(p.l2TtlMs).toBeLessThanOrEqual(1_800_000);
    }
    expect(c.jitter).toBe(0.1);
    expect(c.l2TimeoutMs).toBe(100);
  });

  it('reads embeddings and retrieval settings', () => {
    expect(loadEmbeddingsConfig({})).toMatchObject({
      provider: 'offline',
      dimensions: 256,
      region: 'us-east-1',
    });
    expect(
      loadEmbeddingsConfig({ EMBEDDINGS_PROVIDER: 'bedrock', AWS_REGION: 'eu-central-1' }),
    ).toMatchObject({
      provider: 'bedrock',
      modelId: 'amazon.titan-embed-text-v2:0',
      region: 'eu-central-1',
    });
    expect(loadRetrievalConfig({})).toEqual({
      vectorWeight: 0.7,
      keywordWeight: 0.3,
      candidates: 40,
      maxK: 50,
      fusion: 'weighted',
      rrfK: 60,
      keywordCandidateCap: 200,
      keywordWindow: 2000,
    });
    expect(() =>
      loadRetrievalConfig({ RETRIEVAL_VECTOR_WEIGHT: '0', RETRIEVAL_KEYWORD_WEIGHT: '0' }),
    ).toThrow();
  });
});
