import * as z from 'zod';
import { buildCacheKey } from '../cache/keys';
import type { L2 } from '../cache/l2';
import { RateLimitedError } from '../errors';
import type { MetricsSink } from '../observability/metrics';

/** Per-minute limits, read once from the environment (0 disables a limit). */
const Schema = z.object({
  RATE_LIMIT_ANALYZE_PER_MIN: z.coerce.number().int().min(0).max(100_000).default(120),
  RATE_LIMIT_LOGIN_PER_MIN: z.coerce.number().int().min(0).max(100_000).default(20),
});

export type RateLimitConfig = z.infer<typeof Schema>;

export function loadRateLimitConfig(env: NodeJS.ProcessEnv = process.env): RateLimitConfig {
  return Schema.parse(env);
}

export type Limit = 'analyze' | 'login';

const WINDOW_MS = 60_000;

/**
 * Fixed-window limits shared by every instance through the L2 (`INCR` + `PEXPIRE` on
 * `v1:{org}:ratelimit:{limit}:{sha256(subject, window)}`). Fails open: without an L2, or when Redis is slow
 * or down (the guarded L2 times out and trips its breaker), requests are allowed and a metric says so —
 * an unavailable cache never turns into refused requests.
 */
export class RateLimiter {
  constructor(
    private readonly l2: L2 | null,
    private readonly config: RateLimitConfig,
    private readonly metrics: MetricsSink,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws RateLimitedError (429 + Retry-After) when `subject` used up this minute's allowance. */
  async check(limit: Limit, scope: { org: string; subject: string }): Promise<void> {
    const max =
      limit === 'analyze' ? this.config.RATE_LIMIT_ANALYZE_PER_MIN : this.config.RATE_LIMIT_LOGIN_PER_MIN;
    if (max === 0 || !this.l2) return;
    const t = this.now();
    const window = Math.floor(t / WINDOW_MS);
    const key = buildCacheKey({
      org: scope.org,
      kind: 'ratelimit',
      name: limit,
      parts: { s: scope.subject, w: window },
    });
    let count: number;
    try {
      count = await this.l2.incr(key, WINDOW_MS + 1_000);
    } catch {
      this.metrics.count('RateLimitUnavailable', { limit });
      return;
    }
    if (count > max) {
      this.metrics.count('RateLimited', { limit });
      throw new RateLimitedError(((window + 1) * WINDOW_MS - t) / 1000);
    }
  }
}
