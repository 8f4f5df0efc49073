import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, startTestApi } from '../support/api';

// Read by the limiter at first use (the handlers are imported on the first request).
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
process.env.CACHE_KEY_PREFIX = `test:rl-e2e:${randomBytes(4).toString('hex')}:`;
process.env.RATE_LIMIT_ANALYZE_PER_MIN = '2';
process.env.RATE_LIMIT_LOGIN_PER_MIN = '3';
process.env.RATE_LIMIT_LOGIN_IP_PER_MIN = '12';

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
    // two allowed in any 60 s (a sliding window: no boundary lets a third through)
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(429);
    const before = await api.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM decisions WHERE user_id = $1',
      [user.userId],
    );
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect(limited.json.error?.code).toBe('rate_limited');
    // `shared` in Redis; `local` only on the embedded RESP stand-in, which runs no Lua
    expect(limited.json.error?.details).toMatchObject({
      limit: 'analyze_user',
      scope: process.env.TEST_REDIS_EMBEDDED === '1' ? 'local' : 'shared',
    });
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
    for (let i = 0; i < 4; i++) codes.push((await wrong()).status);
    expect(codes).toEqual([401, 401, 401, 429]);
    const limited = await wrong();
    expect(limited.json.error?.details).toMatchObject({ limit: 'login_email' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
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

  it('a spray across many emails from one address hits the per-IP limit (no scrypt work beyond it)', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 14; i++) {
      const r = await api.call('POST', '/api/v1/auth/login', {
        body: { email: `spray-${i}@example.test`, password: 'guess-123' },
      });
      codes.push(r.status);
      if (r.status === 429) expect(r.json.error?.details).toMatchObject({ limit: 'login_ip' });
    }
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(1);
    expect(codes.every((c) => c === 401 || c === 429)).toBe(true);
  });
});
