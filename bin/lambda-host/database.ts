import { createPgDb } from '#core/db/pg';
import { DEMO, seedDemo } from '#core/orgs/seed';

/**
 * The one PostgreSQL every function instance shares (each instance is its own process with its own pool):
 * the server named by DATABASE_URL, else an embedded PostgreSQL started for this run (see embedded-postgres.ts).
 */
export interface Database {
  url: string;
  describe: string;
  seedDemo(): Promise<void>;
  stop(): Promise<void>;
}

export async function openDatabase(opts: {
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  workDir: string;
}): Promise<Database> {
  let url = opts.env.DATABASE_URL;
  let describe = url ? `PostgreSQL at ${redact(url)} (DATABASE_URL)` : '';
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const { startEmbeddedPostgres } = await import('./embedded-postgres');
    const embedded = await startEmbeddedPostgres({ workDir: opts.workDir, log: opts.log });
    url = embedded.url;
    describe = embedded.describe;
    stopEmbedded = embedded.stop;
  }
  const databaseUrl = url;
  return {
    url: databaseUrl,
    describe,
    async seedDemo() {
      const db = createPgDb({
        connectionString: databaseUrl,
        poolMax: 1,
        statementTimeoutMs: 30_000,
        connectTimeoutMs: 5_000,
        applicationName: 'ceo-agent-lambda-host',
      });
      try {
        const { created } = await seedDemo(db);
        opts.log(`[host] demo tenant ${created ? 'created' : 'present'}: ${DEMO.email}`);
      } finally {
        await db.close();
      }
    },
    async stop() {
      await stopEmbedded?.();
    },
  };
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
