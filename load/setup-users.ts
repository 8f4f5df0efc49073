/**
 * Creates the load test's users: N users spread over M orgs (each org with the demo's company metrics), in the
 * database of DATABASE_URL, or the PGlite folder PGLITE_DIR (the local runtime's, before it starts). Writes
 * `email,password` rows to a CSV the artillery scenario reads, one user per virtual user.
 *   npx tsx load/setup-users.ts --users 200 --orgs 20 [--out load/reports/users.csv] [--prefix load]
 * Idempotent per prefix: existing users are kept (their password is the prefix's, see below). Every user of a
 * run shares one scrypt hash (hashed once, same cost to verify): creating 1000 users takes seconds, and a
 * login still does the full scrypt work.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '../layers/core/src/auth/password';
import { createUser, findUserByEmail } from '../layers/core/src/auth/users';
import { migrate } from '../layers/core/src/db/migrate';
import { createPgDb } from '../layers/core/src/db/pg';
import type { Db } from '../layers/core/src/db/types';
import { createOrg } from '../layers/core/src/orgs/orgs';
import { demoMetricRows, insertMetricRows } from '../layers/core/src/orgs/seed';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '200' },
    orgs: { type: 'string', default: '20' },
    out: { type: 'string', default: 'load/reports/users.csv' },
    prefix: { type: 'string', default: 'load' },
  },
});
const users = Number(values.users);
const orgs = Math.max(1, Math.min(users, Number(values.orgs)));
const prefix = String(values.prefix).replace(/[^a-z0-9-]/gi, '');
// A load-test password, the same for every run of a prefix (these accounts exist only for load tests).
const password = process.env.LOAD_PASSWORD ?? `${prefix}-Load-Test-Password-1`;

async function open(): Promise<Db> {
  if (process.env.DATABASE_URL) {
    return createPgDb({
      connectionString: process.env.DATABASE_URL,
      poolMax: 4,
      statementTimeoutMs: 30_000,
      connectTimeoutMs: 5_000,
      ssl: process.env.DB_SSL === 'true',
    });
  }
  if (!process.env.PGLITE_DIR) throw new Error('set DATABASE_URL or PGLITE_DIR');
  const { createPgliteDb } = await import('../bin/local/pglite');
  return createPgliteDb({ dataDir: process.env.PGLITE_DIR });
}

const t0 = performance.now();
const db = await open();
await migrate(db);
const hash = await hashPassword(password);
const orgIds: string[] = [];
for (let o = 0; o < orgs; o++) {
  const email = `${prefix}-user-0@org${o}.load.test`;
  const existing = await findUserByEmail(db, email);
  if (existing) {
    orgIds.push(existing.org_id);
    continue;
  }
  const orgId = randomUUID();
  await createOrg(db, { orgId, name: `${prefix} org ${o}` });
  await insertMetricRows(db, orgId, demoMetricRows(12));
  orgIds.push(orgId);
}
const rows: string[] = [];
let created = 0;
for (let u = 0; u < users; u++) {
  const o = u % orgs;
  const email = `${prefix}-user-${Math.floor(u / orgs)}@org${o}.load.test`;
  if (!(await findUserByEmail(db, email))) {
    await createUser(db, {
      userId: randomUUID(),
      orgId: orgIds[o]!,
      email,
      passwordHash: hash,
      role: 'member',
    });
    created++;
  }
  rows.push(`${email},${password}`);
}
await db.close();
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${rows.join('\n')}\n`);
console.log(
  `setup-users: ${users} users (${created} new) across ${orgs} orgs in ${Math.round(performance.now() - t0)} ms → ${values.out}`,
);
