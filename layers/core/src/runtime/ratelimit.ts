import { emfSink } from '../observability/metrics';
import { loadRateLimitConfig, RateLimiter } from '../ratelimit/limiter';
import { getCacheStack } from './cache';
import type { FunctionRoot } from './root';

let shared: Promise<RateLimiter> | undefined;

/** The instance's rate limiter over the shared L2 (no L2 → no limits). */
export function getRateLimiter(): Promise<RateLimiter> {
  shared ??= (async () => {
    return new RateLimiter((await getCacheStack()).l2, loadRateLimitConfig(), emfSink);
  })().catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** The function's rate limiter, over its cache (its profile must declare `cache`). */
export function rateLimiterFor(root: FunctionRoot): Promise<RateLimiter> {
  root.require('cache');
  return getRateLimiter();
}
