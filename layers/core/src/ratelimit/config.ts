import * as z from 'zod';
import { parseEnv } from '../env';

/** Rate-limit settings, read once from the environment (0 disables a limit). All windows are 60 s, sliding. */
const Schema = z.object({
  /** analyze + stream requests per user per minute */
  RATE_LIMIT_ANALYZE_PER_MIN: z.coerce.number().int().min(0).max(100_000).default(120),
  /** login attempts per email per minute (a successful login is given back) */
  RATE_LIMIT_LOGIN_PER_MIN: z.coerce.number().int().min(0).max(100_000).default(20),
  /** login attempts per source IP per minute */
  RATE_LIMIT_LOGIN_IP_PER_MIN: z.coerce.number().int().min(0).max(100_000).default(60),
  /** login attempts per minute across the whole deployment (bounds the scrypt work a spray can cause) */
  RATE_LIMIT_LOGIN_GLOBAL_PER_MIN: z.coerce.number().int().min(0).max(1_000_000).default(1_200),
  /**
   * Failed logins per email per minute after which this instance refuses that email by itself, whatever
   * Redis says (fails closed; 0 = off).
   */
  RATE_LIMIT_LOGIN_LOCAL_FAILURES: z.coerce.number().int().min(0).max(10_000).default(10),
  /**
   * Expected number of instances sharing the limits. When Redis is unreachable each instance enforces its
   * share, ceil(limit / instances), on its own.
   */
  RATE_LIMIT_INSTANCES: z.coerce.number().int().min(1).max(10_000).default(1),
  /** Time budget of one limiter call to Redis (its own; not the cache's fail-fast CACHE_L2_TIMEOUT_MS). */
  RATE_LIMIT_REDIS_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(500),
});

export type RateLimitConfig = z.infer<typeof Schema>;

export function loadRateLimitConfig(env: NodeJS.ProcessEnv = process.env): RateLimitConfig {
  return parseEnv(Schema, env, 'rate limit');
}

/** Fills the defaults for a partial configuration (tests, benchmarks). */
export function rateLimitConfig(partial: Partial<RateLimitConfig> = {}): RateLimitConfig {
  return { ...Schema.parse({}), ...partial };
}
