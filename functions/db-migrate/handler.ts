import { readSecret } from '#core/aws/secrets';
import { rdsIamToken } from '#core/db/iam-token';
import { migrate } from '#core/db/migrate';
import { createPgDb } from '#core/db/pg';
import { logger } from '#core/observability/logger';
import { connectionStringWithPassword } from './iam-connection';
import { handleMigrationEvent, type MigrationEvent, type MigrationResponse } from './migration-resource';

/**
 * Custom-resource handler (CDK Provider framework `onEvent`) that applies the SQL migrations on deploy as the
 * master user, directly on the cluster. Env: DATABASE_URL (password-less: writer endpoint, master user), DB_SSL,
 * DB_MASTER_SECRET_ARN (the RDS-managed master secret, JSON {username, password}, read at each run so RDS's
 * rotation needs nothing from us) — or DB_IAM_AUTH=true to sign an IAM token instead — MIGRATIONS_DIR (the SQL
 * files copied next to the bundle), AWS_REGION (set by Lambda).
 */
function log(message: string, fields: Record<string, unknown>): void {
  logger.info(message, fields);
}

async function openDb() {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  let connectionString = databaseUrl;
  if (process.env.DB_MASTER_SECRET_ARN) {
    const value = await readSecret(process.env.DB_MASTER_SECRET_ARN);
    const password = value ? (JSON.parse(value) as { password?: unknown }).password : undefined;
    if (typeof password !== 'string' || password === '') {
      throw new Error('DB_MASTER_SECRET_ARN: the secret has no password field');
    }
    connectionString = connectionStringWithPassword(databaseUrl, password);
  } else if (process.env.DB_IAM_AUTH === 'true') {
    const token = await rdsIamToken(databaseUrl, process.env.AWS_REGION)();
    connectionString = connectionStringWithPassword(databaseUrl, token);
  }
  return createPgDb({
    connectionString,
    poolMax: 1,
    // The migrations themselves run on a session of their own with MIGRATE_OPTIONS.statementTimeoutMs.
    statementTimeoutMs: 540_000,
    connectTimeoutMs: 10_000,
    ssl: process.env.DB_SSL === 'true',
    applicationName: 'ceo-agent-db-migrate',
  });
}

/**
 * Inside the function's 600 s: one statement may run 540 s (an index build that needs longer is built ahead of
 * the deploy, docs/deploy.md); a runner that finds the lock taken — a build still running on the server after
 * an earlier invocation timed out — gives up after 60 s, naming the holder.
 */
const MIGRATE_OPTIONS = {
  statementTimeoutMs: 540_000,
  lockTimeoutMs: 60_000,
  lockPollMs: 2_000,
  log,
} as const;

export async function handler(event: MigrationEvent): Promise<MigrationResponse> {
  return handleMigrationEvent(event, {
    openDb: async () => openDb(),
    migrate: (db) => migrate(db, undefined, MIGRATE_OPTIONS),
    log,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}
