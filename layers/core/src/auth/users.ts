import type { Queryable } from '../db/types';

/** The `users` table: who may log in, to which org, with which role. */

export interface UserRecord {
  user_id: string;
  org_id: string;
  email: string;
  password_hash: string;
  role: 'admin' | 'member' | 'viewer';
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRecord | undefined> {
  const r = await db.query<UserRecord>(
    'SELECT user_id, org_id, email, password_hash, role FROM users WHERE lower(email) = lower($1)',
    [email],
  );
  return r.rows[0];
}

export async function createUser(
  db: Queryable,
  u: { userId: string; orgId: string; email: string; passwordHash: string; role?: UserRecord['role'] },
): Promise<void> {
  await db.query(
    `INSERT INTO users (user_id, org_id, email, password_hash, role) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [u.userId, u.orgId, u.email, u.passwordHash, u.role ?? 'member'],
  );
}
