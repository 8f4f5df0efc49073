export {
  type AnswerKeyInput,
  buildAnswerCacheKey,
  hashContext,
  normalizeQuery,
  queryHash,
} from './answer-key';
export {
  type AnswerCache,
  type AnswerOrigin,
  type AnswerResult,
  type ComputedAnswer,
  createAnswerCache,
} from './answers';
export { type BreakerState, CircuitBreaker, CircuitOpenError } from './circuit-breaker';
export { type Clock, systemClock } from './clock';
export {
  CACHE_KINDS,
  type CacheConfig,
  type CacheKind,
  getCacheConfig,
  type KindPolicy,
  type L2Choice,
  loadCacheConfig,
} from './config';
export { guardL2 } from './guarded-l2';
export { buildCacheKey, type CacheKey, type CacheKeyInput } from './keys';
export { L1Cache } from './l1';
export { type L2, L2TimeoutError } from './l2';
export { createIoredisL2 } from './l2-ioredis';
export { createUpstashL2 } from './l2-upstash';
export {
  createSemanticCache,
  type SemanticCache,
  type SemanticCacheConfig,
  type SemanticLookupInput,
  type SemanticLookupResult,
  type SemanticScope,
  type SemanticStatus,
  type SemanticStoreInput,
  type SemanticStoreResult,
} from './semantic';
export { type CacheStack, type CacheStackOptions, createCacheStack } from './stack';
export { type CacheLevel, type CacheResult, type GetOrLoadOptions, TieredCache } from './tiered';
