import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAnswerCacheKey } from '#core/cache/answer-key';
import { type CacheStack, createCacheStack } from '#core/cache/stack';
import { startUpstashServer, type UpstashServer } from '../../support/upstash-server';
import {
  deletePrefix,
  manualClock,
  REDIS_URL,
  recordingMetrics,
  testCacheConfig,
  uniquePrefix,
} from './redis-support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['redis', 'upstash'] as const)(
  'tiered cache over real Redis through the %s adapter',
  (adapter) => {
    const prefix = uniquePrefix(`tiered-${adapter}`);
    let upstash: UpstashServer | undefined;
    let raw: Redis;
    const stacks: CacheStack[] = [];

    const l2Env = (): Record<string, string> =>
      adapter === 'redis'
        ? { CACHE_L2: 'redis', REDIS_URL }
        : {
            CACHE_L2: 'upstash',
            UPSTASH_REDIS_REST_URL: upstash!.url,
            UPSTASH_REDIS_REST_TOKEN: upstash!.token,
          };

    const makeStack = (
      opts: { clock?: ReturnType<typeof manualClock>; env?: Record<string, string> } = {},
    ) => {
      const metrics = recordingMetrics();
      const stack = createCacheStack(
        testCacheConfig({ ...l2Env(), CACHE_KEY_PREFIX: prefix, CACHE_L2_TIMEOUT_MS: '1000', ...opts.env }),
        metrics,
        { clock: opts.clock },
      );
      stacks.push(stack);
      return { ...stack, metrics };
    };

    beforeAll(async () => {
      if (adapter === 'upstash') upstash = await startUpstashServer();
      raw = new Redis(REDIS_URL, { lazyConnect: true });
      await raw.connect();
    });

    afterAll(async () => {
      for (const s of stacks) await s.close();
      await deletePrefix(prefix);
      await raw.quit();
      await upstash?.close();
    });

    it('back-fills source → L2 → L1, then L1 answers, then L2 answers after L1 expiry', async () => {
      const clock = manualClock();
      const { tiered, metrics } = makeStack({ clock });
      const org = randomUUID();
      const key = tiered.key(org, 'skill', 'npv', { rate: 0.08, flows: [1, 2, 3] });
      let loads = 0;
      const loader = async () => {
        loads += 1;
        return { npv: 123.45, loads };
      };

      const first = await tiered.getOrLoad(key, 'skill', loader);
      expect(first).toEqual({ value: { npv: 123.45, loads: 1 }, level: 'source', stale: false });
      const stored = await raw.get(prefix + key);
      expect(stored).not.toBeNull();
      expect(JSON.parse(stored!).v).toEqual({ npv: 123.45, loads: 1 });
      const pttl = await raw.pttl(prefix + key);
      expect(pttl).toBeGreaterThan(600_000); // 10 min fresh + 60 s stale-while-revalidate grace
      expect(pttl).toBeLessThanOrEqual(660_000);

      const second = await tiered.getOrLoad(key, 'skill', loader);
      expect(second.level).toBe('l1');
      expect(second.value).toEqual({ npv: 123.45, loads: 1 });

      clock.advance(61_000); // past the 60 s L1 TTL
      const third = await tiered.getOrLoad(key, 'skill', loader);
      expect(third.level).toBe('l2');
      expect(third.value).toEqual({ npv: 123.45, loads: 1 });
      const fourth = await tiered.getOrLoad(key, 'skill', loader);
      expect(fourth.level).toBe('l1'); // the L2 hit back-filled L1
      expect(loads).toBe(1);
      expect(metrics.total('CacheHit', { level: 'l1', kind: 'skill' })).toBe(2);
      expect(metrics.total('CacheHit', { level: 'l2', kind: 'skill' })).toBe(1);
      expect(metrics.total('CacheMiss', { level: 'l2', kind: 'skill' })).toBe(1);
      expect(metrics.total('L2Latency', { adapter })).toBeGreaterThan(0);
    });

    it('1000 concurrent identical misses in one instance cause exactly one load', async () => {
      const { tiered } = makeStack();
      const key = tiered.key(randomUUID(), 'retrieval', 'decisions', { q: 'pricing' });
      let loads = 0;
      const results = await Promise.all(
        Array.from({ length: 1000 }, () =>
          tiered.getOrLoad(key, 'retrieval', async () => {
            loads += 1;
            await sleep(20);
            return { items: ['a', 'b'] };
          }),
        ),
      );
      expect(loads).toBe(1);
      expect(results.every((r) => r.value.items.length === 2)).toBe(true);
      expect(tiered.inflightCount).toBe(0);
    });

    it('two instances (separate L1s, same Redis) call the loader once thanks to the L2 lease', async () => {
      const a = makeStack();
      const b = makeStack();
      const c = makeStack();
      const key = a.tiered.key(randomUUID(), 'answer', 'analyze', { q: 'should we expand to germany' });
      let loads = 0;
      const loader = async () => {
        loads += 1;
        await sleep(150);
        return { recommendation: 'Expand in Q3', loads };
      };
      const results = await Promise.all([
        a.tiered.getOrLoad(key, 'answer', loader),
        b.tiered.getOrLoad(key, 'answer', loader),
        c.tiered.getOrLoad(key, 'answer', loader),
      ]);
      expect(loads).toBe(1);
      expect(results.map((r) => r.level).sort()).toEqual(['l2', 'l2', 'source']);
      expect(new Set(results.map((r) => JSON.stringify(r.value))).size).toBe(1);
      // the lease is released in the background (the answer does not wait for the DEL): let it finish
      await Promise.all([a, b, c].map((s) => s.tiered.drain()));
      expect(await raw.exists(`${prefix + key}:lease`)).toBe(0);
    });

    it('a failed load is not cached and releases the lease so a waiting instance loads at once', async () => {
      const a = makeStack();
      const b = makeStack();
      const key = a.tiered.key(randomUUID(), 'skill', 'market_size', { region: 'emea' });
      let loads = 0;
      const failing = async () => {
        loads += 1;
        await sleep(50);
        throw new Error('skill crashed');
      };
      const working = async () => {
        loads += 1;
        return { tam: 42 };
      };
      const pa = a.tiered.getOrLoad(key, 'skill', failing);
      // start `b` only once `a` surely holds the lease
      const deadline = Date.now() + 10_000;
      while ((await raw.exists(`${prefix + key}:lease`)) === 0 && Date.now() < deadline) await sleep(2);
      const [ra, rb] = await Promise.allSettled([pa, b.tiered.getOrLoad(key, 'skill', working)]);
      expect(ra.status).toBe('rejected');
      expect(rb.status === 'fulfilled' && rb.value).toEqual({
        value: { tam: 42 },
        level: 'source',
        stale: false,
      });
      expect(loads).toBe(2);
      // `a` retries: nothing poisoned, it now gets b's value
      const again = await a.tiered.getOrLoad(key, 'skill', failing);
      expect(again.value).toEqual({ tam: 42 });
      expect(again.level).toBe('l2');
    });

    it('does not store a result its cacheIf rule refuses (e.g. a truncated answer)', async () => {
      const { tiered } = makeStack();
      const key = tiered.key(randomUUID(), 'answer', 'analyze', { q: 'truncated' });
      let loads = 0;
      const loader = async () => {
        loads += 1;
        return { text: 'half an answer', stop_reason: 'max_tokens' };
      };
      const cacheIf = (v: { stop_reason: string }) => v.stop_reason !== 'max_tokens';
      const first = await tiered.getOrLoad(key, 'answer', loader, { cacheIf });
      expect(first.level).toBe('source');
      expect(await raw.get(prefix + key)).toBeNull();
      const second = await tiered.getOrLoad(key, 'answer', loader, { cacheIf });
      expect(second.level).toBe('source');
      expect(loads).toBe(2);
    });

    it('keeps orgs apart: the same prompt in two orgs never shares an exact-match entry', async () => {
      const a = makeStack();
      const b = makeStack();
      const common = {
        query: 'Should we expand to Germany?',
        model: 'claude-sonnet-5-5',
        promptVersion: 'p1',
        contextHash: '',
        skillVersions: { npv: '1.0.0' },
        dataVersion: 1,
      };
      const orgA = randomUUID();
      const orgB = randomUUID();
      const keyA = buildAnswerCacheKey({ ...common, orgId: orgA });
      const keyB = buildAnswerCacheKey({ ...common, orgId: orgB });
      expect(keyA).not.toBe(keyB);
      await a.tiered.getOrLoad(keyA, 'answer', async () => ({ for: 'org A' }));
      const fromB = await b.tiered.getOrLoad(keyB, 'answer', async () => ({ for: 'org B' }));
      expect(fromB).toEqual({ value: { for: 'org B' }, level: 'source', stale: false });
      const fromA = await b.tiered.getOrLoad(keyA, 'answer', async () => ({ for: 'never' }));
      expect(fromA.value).toEqual({ for: 'org A' });
    });

    it('serves a stale value within the grace window and refreshes it once in the background', async () => {
      const clock = manualClock();
      const a = makeStack({ clock });
      const key = a.tiered.key(randomUUID(), 'org_data', 'metrics', { metric: 'arr' });
      let version = 0;
      const loader = async () => {
        version += 1;
        await sleep(20);
        return { arr: 1000 * version };
      };
      await a.tiered.getOrLoad(key, 'org_data', loader);
      clock.advance(1_800_000 + 1_000); // past the 30 min L2 TTL, inside the 2 min grace (and past L1's 60 s)
      const stale = await Promise.all(
        Array.from({ length: 20 }, () => a.tiered.getOrLoad(key, 'org_data', loader)),
      );
      expect(stale.every((r) => r.stale && r.value.arr === 1000)).toBe(true);
      await a.tiered.drain();
      expect(version).toBe(2); // exactly one background refresh
      const fresh = await a.tiered.getOrLoad(key, 'org_data', loader);
      expect(fresh).toEqual({ value: { arr: 2000 }, level: 'l1', stale: false });
      clock.advance(1_800_000 + 130_000); // past fresh + grace: a hard miss, loads synchronously
      const reloaded = await a.tiered.getOrLoad(key, 'org_data', loader);
      expect(reloaded.level).toBe('source');
      expect(reloaded.value).toEqual({ arr: 3000 });
    });

    it('treats a foreign or corrupt L2 entry as a miss and overwrites it', async () => {
      const { tiered } = makeStack();
      const key = tiered.key(randomUUID(), 'skill', 'corrupt', {});
      await raw.set(prefix + key, 'not an envelope', 'PX', 60_000);
      const r = await tiered.getOrLoad(key, 'skill', async () => ({ ok: true }));
      expect(r).toEqual({ value: { ok: true }, level: 'source', stale: false });
      expect(JSON.parse((await raw.get(prefix + key))!).v).toEqual({ ok: true });
    });

    it('counts with INCR + expiry and answers PING', async () => {
      const { l2 } = makeStack();
      expect(l2).not.toBeNull();
      await l2!.ping();
      const key = `ratelimit:${randomUUID()}`;
      expect(await l2!.incr(key, 60_000)).toBe(1);
      expect(await l2!.incr(key, 60_000)).toBe(2);
      const ttl = await raw.pttl(prefix + key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await l2!.setNX(`${key}:lease`, 'x', 1_000)).toBe(true);
      expect(await l2!.setNX(`${key}:lease`, 'y', 1_000)).toBe(false);
      expect(await l2!.del(`${key}:lease`, key)).toBe(2);
    });
  },
);
