import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type CacheStack, createCacheStack } from '#core/cache/index';
import { RateLimitedError } from '#core/errors';
import { noopSink } from '#core/observability/metrics';
import { type RateLimitConfig, RateLimiter } from '#core/ratelimit/limiter';
import { burst } from '../../support/burst';
import { closedPort } from '../../support/ports';
import { startUpstashServer, type UpstashServer } from '../../support/upstash-server';
import { deletePrefix, REDIS_URL, testCacheConfig, uniquePrefix } from '../cache/redis-support';

const prefix = uniquePrefix('ratelimit');
const stacks: CacheStack[] = [];
const limiters: RateLimiter[] = [];
let upstash: UpstashServer | undefined;

let tests = 0;
/** An "instance": its own cache stack, so its own Redis connection; keys under this test's own prefix. */
function stack(env: Record<string, string> = {}): CacheStack {
  const s = createCacheStack(testCacheConfig({ REDIS_URL, CACHE_KEY_PREFIX: `${prefix}t${tests}:`, ...env }));
  stacks.push(s);
  return s;
}

function limiter(l2: CacheStack['l2'], config: Partial<RateLimitConfig>, now?: () => number): RateLimiter {
  const l = new RateLimiter(l2, config, noopSink, now);
  limiters.push(l);
  return l;
}

const rejection = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e);

beforeEach(() => {
  tests++;
});

afterAll(async () => {
  for (const l of limiters) l.dispose();
  await Promise.all(stacks.map((s) => s.close()));
  await upstash?.close();
  await deletePrefix(prefix);
});

/** The embedded RESP stand-in (no Redis on this machine, outside CI) runs no Lua: the shared tests skip. */
const noLua = process.env.TEST_REDIS_EMBEDDED === '1';
const shared = it.skipIf(noLua);

