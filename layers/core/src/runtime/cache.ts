import { type CacheStack, createCacheStack, getCacheConfig } from '../cache';
import { emfSink } from '../observability/metrics';

let shared: CacheStack | undefined;

/**
 * The instance's cache stack (L1 + the configured L2 behind its breaker), shared by the answer caches and
 * the rate limiter so one instance holds one Redis connection. Provider secrets (Upstash) must already be
 * in the environment (`hydrateProviderSecrets`).
 */
export function getCacheStack(): CacheStack {
  if (!shared) {
    shared = createCacheStack(getCacheConfig(), emfSink);
    shared.warm();
  }
  return shared;
}
