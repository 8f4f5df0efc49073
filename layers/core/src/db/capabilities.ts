import type { DbCapabilities, Queryable } from './types';

export async function detectCapabilities(db: Queryable): Promise<DbCapabilities> {
  const r = await db.query<{ present: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS present",
  );
  return { vector: r.rows[0]?.present === true };
}
