import pg from 'pg';
import { withTimeout } from '../timeout';
import { detectCapabilities } from './capabilities';
import type { Db, DbCapabilities, Queryable, QueryResult, SqlParam } from './types';

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
   * How long an idle pooled connection is kept. Behind RDS Proxy (idle client time-out 30 min) a short pool
   * time-out only forces a new TLS handshake and IAM token per reconnect; keep it below the proxy's.
   */
  idleTimeoutMs?: number;
  /** Called for every new connection, e.g. to sign an RDS IAM auth token (valid 15 minutes). */
  password?: () => Promise<string>;
}

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

/** Statements on the pool: acquire (timed as DbConnectTime), then the statement alone (DbQueryTime). */
function wrapPool(pool: pg.Pool, opts: PgDbOptions): Queryable {
  if (!opts.onQuery && !opts.onAcquire) return wrap(pool);
  return {
    async query<Row>(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult<Row>> {
      const asked = performance.now();
      const client = await pool.connect();
      const started = performance.now();
      opts.onAcquire?.(started - asked);
      let failed: unknown;
      try {
        const r = await client.query(sql, params as unknown[]);
        opts.onQuery?.(performance.now() - started);
        return { rows: r.rows as Row[], rowCount: r.rowCount ?? r.rows.length };
      } catch (err) {
        failed = err;
        throw err;
      } finally {
        // as pool.query does: a client whose statement failed is discarded, not reused
        client.release(failed === undefined ? undefined : (failed as Error));
      }
    },
    async exec(sql: string): Promise<void> {
      await pool.query(sql);
    },
  };
}

function wrap(client: pg.Pool | pg.PoolClient, onQuery?: (ms: number) => void): Queryable {
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

/**
 * `pg` Pool adapter. In AWS the connection string points at RDS Proxy; statements are unnamed (no prepared
 * statement names) and no session state is SET on the request path, so the proxy never pins a session.
 */
export function createPgDb(opts: PgDbOptions): Db {
  const pool = new pg.Pool({
    // pg lets a connection string's (empty) password override an explicit one: use discrete fields then.
    ...(opts.password
      ? { ...connectionFields(opts.connectionString), password: opts.password }
      : { connectionString: opts.connectionString }),
    max: opts.poolMax,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: opts.idleTimeoutMs ?? 600_000,
    statement_timeout: opts.statementTimeoutMs,
    query_timeout: opts.statementTimeoutMs + 1_000,
    application_name: opts.applicationName ?? 'ceo-agent',
    ssl: opts.ssl ? { rejectUnauthorized: true } : undefined,
    types: numericTypes(),
    allowExitOnIdle: true,
  });
  // An idle client that errors (e.g. the proxy closed it) must not crash the process.
  pool.on('error', () => {});
  const base = wrapPool(pool, opts);
  let caps: Promise<DbCapabilities> | undefined;

  const db: Db = {
    kind: 'pg',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(wrap(client, opts.onQuery));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
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
