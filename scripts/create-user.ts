/**
 * Creates an org (when new) and a user with a scrypt-hashed password in the database of DATABASE_URL
 * (PGlite under .data/ when unset). For a deployed stage, run it with DATABASE_URL pointing at the cluster
 * (e.g. through a bastion or the RDS Query Editor's connection) — there is no sign-up route by design.
 *   npx tsx scripts/create-user.ts --email ceo@example.com --password '…' --org "Example Inc" [--org-id UUID] [--role admin]
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '#core/auth/password';
import { createUser, findUserByEmail } from '#core/auth/users';
import { loadConfig } from '#core/config';
import { migrate } from '#core/db/migrate';
import { createOrg } from '#core/orgs/orgs';
import { getDb, registerLocalDb } from '#core/runtime/db';
import { refuseWhileLocked } from '../bin/local/lock';
import { createPgliteDb } from '../bin/local/pglite';

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    org: { type: 'string' },
    'org-id': { type: 'string' },
    role: { type: 'string', default: 'member' },
  },
});
const role = values.role as 'admin' | 'member' | 'viewer';
if (
  !values.email ||
  !values.password ||
  (!values.org && !values['org-id']) ||
  !['admin', 'member', 'viewer'].includes(role)
) {
  console.error(
    'usage: create-user --email E --password P (--org NAME | --org-id UUID) [--role admin|member|viewer]',
  );
  process.exit(2);
}
if (values.password.length < 12) {
  console.error('create-user: the password must have at least 12 characters');
  process.exit(2);
}
if (!process.env.DATABASE_URL) process.env.PGLITE_DIR ??= resolve(process.env.DATA_DIR ?? '.data', 'pglite');
refuseWhileLocked('create-user', process.env.DATABASE_URL ? undefined : process.env.PGLITE_DIR, '');
const config = loadConfig({ ...process.env, STAGE: process.env.STAGE ?? 'local', SEED_DEMO: 'false' });
registerLocalDb((c) => createPgliteDb({ dataDir: c.PGLITE_DIR }));
const db = await getDb(config);
await migrate(db);
if (await findUserByEmail(db, values.email)) {
  console.error(`create-user: ${values.email} already exists`);
  process.exit(1);
}
const orgId = values['org-id'] ?? randomUUID();
if (values.org) await createOrg(db, { orgId, name: values.org });
const userId = randomUUID();
await createUser(db, {
  userId,
  orgId,
  email: values.email,
  passwordHash: await hashPassword(values.password),
  role,
});
console.log(JSON.stringify({ user_id: userId, org_id: orgId, email: values.email, role }));
await db.close();
