/**
 * Resilience figures (issue #12, items 7–8): `npx tsx load/bench-resilience.ts` (or `npm run bench -- resilience`).
 *
 * 1. Breaker recovery: a throw-away redis-server on its own loopback port under a cache stack with the
 *    default settings (5 failures, 1 s cool-down, active half-open probes). Redis is killed, the breaker
 *    opens under traffic, redis-server is started again; the figure is the time from "redis answers PING" to
 *    "breaker closed" (and to the rate limiter counting in Redis again), idle and with both cores saturated
 *    by spinning threads plus a GET every 5 ms.
 * 2. Stampede: 1000 identical cold requests over N instances (separate cache stacks, so separate ioredis
 *    connections, on one Redis; default 100 ms L2 bound), each request spending 0.2 ms of CPU before it
 *    asks (a busy instance), the "model" taking 300 ms: how many times the loader ran, for N = 2 and 4.
 */
import './bench-env';
import { randomBytes, randomUUID } from 'node:crypto';
import { type CacheStack, createCacheStack } from '../layers/core/src/cache';
import { loadCacheConfig } from '../layers/core/src/cache/config';
import { noopSink } from '../layers/core/src/observability/metrics';
import { RateLimiter } from '../layers/core/src/ratelimit/limiter';
import { deleteKeys } from '../test/support/redis-keys';
import { startRedisServer } from '../test/support/redis-server';
import { busyCores, spin } from './busy';
import { runChildren } from './children';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `bench:res:${randomBytes(4).toString('hex')}:`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function recovery(busy: boolean): Promise<{ breakerMs: number; limiterMs: number }> {
  const redis = await startRedisServer();
  const stack = createCacheStack(
    loadCacheConfig({ REDIS_URL: redis.url, CACHE_KEY_PREFIX: PREFIX } as NodeJS.ProcessEnv),
  );
  const limiter = new RateLimiter(stack.l2, { RATE_LIMIT_ANALYZE_PER_MIN: 1_000_000 }, noopSink);
  const l2 = stack.l2!;
  await l2.set('k', 'v', 60_000);
  const spinner = busy ? busyCores(2) : undefined;
  let traffic = true;
  const load = busy
    ? (async () => {
        while (traffic) {
          await l2.get('k').catch(() => undefined);
          await sleep(5);
        }
      })()
    : Promise.resolve();
  await redis.stop();
  while (l2.breaker.state === 'closed') await l2.get('k').catch(() => undefined);
  for (let i = 0; i < 3; i++) await limiter.acquire([{ name: 'x', org: 'o', subject: 's', max: 1e6 }]);
  await sleep(1_500); // Redis stays down for a while
  await redis.start();
  const back = performance.now();
  let breakerMs = Number.NaN;
  let limiterMs = Number.NaN;
  while (performance.now() - back < 30_000 && (Number.isNaN(breakerMs) || Number.isNaN(limiterMs))) {
    if (Number.isNaN(breakerMs) && (l2.breaker.state as string) === 'closed')
      breakerMs = performance.now() - back;
    if (Number.isNaN(limiterMs)) {
      const t = await limiter.acquire([{ name: 'x', org: 'o', subject: 's', max: 1e6 }]);
      if (t.scope === 'shared') limiterMs = performance.now() - back;
    }
    await sleep(5);
  }
  traffic = false;
  await load;
  await spinner?.stop();
  limiter.dispose();
  await stack.close();
  await redis.stop();
  return { breakerMs: Math.round(breakerMs), limiterMs: Math.round(limiterMs) };
}

async function stampede(n: number): Promise<number> {
  const stacks: CacheStack[] = Array.from({ length: n }, () =>
    createCacheStack(loadCacheConfig({ REDIS_URL, CACHE_KEY_PREFIX: PREFIX } as NodeJS.ProcessEnv)),
  );
  const key = stacks[0]!.tiered.key(randomUUID(), 'answer', 'analyze', { q: 'should we expand to japan' });
  let runs = 0;
  const loader = async () => {
    runs++;
    await sleep(300);
    return { recommendation: 'Expand in 2027' };
  };
  const all: Array<Promise<unknown>> = [];
  for (let i = 0; i < 1000; i++) {
    spin(0.2);
    all.push(stacks[i % n]!.tiered.getOrLoad(key, 'answer', loader));
  }
  await Promise.all(all);
  await Promise.all(stacks.map((s) => s.close()));
  return runs;
}

const idle: Array<{ breakerMs: number; limiterMs: number }> = [];
const busy: Array<{ breakerMs: number; limiterMs: number }> = [];
for (let i = 0; i < ROUNDS; i++) idle.push(await recovery(false));
for (let i = 0; i < ROUNDS; i++) busy.push(await recovery(true));
const stampedes: Record<number, number[]> = { 2: [], 4: [] };
for (const n of [2, 4]) for (let i = 0; i < ROUNDS; i++) stampedes[n]!.push(await stampede(n));
// the same over separate processes (like separate runtimes), each with 1000 / N of the requests
const processStampedes: Record<number, number[]> = { 2: [], 4: [] };
for (const n of [2, 4]) {
  for (let i = 0; i < ROUNDS; i++) {
    const probe = createCacheStack(
      loadCacheConfig({ REDIS_URL, CACHE_KEY_PREFIX: PREFIX } as NodeJS.ProcessEnv),
    );
    const key = probe.tiered.key(randomUUID(), 'answer', 'analyze', { q: 'should we expand to korea' });
    await probe.close();
    const parts = await runChildren<{ runs: number }>(n, () => ['stampede', PREFIX, String(1000 / n), key]);
    processStampedes[n]!.push(parts.reduce((s, p) => s + p.runs, 0));
  }
}

console.log('breaker recovery after redis-server is back (ms; cache breaker / rate-limiter breaker):');
console.log(`  idle:           ${idle.map((r) => `${r.breakerMs} / ${r.limiterMs}`).join(', ')}`);
console.log(`  cores saturated: ${busy.map((r) => `${r.breakerMs} / ${r.limiterMs}`).join(', ')}`);
console.log('stampede: loader runs for 1000 identical cold requests');
for (const n of [2, 4]) console.log(`  ${n} instances in one process: ${stampedes[n]!.join(', ')}`);
for (const n of [2, 4]) console.log(`  ${n} separate processes: ${processStampedes[n]!.join(', ')}`);
await deleteKeys(PREFIX, REDIS_URL);
