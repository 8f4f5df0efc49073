/**
 * `npm start`: the local runtime. Serves every route over HTTP on embedded defaults — PGlite (with pgvector)
 * persisted under .data/ unless DATABASE_URL is set — and prints where it listens and the demo login.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

process.env.STAGE ??= 'local';
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LOG_LEVEL ?? 'WARN';
// Metrics stay on: their EMF lines are captured (not printed) and drawn by the local dashboard (/dashboard).
const { installEmfCapture } = await import('./local/emf-capture');
const emf =
  process.env.POWERTOOLS_METRICS_DISABLED === 'true'
    ? undefined
    : installEmfCapture({ echo: process.env.LOCAL_EMF_ECHO === 'true' });
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// One process serves every request here (a Lambda instance serves one at a time: 2 there); with 2, a burst of
// cache hits queued for a connection and answered 503 after DB_CONNECT_TIMEOUT_MS.
process.env.DB_POOL_MAX ??= '10';
if (!process.env.DATABASE_URL && !process.env.PGLITE_DIR) {
  process.env.PGLITE_DIR = resolve(process.env.DATA_DIR ?? '.data', 'pglite');
}
if (process.env.PGLITE_DIR) mkdirSync(process.env.PGLITE_DIR, { recursive: true });

const { getConfig } = await import('#core/config');
const { getDb, registerLocalDb } = await import('#core/runtime/db');
const { createPgliteDb } = await import('./local/pglite');
const { DEMO } = await import('#core/orgs/seed');
const { startLocalServer } = await import('./local/server');

const config = getConfig();
const { readLock, writeLock } = await import('./local/lock');
if (config.PGLITE_DIR && !process.env.DATABASE_URL) {
  const held = readLock(config.PGLITE_DIR);
  if (held) {
    console.error(
      `Another local runtime (pid ${held.pid}) already uses ${config.PGLITE_DIR}: stop it or set DATA_DIR.`,
    );
    process.exit(3);
  }
}
// The embedded database is injected here, never imported by code a Lambda bundles.
registerLocalDb((c) => createPgliteDb({ dataDir: c.PGLITE_DIR }));
const t0 = performance.now();
const db = await getDb(config);
// In-process DynamoDB + SQS (unless real endpoints are configured) and the poller that feeds the worker the
// way Lambda's event source mapping does. Started before any handler is imported: they read the endpoints.
const { startLocalJobs } = await import('./local/aws/local-jobs');
const jobs = await startLocalJobs({
  // the jobs table (and Idempotency-Keys) survive a restart; unfinished jobs are queued again at start
  persistDir: resolve(process.env.DATA_DIR ?? '.data', 'dynamodb'),
  loadWorker: async () => (await import('../functions/analysis-worker/handler')).handler,
  onError: (err) => console.error('[local] worker poller:', err),
});
const caps = await db.capabilities();
const { registerDashboard, sqsJobsGauge } = await import('./local/dashboard');
const queueGauge = jobs.aws
  ? sqsJobsGauge({
      region: jobs.aws.region,
      endpoint: jobs.aws.sqsEndpoint,
      queueUrl: jobs.aws.queueUrl,
      dlqUrl: jobs.aws.dlqUrl,
    })
  : undefined;
if (emf) registerDashboard(emf.store, { jobsGauge: queueGauge?.gauge });
const server = await startLocalServer({
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
});

// Scripts (create-user, import-metrics) refuse to open the embedded database while this process holds it.
const unlock =
  db.kind === 'pglite' && config.PGLITE_DIR ? writeLock(config.PGLITE_DIR, server.url) : () => {};
console.log(
  `ceo-agent local runtime listening on ${server.url}  (ready in ${Math.round(performance.now() - t0)} ms)`,
);
console.log(
  `  database: ${db.kind}${db.kind === 'pglite' ? ` at ${config.PGLITE_DIR}` : ''}, pgvector: ${caps.vector ? 'yes' : 'no'}`,
);
console.log(
  `  jobs:     ${jobs.aws ? `in-process DynamoDB (dynalite, kept in ${resolve(process.env.DATA_DIR ?? '.data', 'dynamodb')}; ${jobs.aws.requeued} unfinished re-queued) + SQS (fauxqs)` : 'configured DynamoDB/SQS endpoints'}; worker polling the queue`,
);
console.log(
  `  model:    ${process.env.ANTHROPIC_API_KEY || process.env.ANTHROPIC_BASE_URL ? 'Claude (Anthropic API)' : 'offline (no ANTHROPIC_API_KEY set)'}`,
);
if (config.SEED_DEMO) console.log(`  demo login: ${DEMO.email} / ${DEMO.password}`);
console.log(`  try: curl -s ${server.url}/health`);
console.log(
  `  docs:     ${server.url}/docs (OpenAPI: ${server.url}/openapi.json)${emf ? `; dashboard: ${server.url}/dashboard` : ''}`,
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: shutting down…`);
  const force = setTimeout(() => process.exit(1), 5_000);
  force.unref();
  await server.close();
  queueGauge?.close();
  await jobs.stop();
  await db.close();
  unlock();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
