import { randomUUID } from 'node:crypto';
import { hashPassword } from '#core/auth/password';
import { createUser } from '#core/auth/users';
import type { Db } from '#core/db/types';
import { createOrg } from '#core/orgs/orgs';
import { setDb } from '#core/runtime/db';
import { setServices } from '#core/runtime/services';
import { startLocalServer } from '../../bin/local/server';
import { createTestDb, type TestDb } from './db';

export interface TestUser {
  orgId: string;
  userId: string;
  email: string;
  password: string;
}

export async function addUser(db: Db, orgId?: string): Promise<TestUser> {
  const org = orgId ?? randomUUID();
  if (!orgId) await createOrg(db, { orgId: org, name: `org ${org.slice(0, 8)}` });
  const user = {
    orgId: org,
    userId: randomUUID(),
    email: `u-${randomUUID().slice(0, 8)}@example.test`,
    password: 'pw-123456',
  };
  await createUser(db, { ...user, passwordHash: await hashPassword(user.password) });
  return user;
}

/**
 * The local runtime (the same handler modules, over HTTP) on an ephemeral port, over a fresh database:
 * `kind` when given, else the real PostgreSQL when DATABASE_URL is set, PGlite otherwise.
 */
export async function startTestApi(opts: { kind?: 'pglite' | 'pg' } = {}) {
  const t: TestDb = await createTestDb(opts.kind ?? (process.env.DATABASE_URL ? 'pg' : 'pglite'));
  setDb(t.db);
  const server = await startLocalServer({ port: 0 });
  const call = async (
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return {
      status: res.status,
      headers: res.headers,
      json: json as Record<string, unknown> & {
        error?: { code: string; message: string; details?: unknown };
      },
      text,
    };
  };
  const login = async (u: TestUser) => {
    const r = await call('POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
    return r.json.access_token as string;
  };
  return {
    db: t.db,
    url: server.url,
    call,
    login,
    async close() {
      await server.close();
      setDb(undefined);
      // services built over this database must not outlive it (a later startTestApi builds its own)
      setServices(undefined);
      await t.dispose();
    },
  };
}
