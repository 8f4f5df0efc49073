import type { DbCapabilities, Queryable } from './types';

export async function detectCapabilities(db: Queryable): Promise<DbCapabilities> {
  const r = await db.query<{ present: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS present",
  );
  return { vector: r.rows[0]?.present === true };
}

/** Rejects with a time-out error when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
