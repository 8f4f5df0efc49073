import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '#core/auth/jwt';
import { getConfig } from '#core/config';
import { addUser, startTestApi, type TestUser } from '../support/api';

type Api = Awaited<ReturnType<typeof startTestApi>>;

describe('the API over the local runtime', () => {
  let api: Api;
  let alice: TestUser;
  let bob: TestUser;
  let aliceToken: string;
  let bobToken: string;
  const decisions = async () =>
    Number((await api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM decisions')).rows[0]!.n);

  beforeAll(async () => {
    api = await startTestApi();
    alice = await addUser(api.db);
    bob = await addUser(api.db); // another org
    aliceToken = await api.login(alice);
    bobToken = await api.login(bob);
  });
  afterAll(() => api?.close());

  it('health answers anyone with the status and version only', async () => {
    const r = await api.call('GET', '/health');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ok', version: expect.any(String) });
    // a signed-in member is not an operator: same public answer
    const member = await api.call('GET', '/health', { token: aliceToken });
    expect(member.json).toEqual({ status: 'ok', version: expect.any(String) });
  });

  it('login → analyze → list → get', async () => {
    const a = await api.call('POST', '/api/v1/decision/analyze', {
      token: aliceToken,
      body: { query: 'Should we expand to new markets?' },
    });
    expect(a.status).toBe(200);
    for (const k of [
      'decision_id',
      'query',
      'recommendation',
      'options',
      'risks',
      'confidence',
      'rationale',
      'model',
      'usage',
      'latency_ms',
      'answered_from',
    ]) {
      expect(a.json).toHaveProperty(k);
    }
    expect(a.json.query).toBe('Should we expand to new markets?');
    expect(a.headers.get('x-correlation-id')).toBeTruthy();
    expect(a.headers.get('x-content-type-options')).toBe('nosniff');
    expect(a.headers.get('access-control-allow-origin')).toBe('*');

    const list = await api.call('GET', '/api/v1/decisions?limit=5', { token: aliceToken });
    expect(list.status).toBe(200);
    const items = list.json.items as { decision_id: string }[];
    expect(items[0]?.decision_id).toBe(a.json.decision_id);

    const got = await api.call('GET', `/api/v1/decisions/${a.json.decision_id}`, { token: aliceToken });
    expect(got.status).toBe(200);
    expect(got.json.recommendation).toBe(a.json.recommendation);

    // Another org: same id is a 404, and its list does not show it
    const other = await api.call('GET', `/api/v1/decisions/${a.json.decision_id}`, { token: bobToken });
    expect(other.status).toBe(404);
    expect(other.json.error?.code).toBe('not_found');
    const bobList = await api.call('GET', '/api/v1/decisions', { token: bobToken });
    expect(bobList.json.items).toEqual([]);
  });

  it('login failures are 401 with one message for unknown email and wrong password', async () => {
    const wrong = await api.call('POST', '/api/v1/auth/login', {
      body: { email: alice.email, password: 'nope-nope' },
    });
    const unknown = await api.call('POST', '/api/v1/auth/login', {
      body: { email: 'nobody@example.test', password: 'x' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json.error).toEqual(unknown.json.error);
    expect(wrong.json.error?.code).toBe('invalid_credentials');
  });

  describe('bad input → clear 4xx JSON and nothing written', () => {
    const expired = () =>
      issueToken(
        { userId: alice.userId, orgId: alice.orgId, email: alice.email, role: 'member' },
        {
          secret: getConfig().jwtSecret,
          issuer: getConfig().JWT_ISSUER,
          audience: getConfig().JWT_AUDIENCE,
          ttlSeconds: 60,
        },
        Date.now() - 3_600_000,
      ).then((t) => t.token);
    const forged = () =>
      new SignJWT({ org: alice.orgId, email: alice.email, role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(alice.userId)
        .setIssuer(getConfig().JWT_ISSUER)
        .setAudience(getConfig().JWT_AUDIENCE)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('an-attacker-secret-that-is-long-enough!!'));

    const cases: Array<
      [
        string,
        () => Promise<{ method: string; path: string; opts: Parameters<Api['call']>[2] }>,
        number,
        string,
      ]
    > = [
      [
        'malformed JSON on analyze',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { token: aliceToken, raw: '{"query": ' },
        }),
        400,
        'malformed_json',
      ],
      [
        'malformed JSON on login',
        async () => ({ method: 'POST', path: '/api/v1/auth/login', opts: { raw: '{not json' } }),
        400,
        'malformed_json',
      ],
      [
        'wrong type',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { token: aliceToken, body: { query: 42 } },
        }),
        400,
        'validation_error',
      ],
      [
        'missing field',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { token: aliceToken, body: {} },
        }),
        400,
        'validation_error',
      ],
      [
        'missing body',
        async () => ({ method: 'POST', path: '/api/v1/decision/analyze', opts: { token: aliceToken } }),
        400,
        'validation_error',
      ],
      [
        'unknown field',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { token: aliceToken, body: { query: 'Expand?', extra: 1 } },
        }),
        400,
        'validation_error',
      ],
      [
        'too-long query',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { token: aliceToken, body: { query: 'x'.repeat(5000) } },
        }),
        400,
        'validation_error',
      ],
      [
        'bad thread_id',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { token: aliceToken, body: { query: 'Expand?', thread_id: 'abc' } },
        }),
        400,
        'validation_error',
      ],
      [
        'oversized body (> 64 KB)',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { token: aliceToken, body: { query: 'x'.repeat(70_000) } },
        }),
        413,
        'payload_too_large',
      ],
      [
        'non-JSON content type',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: {
            token: aliceToken,
            raw: 'query=x',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          },
        }),
        415,
        'unsupported_media_type',
      ],
      [
        'missing JWT',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { body: { query: 'Expand?' } },
        }),
        401,
        'unauthorized',
      ],
      [
        'malformed Authorization',
        async () => ({
          method: 'GET',
          path: '/api/v1/decisions',
          opts: { headers: { authorization: 'Basic abc' } },
        }),
        401,
        'invalid_token',
      ],
      [
        'expired JWT',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { token: await expired(), body: { query: 'Expand?' } },
        }),
        401,
        'token_expired',
      ],
      [
        'forged JWT',
        async () => ({
          method: 'POST',
          path: '/api/v1/decision/analyze',
          opts: { token: await forged(), body: { query: 'Expand?' } },
        }),
        401,
        'invalid_token',
      ],
      [
        'bad cursor',
        async () => ({ method: 'GET', path: '/api/v1/decisions?cursor=bogus', opts: { token: aliceToken } }),
        400,
        'validation_error',
      ],
      [
        'limit > 100',
        async () => ({ method: 'GET', path: '/api/v1/decisions?limit=101', opts: { token: aliceToken } }),
        400,
        'validation_error',
      ],
      [
        'limit not a number',
        async () => ({ method: 'GET', path: '/api/v1/decisions?limit=ten', opts: { token: aliceToken } }),
        400,
        'validation_error',
      ],
      [
        'unknown query parameter',
        async () => ({ method: 'GET', path: '/api/v1/decisions?page=2', opts: { token: aliceToken } }),
        400,
        'validation_error',
      ],
      [
        'non-UUID decision id',
        async () => ({ method: 'GET', path: '/api/v1/decisions/not-a-uuid', opts: { token: aliceToken } }),
        400,
        'validation_error',
      ],
      [
        'unknown decision id',
        async () => ({
          method: 'GET',
          path: `/api/v1/decisions/${randomUUID()}`,
          opts: { token: aliceToken },
        }),
        404,
        'not_found',
      ],
      [
        'login with bad email',
        async () => ({
          method: 'POST',
          path: '/api/v1/auth/login',
          opts: { body: { email: 'nope', password: 'x' } },
        }),
        400,
        'validation_error',
      ],
      [
        'unknown route',
        async () => ({ method: 'GET', path: '/api/v1/nope', opts: {} }),
        404,
        'route_not_found',
      ],
      [
        'wrong method',
        async () => ({ method: 'DELETE', path: '/api/v1/decisions', opts: { token: aliceToken } }),
        405,
        'method_not_allowed',
      ],
    ];

    it.each(cases)('%s', async (_name, make, status, code) => {
      const before = await decisions();
      const { method, path, opts } = await make();
      const r = await api.call(method, path, opts);
      expect(r.status).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expect(r.json.error?.code).toBe(code);
      expect(typeof r.json.error?.message).toBe('string');
      expect(await decisions()).toBe(before);
    });
  });
});
