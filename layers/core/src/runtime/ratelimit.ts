import { emfSink } from '../observability/metrics';
import { loadRateLimitConfig, RateLimiter } from '../ratelimit/limiter';
import { getCacheStack } from './cache';

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
