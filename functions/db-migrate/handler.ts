import { Signer } from '@aws-sdk/rds-signer';
import { migrate } from '../../layers/core/src/db/migrate';
import { createPgDb } from '../../layers/core/src/db/pg';
import { logger } from '../../layers/core/src/observability/logger';
import { connectionStringWithPassword, signingTarget } from './iam-connection';
import { handleMigrationEvent, type MigrationEvent, type MigrationResponse } from './migration-resource';

/**
 * Custom-resource handler (CDK Provider framework `onEvent`) that applies the SQL migrations on deploy,
 * through RDS Proxy with an IAM token. Env: DATABASE_URL (password-less, proxy endpoint), DB_SSL,
 * MIGRATIONS_DIR (the SQL files copied next to the bundle), AWS_REGION (set by Lambda).
 */
function log(message: string, fields: Record<string, unknown>): void {
  logger.info(message, fields);
}

async function openDb() {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  let connectionString = databaseUrl;
  if (process.env.DB_IAM_AUTH === 'true') {
    const token = await new Signer({
      ...signingTarget(databaseUrl),
      region: process.env.AWS_REGION,
    }).getAuthToken();
    connectionString = connectionStringWithPassword(databaseUrl, token);
  }
  return createPgDb({
    connectionString,
    poolMax: 1,
    // DDL such as an HNSW index build can take minutes; the function's own time-out is the bound.
    statementTimeoutMs: 540_000,
    connectTimeoutMs: 10_000,
    ssl: process.env.DB_SSL === 'true',
    applicationName: 'ceo-agent-db-migrate',
  });
}

export async function handler(event: MigrationEvent): Promise<MigrationResponse> {
  return handleMigrationEvent(event, {
    openDb: async () => openDb(),
    migrate: (db) => migrate(db),
    log,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}
