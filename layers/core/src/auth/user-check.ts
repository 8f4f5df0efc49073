import { LRUCache } from 'lru-cache';
import * as z from 'zod';
import type { Queryable } from '../db/types';
import { parseEnv } from '../env';
import { UnauthorizedError } from '../errors';
import type { AuthContext } from './jwt';

const Schema = z.object({
  /** How long one instance trusts a token's "the user exists" check (0 = check every request). */
  AUTH_USER_CACHE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(30),
});

export function loadUserCheckConfig(env: NodeJS.ProcessEnv = process.env): { ttlMs: number } {
  return { ttlMs: parseEnv(Schema, env, 'auth').AUTH_USER_CACHE_SECONDS * 1000 };
}

export interface UserCheckOptions {
  ttlMs: number;
  /** Tokens remembered per instance. */
  max?: number;
}

/**
 * A valid signature is not enough: the token's user must still exist in the token's org. Checked once per
 * token and remembered per instance for `ttlMs` (both answers), so a deleted user is refused (401) before
 * any work, at the cost of one indexed lookup per token and instance. Concurrent requests with one token
 * share one lookup.
 */
export function createUserCheck(db: () => Promise<Queryable>, opts: UserCheckOptions) {
  const cache =
    opts.ttlMs > 0
      ? new LRUCache<string, Promise<boolean>>({ max: opts.max ?? 10_000, ttl: opts.ttlMs })
      : undefined;
  const lookup = async (auth: AuthContext): Promise<boolean> => {
    const r = await (await db()).query<{ one: number }>(
      'SELECT 1 AS one FROM users WHERE user_id = $1 AND org_id = $2',
      [auth.userId, auth.orgId],
    );
    return r.rows.length > 0;
  };
  return async (token: string, auth: AuthContext): Promise<void> => {
    // the signature part identifies the token
    const id = token.slice(token.lastIndexOf('.') + 1);
    let known = cache?.get(id);
    if (!known) {
      known = lookup(auth);
      cache?.set(id, known);
      // a failed lookup (database down) is not remembered
      known.catch(() => cache?.delete(id));
    }
    if (!(await known))
      throw new UnauthorizedError('The account behind this token no longer exists', 'invalid_token');
  };
}
