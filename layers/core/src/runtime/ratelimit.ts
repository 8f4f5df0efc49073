import { emfSink } from '../observability/metrics';
import { loadRateLimitConfig, RateLimiter } from '../ratelimit/limiter';
import { getCacheStack } from './cache';
import { hydrateProviderSecrets } from './secrets';

let shared: Promise<RateLimiter> | undefined;

/** The instance's rate limiter over the shared L2 (no L2 → no limits). */
export function getRateLimiter(): Promise<RateLimiter> {
  shared ??= (async () => {
    await hydrateProviderSecrets();
    return new RateLimiter(getCacheStack().l2, loadRateLimitConfig(), emfSink);
  })().catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}
