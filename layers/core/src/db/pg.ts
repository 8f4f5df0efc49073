import pg from 'pg';
import { withTimeout } from '../timeout';
import { detectCapabilities } from './capabilities';
import type { Db, DbCapabilities, Queryable, QueryResult, Session, SessionOptions, SqlParam } from './types';

export interface PgDbOptions {
  connectionString: string;
  /** 1–2 in classic Lambda (RDS Proxy pools for all instances); larger for the local runtime. */
  poolMax: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  ssl?: boolean;
  applicationName?: string;
  /** Called after every statement with its time on the connection, without waiting for one (DbQueryTime). */
  onQuery?: (ms: number) => void;
  /** Called with the time spent getting a pooled connection (new connection or queue wait; DbConnectTime). */
  onAcquire?: (ms: number) => void;
  /**
   * How long an idle pooled connection is kept, and the longest idle time after which one is still reused: a
   * connection idle longer (by the wall clock) is discarded when borrowed, so one the server or the proxy has
   * closed meanwhile — e.g. while Lambda froze the instance and the pool's own timer could not run — is never
   * used. Keep it below what closes connections on the other side: RDS Proxy's idle client time-out, or the
   * server's `idle_session_timeout`.
   */
  idleTimeoutMs?: number;
  /**
   * Sent as the `idle_session_timeout` startup parameter: the server ends a session idle this long, whether or
   * not the client is running. For direct connections to Aurora (no RDS Proxy), so frozen instances do not keep
   * it from auto-pausing. Unset or 0: the server's setting applies.
   */
  idleSessionTimeoutMs?: number;
  /** Wall clock for the idle check (tests). */
  now?: () => number;
  /** Called for every new connection, e.g. to sign an RDS IAM auth token (valid 15 minutes). */
  password?: () => Promise<string>;
}

const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

/** int8 and numeric arrive as strings from `pg`; the core works with numbers (counts, costs). */
function numericTypes(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
      return pg.types.getTypeParser(oid, format as 'text');
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/** host/port/user/database of a postgres:// URL, for a pool whose password is a function. */
export function connectionFields(connectionString: string): {
  host: string;
  port: number;
  user: string;
  database: string;
} {
  const u = new URL(connectionString);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
  };
}

/**
 * Borrowing from the pool with the idle check: a client that has been idle for `idleTimeoutMs` or longer (wall
 * clock) is destroyed instead of used, and the next one is taken (a fresh connection when none is left).
 */
function borrower(pool: pg.Pool, opts: PgDbOptions) {
  const now = opts.now ?? Date.now;
  const maxIdle = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const idleSince = new WeakMap<pg.PoolClient, number>();
  return {
    async acquire(): Promise<pg.PoolClient> {
      for (;;) {
        const client = await pool.connect();
        const since = idleSince.get(client);
        if (since === undefined || now() - since < maxIdle) return client;
        idleSince.delete(client);
        client.release(true); // destroys it: the other side may have closed it while we could not see
      }
    },
    /** Back to the pool; a client whose statement failed is discarded, as pool.query does. */
    release(client: pg.PoolClient, failed?: unknown): void {
      if (failed === undefined) idleSince.set(client, now());
      client.release(failed === undefined ? undefined : (failed as Error));
    },
  };
}

type Borrower = ReturnType<typeof borrower>;

