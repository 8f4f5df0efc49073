import { afterAll, describe, expect, it } from 'vitest';
import { createCacheStack } from '../../../layers/core/src/cache';
import { RateLimitedError } from '../../../layers/core/src/errors';
import { noopSink } from '../../../layers/core/src/observability/metrics';
import { RateLimiter } from '../../../layers/core/src/ratelimit/limiter';
import { closedPort } from '../../support/ports';
import { deletePrefix, REDIS_URL, testCacheConfig, uniquePrefix } from '../cache/redis-support';

const prefix = uniquePrefix('ratelimit');
const stack = createCacheStack(testCacheConfig({ REDIS_URL, CACHE_KEY_PREFIX: prefix }));
const limits = { RATE_LIMIT_ANALYZE_PER_MIN: 3, RATE_LIMIT_LOGIN_PER_MIN: 2 };

afterAll(async () => {
  await stack.close();
  await deletePrefix(prefix);
});

describe('rate limiter over the real Redis', () => {
  it('allows the allowance, then answers 429 with Retry-After until the window ends', async () => {
    let now = 1_800_000_000_000 + 30_000; // half-way through a minute window
    const limiter = new RateLimiter(stack.l2, limits, noopSink, () => now);
    for (let i = 0; i < 3; i++) await limiter.check('analyze', { org: 'org-a', subject: 'user-1' });
    const err = await limiter.check('analyze', { org: 'org-a', subject: 'user-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).status).toBe(429);
    expect((err as RateLimitedError).headers['Retry-After']).toBe('30');
    // other users, other orgs and other limits have their own counters
    await limiter.check('analyze', { org: 'org-a', subject: 'user-2' });
    await limiter.check('analyze', { org: 'org-b', subject: 'user-1' });
    await limiter.check('login', { org: 'public', subject: 'user-1' });
    // the next window starts from zero
    now += 30_000;
    await limiter.check('analyze', { org: 'org-a', subject: 'user-1' });
  });

  it('is shared by instances: two limiters over one Redis count together', async () => {
    const now = () => 1_800_000_120_000;
    const a = new RateLimiter(stack.l2, limits, noopSink, now);
    const b = new RateLimiter(stack.l2, limits, noopSink, now);
    await a.check('login', { org: 'public', subject: 'ceo@example.com' });
    await b.check('login', { org: 'public', subject: 'ceo@example.com' });
    await expect(a.check('login', { org: 'public', subject: 'ceo@example.com' })).rejects.toBeInstanceOf(
      RateLimitedError,
    );
  });

  it('fails open without an L2 or when Redis is unreachable', async () => {
    const none = new RateLimiter(null, limits, noopSink);
    for (let i = 0; i < 10; i++) await none.check('analyze', { org: 'o', subject: 'u' });

    const port = await closedPort();
    const dead = createCacheStack(
      testCacheConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, CACHE_L2_TIMEOUT_MS: '50' }),
    );
    const counted: string[] = [];
    const limiter = new RateLimiter(dead.l2, limits, { count: (n) => counted.push(n), timing: () => {} });
    for (let i = 0; i < 5; i++) await limiter.check('analyze', { org: 'o', subject: 'u' });
    expect(counted).toContain('RateLimitUnavailable');
    await dead.close();
  });
});
