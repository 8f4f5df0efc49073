import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb } from '#core/db/pg';
import type { Db } from '#core/db/types';

/**
 * The pool's idle handling on a real PostgreSQL (DATABASE_URL): what lets a function connect to Aurora without
 * RDS Proxy. A Lambda instance can be frozen longer than the server keeps an idle session; when it thaws, the
 * pool must not hand out a connection the server may have closed meanwhile, even though its own idle timer never
 * ran: it judges idleness by the wall clock when it lends one.
 */
const url = process.env.DATABASE_URL;

describe.runIf(url)('pg pool: idle connections (PostgreSQL)', () => {
  const open: Db[] = [];
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(open.map((db) => db.close()));
    await admin?.end();
  });

  const make = (extra: Partial<Parameters<typeof createPgDb>[0]> = {}) => {
    const db = createPgDb({
      connectionString: url!,
      poolMax: 1,
      statementTimeoutMs: 5_000,
      connectTimeoutMs: 3_000,
      applicationName: 'ceo-agent-idle-test',
      ...extra,
    });
    open.push(db);
    return db;
  };
  const backendPid = async (db: Db) =>
    (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  /** Waits until the server has no session with this pid (the client's Terminate is processed asynchronously). */
  const sessionGone = async (pid: number) => {
    for (let i = 0; i < 200; i++) {
      const r = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (r.rowCount === 0) return true;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return false;
  };

  it('reuses a connection within the idle time-out and replaces one idle that long by the wall clock', async () => {
    let now = 1_000_000;
    // the pool's own timer would close it after a minute of running time; the clock jumps as after a freeze
    const db = make({ idleTimeoutMs: 60_000, now: () => now });
    const first = await backendPid(db);
    now += 59_999;
    expect(await backendPid(db)).toBe(first);
    now += 60_000;
    const second = await backendPid(db);
    expect(second).not.toBe(first);
    expect(await sessionGone(first)).toBe(true);
    // transactions borrow through the same check
    now += 60_000;
    const inTx = await db.transaction(
      async (tx) => (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
    );
    expect(inTx).not.toBe(second);
  });

  it('asks the server to end idle sessions itself when idleSessionTimeoutMs is set, and not otherwise', async () => {
    const show = async (db: Db) =>
      (await db.query<{ idle_session_timeout: string }>('SHOW idle_session_timeout')).rows[0]!
        .idle_session_timeout;
    expect(await show(make({ idleSessionTimeoutMs: 300_000 }))).toBe('5min');
    expect(await show(make())).toBe('0');
  });
});
