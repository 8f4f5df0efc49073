/**
 * Stampede control across instances and breaker recovery (issue #12, items 8 and "stampede" from #11), on
 * real Redis: 1000 identical cold requests over 2 instances run the loader once — also when the instances'
 * first L2 reads time out (the lease is still taken); the breaker closes by itself once Redis is back.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '#core/cache/circuit-breaker';
import { systemClock } from '#core/cache/clock';
import { L1Cache } from '#core/cache/l1';
import { type L2, L2TimeoutError } from '#core/cache/l2';
import { createIoredisL2 } from '#core/cache/l2-ioredis';
import { type CacheStack, createCacheStack } from '#core/cache/stack';
import { TieredCache } from '#core/cache/tiered';
import { type RedisProcess, startRedisServer } from '../../support/redis-server';
import { deletePrefix, REDIS_URL, testCacheConfig, uniquePrefix } from './redis-support';

const prefix = uniquePrefix('stampede');
const stacks: CacheStack[] = [];
const closers: Array<() => Promise<void>> = [];
let redis: RedisProcess | undefined;

afterAll(async () => {
  for (const s of stacks) await s.close();
  for (const c of closers) await c();
  await redis?.stop();
  await deletePrefix(prefix);
});

/** Keeps the event loop busy for `ms` (a request's CPU work on a saturated instance). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

describe('stampede control across instances', () => {
  it('1000 identical cold requests over 2 instances (own connections, default 100 ms L2 bound, busy loop) run the model once', async () => {
    const a = createCacheStack(testCacheConfig({ REDIS_URL, CACHE_KEY_PREFIX: prefix }));
    const b = createCacheStack(testCacheConfig({ REDIS_URL, CACHE_KEY_PREFIX: prefix }));
    stacks.push(a, b);
    const key = a.tiered.key(randomUUID(), 'answer', 'analyze', { q: 'should we expand to japan' });
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const loader = async () => {
      runs += 1;
      await gate;
      return { recommendation: 'Expand in 2027' };
    };
    const all = Array.from({ length: 1000 }, (_, i) => {
      spin(0.2); // ≈ 200 ms of CPU across the burst: late timers, as on a saturated instance
      return (i % 2 === 0 ? a : b).tiered.getOrLoad(key, 'answer', loader);
    });
    // the model "runs" until every caller is waiting on it (single-flight or the lease)
    while (a.tiered.inflightWaiters + b.tiered.inflightWaiters < 1000)
      await new Promise((r) => setImmediate(r));
    release();
    const results = await Promise.all(all);
    expect(runs).toBe(1);
    expect(results.every((r) => r.value.recommendation === 'Expand in 2027')).toBe(true);
  });

  it('the lease is still taken when the first L2 read times out in both instances', async () => {
    const timedOutFirstGet = (inner: L2): L2 => {
      let first = true;
      return {
        ...inner,
        get: async (k) => {
          if (first) {
            first = false;
            throw new L2TimeoutError('get', 100);
          }
          return inner.get(k);
        },
      };
    };
    const instance = () => {
      const inner = createIoredisL2({
        url: REDIS_URL,
        keyPrefix: prefix,
        connectTimeoutMs: 1000,
        commandTimeoutMs: 1000,
      });
      closers.push(() => inner.close());
      return new TieredCache({
        l1: new L1Cache({ maxBytes: 1 << 20, maxEntryBytes: 1 << 16, clock: systemClock }),
        l2: timedOutFirstGet(inner),
        policies: testCacheConfig({}).policies,
        jitter: 0,
        leasePollMs: 5,
      });
    };
    const [a, b] = [instance(), instance()];
    const key = a.key(randomUUID(), 'answer', 'analyze', { q: 'should we build or buy' });
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const loader = async () => {
      runs += 1;
      await gate;
      return { recommendation: 'Buy' };
    };
    const pa = a.getOrLoad(key, 'answer', loader);
    const pb = b.getOrLoad(key, 'answer', loader);
    while (runs === 0) await new Promise((r) => setImmediate(r));
    release();
    const [ra, rb] = await Promise.all([pa, pb]);
    expect(runs).toBe(1);
    expect([ra.level, rb.level].sort()).toEqual(['l2', 'source']);
  });
});

/** The recovery test runs its own redis-server (absent on a machine with only Node: then it skips). */
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

describe.skipIf(!hasRedisServer)('breaker recovery', () => {
  it('opens when Redis dies and closes by itself (active half-open probe) once Redis is back, without traffic', async () => {
    redis = await startRedisServer();
    const s = createCacheStack(
      testCacheConfig({
        REDIS_URL: redis.url,
        CACHE_KEY_PREFIX: prefix,
        CACHE_BREAKER_FAILURES: '2',
        CACHE_BREAKER_COOLDOWN_MS: '200',
      }),
    );
    stacks.push(s);
    const l2 = s.l2!;
    await l2.set('k', 'v', 10_000);
    await redis.stop();
    while (l2.breaker.state === 'closed') await l2.get('k').catch(() => undefined);
    expect(['open', 'half-open']).toContain(l2.breaker.state);
    const closed = new Promise<number>((resolve) => {
      const poll = () => (l2.breaker.state === 'closed' ? resolve(performance.now()) : setTimeout(poll, 5));
      poll();
    });
    const back = performance.now();
    await redis.start();
    const at = await closed; // no request made: the breaker's own probe closed it
    expect(await l2.get('missing')).toBeNull();
    console.log(`breaker closed ${Math.round(at - back)} ms after redis-server was started again`);
  });

  it('a failed probe re-opens it for another cool-down (manual timers)', async () => {
    const timers: Array<() => void> = [];
    let healthy = false;
    let t = 0;
    const b = new CircuitBreaker({
      name: 't',
      failureThreshold: 1,
      cooldownMs: 100,
      clock: { now: () => t },
      probe: () => (healthy ? Promise.resolve() : Promise.reject(new Error('down'))),
      schedule: (fn) => {
        timers.push(fn);
        return () => {};
      },
    });
    await b.run(() => Promise.reject(new Error('x'))).catch(() => undefined);
    expect(b.state).toBe('open');
    t += 100;
    timers.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(b.state).toBe('open'); // the probe failed
    healthy = true;
    t += 100;
    timers.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(b.state).toBe('closed');
  });
});
