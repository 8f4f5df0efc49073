import { type CacheStack, createCacheStack, getCacheConfig } from '../cache';
import { emfSink } from '../observability/metrics';
import type { FunctionRoot } from './root';
import { hydrateProviderSecrets } from './secrets';

let shared: Promise<CacheStack> | undefined;

/**
 * The instance's cache stack (L1 + the configured L2 behind its breaker), shared by the answer caches, the rate
 * limiter and /health so one instance holds one Redis connection. Built once, after the provider secrets
 * (Upstash) are in the environment.
 */
export function getCacheStack(): Promise<CacheStack> {
  shared ??= hydrateProviderSecrets()
    .then(() => {
      const stack = createCacheStack(getCacheConfig(), emfSink);
      stack.warm();
      return stack;
    })
    .catch((err) => {
      shared = undefined;
      throw err;
    });
  return shared;
}

/** The function's cache stack (its profile must declare `cache`). */
export function cacheFor(root: FunctionRoot): Promise<CacheStack> {
  root.require('cache');
  return getCacheStack();
}
