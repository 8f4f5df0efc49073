import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, startTestApi } from '../support/api';

// Read by the limiter at first use (the handlers are imported on the first request).
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
process.env.CACHE_KEY_PREFIX = `test:rl-e2e:${randomBytes(4).toString('hex')}:`;
process.env.RATE_LIMIT_ANALYZE_PER_MIN = '2';
process.env.RATE_LIMIT_LOGIN_PER_MIN = '3';

describe('rate limits through the API', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('analyze beyond the per-user allowance is a 429 with Retry-After, and nothing is written', async () => {
    const user = await addUser(api.db);
    const token = await api.login(user);
    const ask = () =>
      api.call('POST', '/api/v1/decision/analyze', { token, body: { query: 'Should we expand to Spain?' } });
    // two allowed per minute window (a window boundary between calls can allow one more, never fewer)
    const first = await ask();
    expect(first.status).toBe(200);
    const statuses = [(await ask()).status, (await ask()).status, (await ask()).status];
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const before = await api.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM decisions WHERE user_id = $1',
      [user.userId],
    );
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect(limited.json.error?.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const after = await api.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM decisions WHERE user_id = $1',
      [user.userId],
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('login attempts are limited per email before any password is checked', async () => {
    const user = await addUser(api.db);
    const wrong = () =>
      api.call('POST', '/api/v1/auth/login', { body: { email: user.email, password: 'wrong-password' } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await wrong()).status);
    expect(codes.slice(0, 3).every((c) => c === 401 || c === 429)).toBe(true);
    expect(codes).toContain(429);
    // another email is unaffected
    const other = await addUser(api.db);
    expect(
      (
        await api.call('POST', '/api/v1/auth/login', {
          body: { email: other.email, password: other.password },
        })
      ).status,
    ).toBe(200);
  });
});
