import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../../layers/core/src/db/types';

export async function createOrg(db: Queryable, name = 'Org'): Promise<{ orgId: string; userId: string }> {
  const orgId = randomUUID();
  const userId = randomUUID();
  await db.query('INSERT INTO orgs (org_id, name) VALUES ($1, $2)', [orgId, name]);
  await db.query('INSERT INTO users (user_id, org_id, email, password_hash) VALUES ($1, $2, $3, $4)', [
    userId,
    orgId,
    `${userId}@example.test`,
    'not-a-real-hash',
  ]);
  return { orgId, userId };
}

export async function insertDecision(
  db: Queryable,
  d: { orgId: string; userId: string; query: string; recommendation: string; confidence?: number },
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO decisions (decision_id, org_id, user_id, query, result, recommendation, confidence, model, answered_from)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, 'claude-sonnet-5-5', 'agent')`,
    [
      id,
      d.orgId,
      d.userId,
      d.query,
      JSON.stringify({ recommendation: d.recommendation }),
      d.recommendation,
      d.confidence ?? 0.8,
    ],
  );
  return id;
}
