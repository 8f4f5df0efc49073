/**
 * Rate-limit over-admission (issue #12, item 1): `npx tsx load/bench-ratelimit.ts` (also `npm run bench -- ratelimit`).
 *
 * N limiter instances = N separate RateLimiter objects in this process, each over its own cache stack and so
 * its own ioredis connection — and, in one row, N separate processes (load/child.ts) — all on one Redis (REDIS_URL, default redis://127.0.0.1:6379). A burst of 600
 * analyze requests for one user with 200 in flight, spread round-robin over the instances; the limit is 120 per
 * minute. Prints admitted requests and over-admission for N = 2 and 4, with Redis up (idle and with both
 * cores saturated by spinning threads) and with Redis unreachable (each instance enforcing its share,
 * RATE_LIMIT_INSTANCES = N). Also the login limits under a spray (60 emails × 10 attempts from 3 IPs).
 * Keys live under a unique prefix and are deleted.
 */
import './bench-env';
import { randomBytes } from 'node:crypto';
import { type CacheStack, createCacheStack } from '../layers/core/src/cache';
import { loadCacheConfig } from '../layers/core/src/cache/config';
import { noopSink } from '../layers/core/src/observability/metrics';
import { type RateLimitConfig, RateLimiter } from '../layers/core/src/ratelimit/limiter';
import { burst } from '../test/support/burst';
import { closedPort } from '../test/support/ports';
import { deleteKeys } from '../test/support/redis-keys';
import { busyCores } from './busy';
import { runChildren } from './children';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `bench:rl:${randomBytes(4).toString('hex')}:`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIMIT = 120;

const stacks: CacheStack[] = [];
const limiters: RateLimiter[] = [];
let runId = 0;

function instances(n: number, url: string, config: Partial<RateLimitConfig>): RateLimiter[] {
  runId++;
  return Array.from({ length: n }, () => {
    const s = createCacheStack(
      loadCacheConfig({ REDIS_URL: url, CACHE_KEY_PREFIX: `${PREFIX}${runId}:` } as NodeJS.ProcessEnv),
    );
    stacks.push(s);
    const l = new RateLimiter(s.l2, config, noopSink);
    limiters.push(l);
    return l;
  });
}

async function analyzeBurst(ls: RateLimiter[]): Promise<number> {
  const r = await burst(ls, 600, 200, (l) => l.check('analyze', { org: 'bench-org', subject: 'bench-user' }));
  return r.ok;
}

const rows: string[] = [];
const row = (what: string, n: number, admitted: number[]) => {
  const worst = Math.max(...admitted);
  rows.push(
    `| ${what} | ${n} | ${admitted.join(', ')} | ${LIMIT} | ${(((worst - LIMIT) / LIMIT) * 100).toFixed(1)} % |`,
  );
};

for (const n of [2, 4]) {
  const up: number[] = [];
  for (let i = 0; i < ROUNDS; i++)
    up.push(await analyzeBurst(instances(n, REDIS_URL, { RATE_LIMIT_ANALYZE_PER_MIN: LIMIT })));
  row('Redis up', n, up);

  const busy = busyCores(2);
  const upBusy: number[] = [];
  for (let i = 0; i < ROUNDS; i++)
    upBusy.push(await analyzeBurst(instances(n, REDIS_URL, { RATE_LIMIT_ANALYZE_PER_MIN: LIMIT })));
  await busy.stop();
  row('Redis up, both cores saturated', n, upBusy);

  const port = await closedPort();
  const down: number[] = [];
  for (let i = 0; i < ROUNDS; i++)
    down.push(
      await analyzeBurst(
        instances(n, `redis://127.0.0.1:${port}`, {
          RATE_LIMIT_ANALYZE_PER_MIN: LIMIT,
          RATE_LIMIT_INSTANCES: n,
        }),
      ),
    );
  row('Redis unreachable (local shares)', n, down);
}

// Separate processes (like two runtimes): each its own limiter and connection, its part of the burst.
for (const n of [2, 4]) {
  const admitted: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    runId++;
    const parts = await runChildren<{ ok: number }>(n, () => [
      'limit',
      `${PREFIX}${runId}:`,
      String(600 / n),
      String(200 / n),
    ]);
    admitted.push(parts.reduce((s, p) => s + p.ok, 0));
  }
  row('Redis up, separate processes', n, admitted);
}

// Login spray: 60 emails × 10 wrong attempts from 3 source IPs, 200 in flight, 2 instances.
const login = instances(2, REDIS_URL, {});
const spray = await burst(login, 600, 200, (l, i) =>
  l.checkLogin({ email: `victim-${i % 60}@example.test`, ip: `198.51.100.${i % 3}` }).then((t) => t.failed()),
);

console.log(`limit ${LIMIT}/min per user; bursts of 600 with 200 in flight; ${ROUNDS} rounds each`);
console.log('| case | instances | admitted per round | limit | worst over-admission |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(
  `login spray (60 emails × 10 wrong passwords, 3 IPs, 2 instances, defaults 20/email, 60/IP, 1200 global): ${spray.ok} admitted to password checking, ${600 - spray.ok} refused with 429`,
);

for (const l of limiters) l.dispose();
await Promise.all(stacks.map((s) => s.close()));
await deleteKeys(PREFIX, REDIS_URL);
