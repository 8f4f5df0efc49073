import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '#core/auth/jwt';
import { getConfig } from '#core/config';
import { createPgDb } from '#core/db/pg';
import { setDb } from '#core/runtime/db';
import { startLocalServer } from '../../bin/local/server';
import { closedPort } from '../support/ports';

describe('when the database is unreachable', () => {
  let server: Awaited<ReturnType<typeof startLocalServer>>;
  let token: string;
  let adminToken: string;
  beforeAll(async () => {
    const db = createPgDb({
      connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
      poolMax: 1,
      statementTimeoutMs: 1000,
      connectTimeoutMs: 500,
    });
    setDb(db);
    server = await startLocalServer({ port: 0 });
    const c = getConfig();
    token = (
      await issueToken(
        {
          userId: '00000000-0000-4000-8000-0000000000aa',
          orgId: '00000000-0000-4000-8000-0000000000bb',
          email: 'x@y.z',
          role: 'member',
        },
        { secret: c.jwtSecret, issuer: c.JWT_ISSUER, audience: c.JWT_AUDIENCE, ttlSeconds: 60 },
      )
    ).token;
    adminToken = (
      await issueToken(
        {
          userId: '00000000-0000-4000-8000-0000000000ac',
          orgId: '00000000-0000-4000-8000-0000000000bb',
          email: 'admin@y.z',
          role: 'admin',
        },
        { secret: c.jwtSecret, issuer: c.JWT_ISSUER, audience: c.JWT_AUDIENCE, ttlSeconds: 60 },
      )
    ).token;
  });
  afterAll(async () => {
    await server?.close();
    setDb(undefined);
  });

  it('/health answers 503 "down" to anyone, and names the database to an admin', async () => {
    const r = await fetch(`${server.url}/health`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'down', version: expect.any(String) });
    const admin = await fetch(`${server.url}/health`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(admin.status).toBe(503);
    const body = (await admin.json()) as { status: string; dependencies: { database: { status: string } } };
    expect(body.status).toBe('down');
    expect(body.dependencies.database.status).toBe('down');
  });

  it('routes answer 503 upstream_unavailable with Retry-After, not 500', async () => {
    const r = await fetch(`${server.url}/api/v1/decisions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('2');
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.cd', password: 'x' }),
    });
    expect(login.status).toBe(503);
  });
});
