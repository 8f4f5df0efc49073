import { PGlite, types } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import { detectCapabilities } from '#core/db/capabilities';
import type { Db, DbCapabilities, Queryable, QueryResult, Session, SqlParam } from '#core/db/types';
import { withTimeout } from '#core/timeout';

export interface PgliteDbOptions {
  /** Folder to persist into; in-memory when omitted. */
  dataDir?: string;
  /** Load the bundled btree_gin (default true); false stands in for a server without contrib (tests). */
  btreeGin?: boolean;
}

const toNumber = (v: string) => Number(v);

interface PgliteQueryable {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(q: PgliteQueryable): Queryable {
  return {
    async query<Row>(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult<Row>> {
      const r = await q.query<Row>(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.rows.length > 0 ? r.rows.length : (r.affectedRows ?? 0) };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
  };
}

/**
 * Embedded Postgres (PGlite, WASM) with pgvector: the local runtime's and the tests' default database.
 * PGlite is one session; it serialises queries itself, and `transaction` holds that session exclusively.
 */
export async function createPgliteDb(opts: PgliteDbOptions = {}): Promise<Db> {
  const pg = await PGlite.create({
    dataDir: opts.dataDir,
    // btree_gin: the org-leading full-text index (migrations 0011 and 0014, where it is available)
    extensions: opts.btreeGin === false ? { vector } : { vector, btree_gin },
    parsers: { [types.INT8]: toNumber, [types.NUMERIC]: toNumber },
  });
  // The extension is bundled: make it available before migrations look for it.
  await pg.exec('CREATE EXTENSION IF NOT EXISTS vector');
  const base = wrap(pg);
  let caps: Promise<DbCapabilities> | undefined;
  // PGlite is one session: `session` hands out that one, to one caller at a time (a session-level advisory
  // lock would be re-entrant here and could not keep two migration runners apart). Its statement_timeout
  // option is ignored: nothing sets one on PGlite.
  const transaction = <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
    pg.transaction((tx) => fn(wrap(tx)));
  const session: Session = { ...base, transaction };
  let sessions: Promise<unknown> = Promise.resolve();
  const db: Db = {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction,
    session<T>(fn: (s: Session) => Promise<T>): Promise<T> {
      const run = sessions.then(() => fn(session));
      sessions = run.catch(() => {});
      return run;
    },
    capabilities() {
      caps ??= detectCapabilities(base);
      return caps;
    },
    refreshCapabilities() {
      caps = undefined;
      return db.capabilities();
    },
    async ping(timeoutMs: number) {
      await withTimeout(pg.query('SELECT 1'), timeoutMs, 'database ping');
    },
    async close() {
      await pg.close();
    },
  };
  return db;
}
