import type { Queryable } from '../db/types';

/**
 * The `org_data_versions` table: one counter per org, bumped when the org's data (company metrics) changes.
 * It is part of every answer-cache key, so answers computed from older data are not served again.
 *
 * The org's data version (part of every answer key) cached per instance for a short time: reading it was one of
 * the two statements of every cache hit. A change made in this process (`bumpDataVersion`) is seen at once;
 * one made elsewhere within DATA_VERSION_CACHE_MS (default 2 s; 0 = read every time), after which the answer
 * caches miss as before. Concurrent requests of one org share one read.
 */
const ttlMs = () => {
  const v = Number(process.env.DATA_VERSION_CACHE_MS ?? 2_000);
  return Number.isFinite(v) && v >= 0 ? v : 2_000;
};

const MAX_ORGS = 10_000;
const cache = new Map<string, { at: number; version: Promise<number> }>();

async function read(db: Queryable, orgId: string): Promise<number> {
  const r = await db.query<{ version: number }>('SELECT version FROM org_data_versions WHERE org_id = $1', [
    orgId,
  ]);
  return Number(r.rows[0]?.version ?? 0);
}

export function dataVersionOf(db: Queryable, orgId: string, now = Date.now()): Promise<number> {
  const ttl = ttlMs();
  if (ttl === 0) return read(db, orgId);
  const hit = cache.get(orgId);
  if (hit && now - hit.at < ttl) return hit.version;
  const version = read(db, orgId);
  if (cache.size >= MAX_ORGS) cache.clear();
  const entry = { at: now, version };
  cache.set(orgId, entry);
  // a failed read is not kept
  version.catch(() => {
    if (cache.get(orgId) === entry) cache.delete(orgId);
  });
  return version;
}

/** The org's data changed in this process: the next request reads the version again. */
export function invalidateDataVersion(orgId?: string): void {
  if (orgId === undefined) cache.clear();
  else cache.delete(orgId);
}

/** A new org starts at version 0 (idempotent). */
export async function initDataVersion(db: Queryable, orgId: string): Promise<void> {
  await db.query('INSERT INTO org_data_versions (org_id) VALUES ($1) ON CONFLICT (org_id) DO NOTHING', [
    orgId,
  ]);
}

/**
 * The org's data changed: version + 1 (1 for an org without a row). `db` may be the transaction that changed
 * the data; this process's cached version is dropped at once.
 */
export async function bumpDataVersion(db: Queryable, orgId: string): Promise<number> {
  const r = await db.query<{ version: string }>(
    `INSERT INTO org_data_versions (org_id, version) VALUES ($1, 1)
     ON CONFLICT (org_id) DO UPDATE SET version = org_data_versions.version + 1, updated_at = now()
     RETURNING version::text`,
    [orgId],
  );
  invalidateDataVersion(orgId);
  return Number(r.rows[0]?.version ?? 0);
}

/** The org's version and when it last changed (ISO 8601, ms, Z), read now (no per-instance cache). */
export async function readDataVersion(
  db: Queryable,
  orgId: string,
): Promise<{ version: number; updatedAt: string | null }> {
  const r = await db.query<{ version: string; updated_at: string }>(
    `SELECT version::text, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
       FROM org_data_versions WHERE org_id = $1`,
    [orgId],
  );
  const row = r.rows[0];
  return { version: Number(row?.version ?? 0), updatedAt: row?.updated_at ?? null };
}
