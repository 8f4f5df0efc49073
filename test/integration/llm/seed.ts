import { randomUUID } from 'node:crypto';
import type { Queryable } from '#core/db/types';
import { makeTenant } from '../../support/fixtures';

/** Test fixtures for the agent's database-backed skills, built in code. */
export const seedOrg = (db: Queryable, name = 'Acme') => makeTenant(db, name);

export async function seedMetric(
  db: Queryable,
  orgId: string,
  metric: string,
  unit: string,
  points: Array<[period: string, value: number]>,
): Promise<void> {
  for (const [period, value] of points) {
    await db.query(
      'INSERT INTO company_metrics (org_id, metric, period, value, unit) VALUES ($1, $2, $3, $4, $5)',
      [orgId, metric, period, value, unit],
    );
  }
}

export async function seedDecision(
  db: Queryable,
  ids: { orgId: string; userId: string },
  query: string,
  recommendation: string,
  createdAt = new Date(),
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO decisions (decision_id, org_id, user_id, query, result, recommendation, confidence, model, answered_from, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'agent', $9)`,
    [
      id,
      ids.orgId,
      ids.userId,
      query,
      JSON.stringify({ recommendation }),
      recommendation,
      0.7,
      'offline',
      createdAt,
    ],
  );
  return id;
}
