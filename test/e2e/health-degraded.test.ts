import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from '../support/api';
import { closedPort } from '../support/ports';

interface Health {
  status: string;
  dependencies: Record<string, { status: string; breaker?: string; provider?: string }>;
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

  it('answers 200 "degraded", names the cache as down, and still serves the API', async () => {
    const r = await api.call('GET', '/health');
    expect(r.status, r.text).toBe(200);
    const body = r.json as unknown as Health;
    expect(body.status).toBe('degraded');
    expect(body.dependencies.database?.status).toBe('ok');
    expect(body.dependencies.cache?.status).toBe('down');
    expect(body.dependencies.llm).toMatchObject({ status: 'ok', provider: 'offline' });
    const login = await api.call('POST', '/api/v1/auth/login', {
      body: { email: 'nobody@example.test', password: 'x' },
    });
    expect(login.status).toBe(401); // the rate limiter fails open; the request is answered
  });
});
