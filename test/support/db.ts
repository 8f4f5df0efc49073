import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '#core/db/migrate';
import { createPgDb } from '#core/db/pg';
import type { Db } from '#core/db/types';
import { createPgliteDb } from '../../bin/local/pglite';

export interface TestDb {
  db: Db;
  label: string;
  /** The throw-away database's URL (PostgreSQL only). */
  url?: string;
  /** Closes the Db and drops its throw-away database. */
  dispose(): Promise<void>;
}

/**
 * The adapters the Db tests run on: always PGlite (with pgvector); plus the real PostgreSQL server when
 * DATABASE_URL is set. In CI (CI=true) DATABASE_URL is required, so the real-Postgres tests never skip.
 */
export function dbTargets(): Array<'pglite' | 'pg'> {
  if (process.env.CI === 'true' && !process.env.DATABASE_URL) {
    throw new Error('CI=true but DATABASE_URL is not set: the real-PostgreSQL tests must run in CI');
  }
  return process.env.DATABASE_URL ? ['pglite', 'pg'] : ['pglite'];
}

/** One statement on a connection of its own to the server `url` names (CREATE / DROP DATABASE). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * A fresh, migrated database. For `pg`, a throw-away database is created on the server named by DATABASE_URL
 * (so parallel test files never see each other's rows) and dropped on dispose.
 */
export async function createTestDb(kind: 'pglite' | 'pg'): Promise<TestDb> {
  if (kind === 'pglite') {
    const db = await createPgliteDb();
    await migrate(db);
    return { db, label: 'pglite', dispose: () => db.close() };
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const name = `ceo_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE DATABASE ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const db = createPgDb({
    connectionString: dbUrl.toString(),
    poolMax: 10,
    statementTimeoutMs: 10_000,
    connectTimeoutMs: 5_000,
  });
  await migrate(db);
  return {
    db,
    label: 'postgres',
    url: dbUrl.toString(),
    async dispose() {
      await db.close();
      await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
