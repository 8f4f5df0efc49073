import type { Queryable } from '../db/types';
import { sha256Hex } from '../hash';

/**
 * Idempotency-Key records of the streaming analyze route, in Postgres (the route already has the database;
 * no DynamoDB grant for one table). One row per (org, user, key): the first request reserves the key with the
 * decision id it is about to store; a replay with the same key and body streams that decision; the same key
 * with another body is a 409. A run that failed, or one that has held the key longer than `staleAfterMs`
 * (its function died), gives the key to the next request.
 */
export interface StreamKeyRecord {
  decision_id: string;
  body_hash: string;
  status: 'running' | 'succeeded' | 'failed';
}

export type ReserveResult = { reserved: true } | { reserved: false; existing: StreamKeyRecord };

export function hashOf(value: unknown): string {
  return sha256Hex(JSON.stringify(value));
}

export function streamKeyHash(key: string): string {
  return sha256Hex(`stream:${key}`);
}

export async function reserveStreamKey(
  db: Queryable,
  k: {
    orgId: string;
    userId: string;
    key: string;
    bodyHash: string;
    decisionId: string;
    staleAfterMs: number;
  },
): Promise<ReserveResult> {
  const keyHash = streamKeyHash(k.key);
  // Take the key when it is free, when its run failed, or when its holder is long gone.
  const r = await db.query<StreamKeyRecord>(
    `INSERT INTO stream_idempotency (org_id, user_id, key_hash, body_hash, decision_id)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (org_id, user_id, key_hash) DO UPDATE
       SET body_hash = EXCLUDED.body_hash, decision_id = EXCLUDED.decision_id, status = 'running',
           created_at = now(), updated_at = now()
       WHERE stream_idempotency.body_hash = EXCLUDED.body_hash
         AND (stream_idempotency.status = 'failed'
              OR (stream_idempotency.status = 'running'
                  AND stream_idempotency.updated_at < now() - make_interval(secs => $6::double precision / 1000)))
     RETURNING decision_id`,
    [k.orgId, k.userId, keyHash, k.bodyHash, k.decisionId, k.staleAfterMs],
  );
  if (r.rows[0]?.decision_id === k.decisionId) return { reserved: true };
  const existing = await readStreamKey(db, k.orgId, k.userId, k.key);
  if (!existing) return reserveStreamKey(db, k);
  return { reserved: false, existing };
}

export async function readStreamKey(
  db: Queryable,
  orgId: string,
  userId: string,
  key: string,
): Promise<StreamKeyRecord | undefined> {
  const r = await db.query<StreamKeyRecord>(
    `SELECT decision_id, body_hash, status FROM stream_idempotency
     WHERE org_id = $1 AND user_id = $2 AND key_hash = $3`,
    [orgId, userId, streamKeyHash(key)],
  );
  return r.rows[0];
}

export async function finishStreamKey(
  db: Queryable,
  k: { orgId: string; userId: string; key: string; decisionId: string; ok: boolean },
): Promise<void> {
  await db.query(
    `UPDATE stream_idempotency SET status = $5, updated_at = now()
     WHERE org_id = $1 AND user_id = $2 AND key_hash = $3 AND decision_id = $4`,
    [k.orgId, k.userId, streamKeyHash(k.key), k.decisionId, k.ok ? 'succeeded' : 'failed'],
  );
}
