import * as z from 'zod';
import { parseEnv } from './env';

/**
 * Typed configuration, read from the environment and validated once per cold start (`getConfig()`).
 * Every variable is listed in the README's configuration table.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ConfigSchema = z.object({
  STAGE: z.string().min(1).default('local'),
  SERVICE_VERSION: z.string().default('0.1.0'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']).default('INFO'),

  // Postgres: DATABASE_URL (RDS Proxy endpoint in AWS) or the embedded PGlite under PGLITE_DIR.
  DATABASE_URL: z.string().url().optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(2),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  /**
   * Idle pooled connections are closed after this, and one idle longer is never reused (also across a Lambda
   * freeze); below what closes them on the other side (RDS Proxy's idle client time-out, or DB_IDLE_SESSION_TIMEOUT_MS).
   */
  DB_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(1_800_000).default(600_000),
  /** The server's idle_session_timeout for our sessions (startup parameter; 0 = the server's own setting). */
  DB_IDLE_SESSION_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(0),
  DB_SSL: bool.default(false),
  /** RDS Proxy IAM authentication: DATABASE_URL has a user but no password; a signed token is used per connection. */
  DB_IAM_AUTH: bool.default(false),
  AWS_REGION: z.string().default('us-east-1'),
  PGLITE_DIR: z.string().optional(),
  /** Apply migrations at first use (local runtime/tests). In AWS they run in the deploy step. */
  AUTO_MIGRATE: bool.optional(),
  /** Create the demo org, user and metrics when missing (local runtime only by default). */
  SEED_DEMO: bool.optional(),

  // Auth. In AWS the secret comes from Secrets Manager: JWT_SECRET_ARN (read at first use, cached 5 min).
  JWT_SECRET_ARN: z.string().min(20).optional(),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  JWT_ISSUER: z.string().default('ceo-agent'),
  JWT_AUDIENCE: z.string().default('ceo-agent-api'),

  // HTTP
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(6_000_000).default(65_536),
  CORS_ORIGIN: z.string().default('*'),
  MAX_QUERY_CHARS: z.coerce.number().int().min(10).max(20_000).default(4_000),
  /** Streaming route: a heartbeat comment after this much silence; the `retry:` clients are told to use. */
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(50).max(60_000).default(15_000),
  SSE_RETRY_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
});

export type Config = Omit<z.infer<typeof ConfigSchema>, 'AUTO_MIGRATE' | 'SEED_DEMO'> & {
  /**
   * JWT_SECRET, the dev secret in local/test, or empty (from JWT_SECRET_ARN, or not configured). Only the
   * functions that sign or verify tokens require one, when they first use it (auth/jwt-settings).
   */
  jwtSecret: string;
  AUTO_MIGRATE: boolean;
  SEED_DEMO: boolean;
};

/** Local/dev default secret. Refused outside local/test stages (auth/jwt-settings). */
export const DEV_JWT_SECRET = 'local-development-secret-change-me-0123456789';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const c = parseEnv(ConfigSchema, env, 'core');
  const isLocal = c.STAGE === 'local' || c.STAGE === 'test';
  return {
    ...c,
    jwtSecret: c.JWT_SECRET ?? (c.JWT_SECRET_ARN || !isLocal ? '' : DEV_JWT_SECRET),
    AUTO_MIGRATE: c.AUTO_MIGRATE ?? isLocal,
    SEED_DEMO: c.SEED_DEMO ?? c.STAGE === 'local',
  };
}

let cached: Config | undefined;

/** The process-wide config, validated on first use (cold start). */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/** For tests and the local runtime, which set env vars before the handlers' first use. */
export function resetConfigForTests(): void {
  cached = undefined;
}
