/**
 * Imports an org's company metrics (CSV `metric,period,value[,unit]` or JSON `{"metrics":[…]}`) into the
 * database of DATABASE_URL (PGlite under .data/ when unset) — the same validation, transaction, upsert and
 * data-version bump as `POST /api/v1/org/metrics`. Refuses while `npm start` holds the embedded database
 * (use the route then).
 *   npx tsx scripts/import-metrics.ts --org-id UUID --file metrics.csv
 *   npx tsx scripts/import-metrics.ts --email ceo@example.com --file metrics.json
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findUserByEmail } from '#core/auth/users';
import { loadConfig } from '#core/config';
import { migrate } from '#core/db/migrate';
import { isAppError } from '#core/errors';
import { importMetrics, parseMetricsCsv, validateMetricRows } from '#core/orgs/metrics-import';
import { getDb, registerLocalDb } from '#core/runtime/db';
import { refuseWhileLocked } from '../bin/local/lock';
import { createPgliteDb } from '../bin/local/pglite';

const { values } = parseArgs({
  options: { 'org-id': { type: 'string' }, email: { type: 'string' }, file: { type: 'string' } },
});
if (!values.file || (!values['org-id'] && !values.email)) {
  console.error(
    'usage: import-metrics (--org-id UUID | --email ADMIN_EMAIL) --file metrics.csv|metrics.json',
  );
  process.exit(2);
}
const text = readFileSync(values.file, 'utf8');
let rows: ReturnType<typeof validateMetricRows>;
try {
  rows = validateMetricRows(
    values.file.toLowerCase().endsWith('.csv') ? { metrics: parseMetricsCsv(text) } : JSON.parse(text),
  );
} catch (err) {
  const details = isAppError(err) ? err.details : undefined;
  console.error(
    `import-metrics: ${(err as Error).message}${details ? `\n${JSON.stringify(details, null, 2)}` : ''}`,
  );
  process.exit(1);
}
if (!process.env.DATABASE_URL) process.env.PGLITE_DIR ??= resolve(process.env.DATA_DIR ?? '.data', 'pglite');
refuseWhileLocked(
  'import-metrics',
  process.env.DATABASE_URL ? undefined : process.env.PGLITE_DIR,
  'import through the running server: POST /api/v1/org/metrics (see README)',
);
const config = loadConfig({ ...process.env, STAGE: process.env.STAGE ?? 'local', SEED_DEMO: 'false' });
registerLocalDb((c) => createPgliteDb({ dataDir: c.PGLITE_DIR }));
const db = await getDb(config);
await migrate(db);
let orgId = values['org-id'];
if (orgId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(orgId)) {
  console.error('import-metrics: --org-id must be a UUID');
  process.exit(2);
}
if (!orgId) {
  const user = await findUserByEmail(db, values.email!);
  if (!user) {
    console.error(`import-metrics: no user ${values.email}`);
    process.exit(1);
  }
  orgId = user.org_id;
}
const exists = await db.query('SELECT 1 FROM orgs WHERE org_id = $1', [orgId]);
if (exists.rowCount === 0) {
  console.error(`import-metrics: no org ${orgId}`);
  process.exit(1);
}
console.log(JSON.stringify(await importMetrics(db, orgId, rows)));
await db.close();
