/**
 * Rate limits with Redis unreachable, over HTTP (issue #12, item 1): each instance enforces its share, and login
 * brute force is still stopped — the correct password after 25 failures is refused, not accepted.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, startTestApi } from '../support/api';
import { closedPort } from '../support/ports';

describe('rate limits through the API with Redis down', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  beforeAll(async () => {
    // read when the handlers are imported (first request)
    process.env.REDIS_URL = `redis://127.0.0.1:${await closedPort()}`;
    process.env.CACHE_KEY_PREFIX = `test:rl-down:${randomBytes(4).toString('hex')}:`;
    process.env.RATE_LIMIT_ANALYZE_PER_MIN = '3';
    process.env.RATE_LIMIT_INSTANCES = '1';
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('login: after the local failure allowance even the right password is refused (429), other emails still work', async () => {
    const user = await addUser(api.db);
    const codes: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await api.call('POST', '/api/v1/auth/login', {
        body: { email: user.email, password: `wrong-${i}` },
      });
      codes.push(r.status);
    }
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
    expect(codes.slice(10).every((c) => c === 429)).toBe(true);
    const right = await api.call('POST', '/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(right.status).toBe(429);
    expect(right.json.error?.details).toMatchObject({ scope: 'local' });
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await addUser(api.db);
    expect(
      (
        await api.call('POST', '/api/v1/auth/login', {
          body: { email: other.email, password: other.password },
        })
      ).status,
    ).toBe(200);
  });

  it('analyze: the per-user limit still holds (local share), answered 429 with scope local', async () => {
    const user = await addUser(api.db);
    const token = await api.login(user);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api.call('POST', '/api/v1/decision/analyze', {
        token,
        body: { query: `Should we expand to market ${i}?` },
      });
      statuses.push(r.status);
      if (r.status === 429)
        expect(r.json.error?.details).toMatchObject({ limit: 'analyze_user', scope: 'local' });
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });
});
