import type { Queryable } from '../db/types';

/**
 * The org's data version (part of every answer key) cached per instance for a short time: reading it was one of
 * the two statements of every cache hit. A change made in this process (insertMetricRows) is seen at once;
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
