import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '#core/auth/jwt';
import { getConfig } from '#core/config';
import { startTestApi } from '../support/api';
import { closedPort } from '../support/ports';

interface Health {
  status: string;
  version: string;
  dependencies?: Record<string, { status: string; error?: string; breaker?: string; provider?: string }>;
}

async function tokenFor(role: 'admin' | 'member'): Promise<string> {
  const c = getConfig();
  const { token } = await issueToken(
    {
      userId: '00000000-0000-4000-8000-00000000000a',
      orgId: '00000000-0000-4000-8000-00000000000b',
      email: `${role}@example.test`,
      role,
    },
    { secret: c.jwtSecret, issuer: c.JWT_ISSUER, audience: c.JWT_AUDIENCE, ttlSeconds: 60 },
  );
  return token;
}

describe('/health when Redis is unreachable', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  beforeAll(async () => {
    const port = await closedPort();
    // read when the handler first builds the cache stack
    process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
    process.env.CACHE_L2_TIMEOUT_MS = '50';
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('answers anyone 200 "degraded" with the version only: no dependency names or error strings', async () => {
    const r = await api.call('GET', '/health');
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual({ status: 'degraded', version: expect.any(String) });
    expect(r.text).not.toMatch(/redis|ECONNREFUSED|127\.0\.0\.1|dependencies/i);
    const login = await api.call('POST', '/api/v1/auth/login', {
      body: { email: 'nobody@example.test', password: 'x' },
    });
    expect(login.status).toBe(401); // the rate limiter fails open; the request is answered
  });

  it('shows an admin which dependency is down, and why', async () => {
    const r = await api.call('GET', '/health', { token: await tokenFor('admin') });
    expect(r.status, r.text).toBe(200);
    const body = r.json as unknown as Health;
    expect(body.status).toBe('degraded');
    expect(body.dependencies?.database?.status).toBe('ok');
    expect(body.dependencies?.cache?.status).toBe('down');
    expect(body.dependencies?.cache?.error).toEqual(expect.any(String));
    expect(body.dependencies?.llm).toMatchObject({ status: 'ok', provider: 'offline' });
  });

  it('gives other signed-in users the public answer, and refuses an invalid token', async () => {
    const member = await api.call('GET', '/health', { token: await tokenFor('member') });
    expect(member.status).toBe(200);
    expect(member.json).toEqual({ status: 'degraded', version: expect.any(String) });
    const bad = await api.call('GET', '/health', { headers: { authorization: 'Bearer a.b.c' } });
    expect(bad.status).toBe(401);
    expect(bad.text).not.toMatch(/dependencies/);
  });
});
