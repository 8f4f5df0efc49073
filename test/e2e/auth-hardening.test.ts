/**
 * Tokens fully checked over HTTP (issue #12, item 5): validly signed tokens with a non-UUID `sub`/`org`, without
 * `exp` or `iat`, or with a lifetime beyond the TTL are 401 (not 500); a deleted user's token is a 401 before
 * any work (no model call, nothing written).
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '#core/config';
import { addUser, startTestApi } from '../support/api';

describe('token checks through the API', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const sign = async (
    claims: Record<string, unknown>,
    o: { exp?: number | null; iat?: number | null } = {},
  ) => {
    const c = getConfig();
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(c.JWT_ISSUER)
      .setAudience(c.JWT_AUDIENCE);
    if (o.iat !== null) jwt.setIssuedAt(o.iat ?? now);
    if (o.exp !== null) jwt.setExpirationTime(o.exp ?? now + 60);
    return jwt.sign(new TextEncoder().encode(c.jwtSecret));
  };

  it('a validly signed token with bad claims is a 401 on every authenticated route', async () => {
    const user = await addUser(api.db);
    const ok = { sub: user.userId, org: user.orgId, email: user.email, role: 'member' };
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      await sign({ ...ok, sub: 'not-a-uuid' }),
      await sign({ ...ok, org: "1' OR '1'='1" }),
      await sign(ok, { exp: null }),
      await sign(ok, { iat: null }),
      await sign(ok, { iat: now, exp: now + 10 * getConfig().JWT_TTL_SECONDS }),
    ];
    for (const token of tokens) {
      for (const [method, path, body] of [
        ['GET', '/api/v1/decisions', undefined],
        ['POST', '/api/v1/decision/analyze', { query: 'Should we expand to Spain?' }],
      ] as const) {
        const r = await api.call(method, path, { token, body });
        expect(r.status, `${path} ${r.text}`).toBe(401);
        expect(r.json.error?.code).toBe('invalid_token');
      }
    }
  });

  it("a deleted user's token is a 401 before any work", async () => {
    const user = await addUser(api.db);
    const token = await api.login(user);
    await api.db.query('DELETE FROM users WHERE user_id = $1', [user.userId]);
    const r = await api.call('POST', '/api/v1/decision/analyze', {
      token,
      body: { query: 'Should we expand to Spain?' },
    });
    expect(r.status, r.text).toBe(401);
    expect(r.json.error?.code).toBe('invalid_token');
    const n = await api.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM decisions WHERE user_id = $1',
      [user.userId],
    );
    expect(n.rows[0]!.n).toBe(0);
    // a user of another org cannot be borrowed either: same user id, other org in the token
    const other = await addUser(api.db);
    const forged = await sign({ sub: other.userId, org: user.orgId, email: other.email, role: 'admin' });
    expect((await api.call('GET', '/api/v1/decisions', { token: forged })).status).toBe(401);
  });
});