/** Statements on the pool: acquire (timed as DbConnectTime), then the statement alone (DbQueryTime). */
function wrapPool(borrow: Borrower, opts: PgDbOptions): Queryable {
  const run = async (sql: string, params: readonly SqlParam[]) => {
    const asked = performance.now();
    const client = await borrow.acquire();
    const started = performance.now();
    opts.onAcquire?.(started - asked);
    let failed: unknown;
    try {
      const r = await client.query(sql, params as unknown[]);
      opts.onQuery?.(performance.now() - started);
      return r;
    } catch (err) {
      failed = err;
      throw err;
    } finally {
      borrow.release(client, failed);
    }
  };
  return {
    async query<Row>(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult<Row>> {
      const r = await run(sql, params);
      return { rows: r.rows as Row[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await run(sql, []);
    },
  };
}

function wrap(client: pg.ClientBase, onQuery?: (ms: number) => void): Queryable {
  return {
    async query<Row>(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult<Row>> {
      const started = performance.now();
      const r = await client.query(sql, params as unknown[]);
      onQuery?.(performance.now() - started);
      return { rows: r.rows as Row[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

/** Where and how to connect: shared by the pool and `session`'s dedicated connections. */
function connectionConfig(opts: PgDbOptions): pg.ClientConfig {
  return {
    // pg lets a connection string's (empty) password override an explicit one: use discrete fields then.
    ...(opts.password
      ? { ...connectionFields(opts.connectionString), password: opts.password }
      : { connectionString: opts.connectionString }),
    connectionTimeoutMillis: opts.connectTimeoutMs,
    ...(opts.idleSessionTimeoutMs ? { options: `-c idle_session_timeout=${opts.idleSessionTimeoutMs}` } : {}),
    application_name: opts.applicationName ?? 'ceo-agent',
    ssl: opts.ssl ? { rejectUnauthorized: true } : undefined,
    types: numericTypes(),
  };
}

/**
 * A connection of its own for `Db.session`, outside the pool (a Lambda pool of 1 stays free), with its own
 * statement_timeout (0 = none; then no client-side read time-out either), closed when `fn` settles: a
 * session-level advisory lock or SET can never outlive it, and an RDS Proxy unpins it.
 */
async function withSession<T>(
  opts: PgDbOptions,
  fn: (s: Session) => Promise<T>,
  sessionOpts: SessionOptions = {},
): Promise<T> {
  const timeoutMs = sessionOpts.statementTimeoutMs ?? opts.statementTimeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0) throw new Error(`Bad statement timeout: ${timeoutMs}`);
  const client = new pg.Client({
    ...connectionConfig(opts),
    keepAlive: true, // a long index build sends nothing for minutes
    ...(timeoutMs > 0 ? { query_timeout: timeoutMs + 1_000 } : {}),
  });
  client.on('error', () => {}); // a dropped idle connection surfaces on the next statement instead
  await client.connect();
  try {
    await client.query(`SET statement_timeout = ${timeoutMs}`);
    const q = wrap(client, opts.onQuery);
    return await fn({
      ...q,
      transaction: <R>(inner: (tx: Queryable) => Promise<R>) => inTransaction(client, q, inner),
    });
  } finally {
    await client.end().catch(() => {});
  }
}

/** BEGIN, `fn` on the connection, COMMIT — or ROLLBACK and the error. */
async function inTransaction<R>(
  client: pg.ClientBase,
  q: Queryable,
  fn: (tx: Queryable) => Promise<R>,
): Promise<R> {
  await client.query('BEGIN');
  try {
    const out = await fn(q);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/**
 * `pg` Pool adapter. In AWS the connection string points at RDS Proxy; statements are unnamed (no prepared
 * statement names) and no session state is SET on the request path, so the proxy never pins a session.
 */
export function createPgDb(opts: PgDbOptions): Db {
  const pool = new pg.Pool({
    ...connectionConfig(opts),
    max: opts.poolMax,
    idleTimeoutMillis: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    statement_timeout: opts.statementTimeoutMs,
    query_timeout: opts.statementTimeoutMs + 1_000,
    allowExitOnIdle: true,
  });
  // An idle client that errors (e.g. the proxy closed it) must not crash the process.
  pool.on('error', () => {});
  const borrow = borrower(pool, opts);
  const base = wrapPool(borrow, opts);
  let caps: Promise<DbCapabilities> | undefined;

  const db: Db = {
    kind: 'pg',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await borrow.acquire();
      try {
        return await inTransaction(client, wrap(client, opts.onQuery), fn);
      } finally {
        borrow.release(client);
      }
    },
    session: (fn, sessionOpts) => withSession(opts, fn, sessionOpts),
    capabilities() {
      caps ??= detectCapabilities(base).catch((err) => {
        caps = undefined;
        throw err;
      });
      return caps;
    },
    refreshCapabilities() {
      caps = undefined;
      return db.capabilities();
    },
    async ping(timeoutMs: number) {
      await withTimeout(base.query('SELECT 1'), timeoutMs, 'database ping');
    },
    async close() {
      await pool.end();
    },
  };
  return db;
}
