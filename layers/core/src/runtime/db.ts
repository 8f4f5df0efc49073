import type { Config } from '../config';
import { rdsIamToken } from '../db/iam-token';
import { migrate } from '../db/migrate';
import { createPgDb } from '../db/pg';
import type { Db } from '../db/types';
import { UpstreamUnavailableError } from '../errors';
import { logger } from '../observability/logger';
import { emfSink } from '../observability/metrics';
import { seedDemo } from '../orgs/seed';
import type { FunctionRoot } from './root';

let shared: Promise<Db> | undefined;

/** Opens the database when DATABASE_URL is not set; registered by the local runtime (embedded PGlite). */
export type LocalDbFactory = (config: Config) => Promise<Db>;
let localDbFactory: LocalDbFactory | undefined;

/**
 * The local runtime and tests inject their embedded database here. Lambda bundles never register one, so a
 * deployed function without DATABASE_URL fails closed instead of quietly running an in-memory database.
 */
export function registerLocalDb(factory: LocalDbFactory | undefined): void {
  localDbFactory = factory;
}

async function open(config: Config): Promise<Db> {
  let db: Db;
  if (config.DATABASE_URL) {
    db = createPgDb({
      connectionString: config.DATABASE_URL,
      poolMax: config.DB_POOL_MAX,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
      ssl: config.DB_SSL,
      password: config.DB_IAM_AUTH ? rdsIamToken(config.DATABASE_URL, config.AWS_REGION) : undefined,
      idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
      idleSessionTimeoutMs: config.DB_IDLE_SESSION_TIMEOUT_MS,
      onQuery: (ms) => emfSink.timing('DbQueryTime', ms),
      onAcquire: (ms) => emfSink.timing('DbConnectTime', ms),
    });
  } else if (localDbFactory) {
    // Only the local runtime and tests register one (bin/local/pglite.ts): no function bundle can reach it.
    db = await localDbFactory(config);
  } else {
    throw new UpstreamUnavailableError(
      'database',
      'DATABASE_URL is not set and no local database was provided: this function cannot reach Postgres',
      30,
    );
  }
  if (config.AUTO_MIGRATE) {
    const report = await migrate(db);
    if (report.applied.length > 0 || report.skipped.length > 0) logger.info('migrations', { ...report });
  }
  if (config.SEED_DEMO) await seedDemo(db);
  return db;
}

/**
 * The process-wide database (module scope: one pool per warm Lambda instance, one PGlite per local runtime).
 * A failed open is not cached, so the next request tries again.
 */
export function getDb(config: Config): Promise<Db> {
  shared ??= open(config).catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** Lets the local runtime and tests hand in a Db they own. */
export function setDb(db: Db | undefined): void {
  shared = db ? Promise.resolve(db) : undefined;
}

/** The function's database (its profile must declare `db`). */
export function dbFor(root: FunctionRoot): Promise<Db> {
  root.require('db');
  return getDb(root.config);
}
