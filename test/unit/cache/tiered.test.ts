import { describe, expect, it } from 'vitest';
import { loadCacheConfig } from '#core/cache/config';
import type { CacheKey } from '#core/cache/keys';
import { L1Cache } from '#core/cache/l1';
import { TieredCache } from '#core/cache/tiered';

function setup(jitter = 0) {
  let t = 1_700_000_000_000;
  const clock = { now: () => t };
  const config = loadCacheConfig({});
  const counts: Record<string, number> = {};
  const cache = new TieredCache({
    l1: new L1Cache({ maxBytes: 1_000_000, maxEntryBytes: 100_000, clock }),
    l2: null,
    policies: config.policies,
    jitter,
    clock,
    metrics: {
      count: (name, dims) => {
        const k = `${name}:${dims?.level ?? ''}`;
        counts[k] = (counts[k] ?? 0) + 1;
      },
      timing: () => {},
    },
  });
  return { cache, counts, advance: (ms: number) => (t += ms) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tiered cache (L1 only, no L2 configured)', () => {
  it('1000 concurrent identical misses share one load; the single-flight entry is removed afterwards', async () => {
    const { cache } = setup();
    const key = cache.key('org-1', 'skill', 'npv', { x: 1 });
    let loads = 0;
    const results = await Promise.all(
      Array.from({ length: 1000 }, () =>
        cache.getOrLoad(key, 'skill', async () => {
          loads += 1;
          await sleep(10);
          return { npv: 1 };
        }),
      ),
    );
    expect(loads).toBe(1);
    expect(results.every((r) => r.value.npv === 1 && r.level === 'source')).toBe(true);
    expect(cache.inflightCount).toBe(0);
    expect((await cache.getOrLoad(key, 'skill', async () => ({ npv: 2 }))).level).toBe('l1');
  });

  it('does not cache errors: every concurrent waiter sees the error, the next call loads again', async () => {
    const { cache } = setup();
    const key = cache.key('org-1', 'skill', 'flaky', {});
    let loads = 0;
    const failing = async () => {
      loads += 1;
      await sleep(5);
      throw new Error('upstream down');
    };
    const settled = await Promise.allSettled(
      Array.from({ length: 50 }, () => cache.getOrLoad(key, 'skill', failing)),
    );
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(loads).toBe(1);
    expect(cache.inflightCount).toBe(0);
    const ok = await cache.getOrLoad(key, 'skill', async () => ({ fine: true }));
    expect(ok).toEqual({ value: { fine: true }, level: 'source', stale: false });
  });

  it('returns the value but stores nothing when cacheIf refuses it', async () => {
    const { cache } = setup();
    const key = cache.key('org-1', 'answer', 'analyze', { q: 'x' });
    let loads = 0;
    const loader = async () => ({ stop_reason: 'max_tokens', n: ++loads });
    const opts = { cacheIf: (v: { stop_reason: string }) => v.stop_reason === 'end_turn' };
    expect((await cache.getOrLoad(key, 'answer', loader, opts)).value.n).toBe(1);
    expect((await cache.getOrLoad(key, 'answer', loader, opts)).value.n).toBe(2);
  });

  it('hands every reader its own copy (a caller mutating its value cannot corrupt the cache)', async () => {
    const { cache } = setup();
    const key = cache.key('org-1', 'skill', 'copy', {});
    await cache.getOrLoad(key, 'skill', async () => ({ list: [1, 2] }));
    const a = await cache.getOrLoad(key, 'skill', async () => ({ list: [] as number[] }));
    a.value.list.push(99);
    const b = await cache.getOrLoad(key, 'skill', async () => ({ list: [] as number[] }));
    expect(b.value.list).toEqual([1, 2]);
  });

  it('jitters TTLs within ±10% and expires L1 entries after their (absolute) TTL', async () => {
    const { cache, advance } = setup(0.1);
    const keys = Array.from({ length: 40 }, (_, i) => cache.key('org-1', 'skill', 'jitter', { i }));
    for (const k of keys) await cache.getOrLoad(k, 'skill', async () => 'v');
    advance(53_999); // below 60 s − 10%
    for (const k of keys) expect((await cache.get(k, 'skill'))?.level).toBe('l1');
    advance(12_002); // beyond 60 s + 10%
    for (const k of keys) expect(await cache.get(k, 'skill')).toBeUndefined();
  });

  it('refuses a key whose kind does not match the requested kind', async () => {
    const { cache } = setup();
    const key = cache.key('org-1', 'skill', 'x', {});
    await expect(cache.getOrLoad(key, 'answer', async () => 1)).rejects.toThrow(/kind/);
    expect(() => cache.key('', 'skill', 'x', {})).toThrow(/empty org/);
    await expect(cache.getOrLoad('not-a-key' as CacheKey, 'skill', async () => 1)).rejects.toThrow();
  });

  it('reports hits and misses per level', async () => {
    const { cache, counts } = setup();
    const key = cache.key('org-1', 'retrieval', 'm', {});
    await cache.getOrLoad(key, 'retrieval', async () => 1);
    await cache.getOrLoad(key, 'retrieval', async () => 1);
    expect(counts['CacheMiss:l1']).toBe(1);
    expect(counts['CacheHit:l1']).toBe(1);
    expect(counts['CacheLoad:']).toBe(1);
  });
});
