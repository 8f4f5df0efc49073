import { randomUUID } from 'node:crypto';
import type { Queryable } from '#core/db/types';
import { makeTenant } from '../../support/fixtures';

/** A tenant with one user (the shared fixture). */
export const createOrg = (db: Queryable, name = 'Org') => makeTenant(db, name);

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