describe('rate limiter over the real Redis (atomic sliding window)', () => {
  shared(
    'allows the allowance, then 429 with Retry-After until the oldest admission leaves the window',
    async () => {
      let now = 1_800_000_000_000;
      const l = limiter(stack().l2, { RATE_LIMIT_ANALYZE_PER_MIN: 3 }, () => now);
      for (let i = 0; i < 3; i++) {
        await l.check('analyze', { org: 'org-a', subject: 'user-1' });
        now += 10_000;
      }
      const err = await rejection(l.check('analyze', { org: 'org-a', subject: 'user-1' }));
      expect(err).toBeInstanceOf(RateLimitedError);
      const e = err as RateLimitedError;
      expect(e.status).toBe(429);
      // admissions at 0, 10 s, 20 s; now 30 s: the first leaves the window at 60 s
      expect(e.headers['Retry-After']).toBe('30');
      expect(e.details).toMatchObject({ limit: 'analyze_user', scope: 'shared', retryAfterSeconds: 30 });
      // other users and orgs have their own windows
      await l.check('analyze', { org: 'org-a', subject: 'user-2' });
      await l.check('analyze', { org: 'org-b', subject: 'user-1' });
      // sliding, not fixed: 30 s later exactly one slot is free again
      now += 30_000;
      await l.check('analyze', { org: 'org-a', subject: 'user-1' });
      await expect(l.check('analyze', { org: 'org-a', subject: 'user-1' })).rejects.toBeInstanceOf(
        RateLimitedError,
      );
    },
  );

  for (const instances of [2, 4]) {
    shared(
      `a burst of 600 with 200 in flight over ${instances} instances (own connections) admits exactly the limit`,
      async () => {
        const subject = `burst-${instances}`;
        const ls = Array.from({ length: instances }, () =>
          limiter(stack().l2, { RATE_LIMIT_ANALYZE_PER_MIN: 120 }),
        );
        const r = await burst(ls, 600, 200, (l) => l.check('analyze', { org: 'org-burst', subject }));
        expect(r.ok).toBe(120);
        expect(r.rejected.RateLimitedError).toBe(480);
      },
    );

    it(`with Redis unreachable, ${instances} instances each enforce their share (limit still holds)`, async () => {
      const port = await closedPort();
      const ls = Array.from({ length: instances }, () =>
        limiter(stack({ REDIS_URL: `redis://127.0.0.1:${port}`, CACHE_L2_TIMEOUT_MS: '50' }).l2, {
          RATE_LIMIT_ANALYZE_PER_MIN: 120,
          RATE_LIMIT_INSTANCES: instances,
          RATE_LIMIT_REDIS_TIMEOUT_MS: 100,
        }),
      );
      const r = await burst(ls, 600, 200, (l) => l.check('analyze', { org: 'org-down', subject: 'u' }));
      expect(r.ok).toBeLessThanOrEqual(Math.floor(120 * 1.05));
      expect(r.ok).toBeGreaterThanOrEqual(120);
      const err = await rejection(ls[0]!.check('analyze', { org: 'org-down', subject: 'u' }));
      expect((err as RateLimitedError).details).toMatchObject({ limit: 'analyze_user', scope: 'local' });
    });
  }

  it('without any L2 the instance still limits (its share)', async () => {
    const l = limiter(null, { RATE_LIMIT_ANALYZE_PER_MIN: 4, RATE_LIMIT_INSTANCES: 2 });
    await l.check('analyze', { org: 'o', subject: 'u' });
    await l.check('analyze', { org: 'o', subject: 'u' });
    await expect(l.check('analyze', { org: 'o', subject: 'u' })).rejects.toBeInstanceOf(RateLimitedError);
  });

  shared(
    'login: per email (a success is given back), per source IP and globally, before any password work',
    async () => {
      const l = limiter(stack().l2, {
        RATE_LIMIT_LOGIN_PER_MIN: 3,
        RATE_LIMIT_LOGIN_IP_PER_MIN: 5,
        RATE_LIMIT_LOGIN_GLOBAL_PER_MIN: 100,
        RATE_LIMIT_LOGIN_LOCAL_FAILURES: 0,
      });
      // successes do not use up the email's allowance
      for (let i = 0; i < 4; i++)
        (await l.checkLogin({ email: 'ceo@x.test', ip: `10.0.0.${i}` })).succeeded();
      await new Promise((r) => setImmediate(r));
      // failures do
      for (let i = 0; i < 3; i++) (await l.checkLogin({ email: 'CEO@x.test', ip: `10.0.1.${i}` })).failed();
      const byEmail = await rejection(l.checkLogin({ email: 'ceo@x.test', ip: '10.0.2.1' }));
      expect((byEmail as RateLimitedError).details).toMatchObject({ limit: 'login_email' });
      // a spray from one IP across many emails hits the IP limit
      let byIp: unknown;
      for (let i = 0; i < 6 && !byIp; i++)
        byIp = await rejection(l.checkLogin({ email: `s${i}@x.test`, ip: '10.9.9.9' }));
      expect((byIp as RateLimitedError).details).toMatchObject({ limit: 'login_ip' });
    },
  );

  shared('login: the global limit bounds a spray across IPs and emails', async () => {
    const l = limiter(stack().l2, {
      RATE_LIMIT_LOGIN_GLOBAL_PER_MIN: 10,
      RATE_LIMIT_LOGIN_LOCAL_FAILURES: 0,
    });
    const r = await burst([l], 60, 20, (x, i) => x.checkLogin({ email: `g${i}@x.test`, ip: `10.1.${i}.1` }));
    expect(r.ok).toBe(10);
  });

  it('login fails closed: after N local failures the email is refused, Redis or not', async () => {
    const port = await closedPort();
    const down = stack({ REDIS_URL: `redis://127.0.0.1:${port}`, CACHE_L2_TIMEOUT_MS: '50' });
    const l = limiter(down.l2, { RATE_LIMIT_LOGIN_LOCAL_FAILURES: 4, RATE_LIMIT_REDIS_TIMEOUT_MS: 50 });
    for (let i = 0; i < 4; i++) (await l.checkLogin({ email: 'v@x.test', ip: `10.2.0.${i}` })).failed();
    const err = await rejection(l.checkLogin({ email: 'v@x.test', ip: '10.2.1.1' }));
    expect((err as RateLimitedError).details).toMatchObject({
      limit: 'login_email_failures',
      scope: 'local',
    });
    // another email is unaffected
    await l.checkLogin({ email: 'w@x.test', ip: '10.2.1.1' });
  });

  shared('works the same over the Upstash REST adapter', async () => {
    upstash = await startUpstashServer();
    const s = stack({
      CACHE_L2: 'upstash',
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
    });
    // the REST stand-in is slow on a busy machine (≈ 6 ms a call, 40 in flight ≈ 0.5 s): a roomy budget
    const budget = { RATE_LIMIT_ANALYZE_PER_MIN: 30, RATE_LIMIT_REDIS_TIMEOUT_MS: 10_000 };
    const a = limiter(s.l2, budget);
    const b = limiter(stack().l2, budget);
    const r = await burst([a, b], 80, 10, (l) => l.check('analyze', { org: 'org-up', subject: 'u' }));
    expect(r.ok).toBe(30);
    expect(upstash.requests).toBeGreaterThan(0);
  });
});
