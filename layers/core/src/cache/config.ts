import * as z from 'zod';
import { configError, parseEnv } from '../env';
import type { VerifierSettings } from '../llm/question-verifier';

/**
 * Cache configuration (L1, L2, stampede control, semantic answer cache), read from the environment once.
 * Every variable is documented in docs/caching.md.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const seconds = (def: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(def);

const CacheEnvSchema = z.object({
  CACHE_L2: z.enum(['redis', 'upstash', 'none']).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss:// (TLS)')
    .optional(),
  UPSTASH_REDIS_REST_URL: z.string().url().optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
  CACHE_KEY_VERSION: z.coerce.number().int().min(1).default(1),
  CACHE_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]*$/)
    .default(''),
  CACHE_L1_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(16 * 1024 * 1024),
  CACHE_L1_MAX_ENTRY_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1024 * 1024),
  CACHE_L1_TTL_S: seconds(60),
  CACHE_L2_TTL_ANSWER_S: seconds(900),
  CACHE_L2_TTL_SKILL_S: seconds(600),
  CACHE_L2_TTL_RETRIEVAL_S: seconds(300),
  CACHE_L2_TTL_ORG_DATA_S: seconds(1800),
  CACHE_TTL_JITTER: z.coerce.number().min(0).max(0.5).default(0.1),
  CACHE_L2_TIMEOUT_MS: z.coerce.number().int().min(5).max(5_000).default(100),
  CACHE_L2_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1_000),
  CACHE_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1_000).default(5),
  CACHE_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  SEMANTIC_CACHE_ENABLED: bool.default(true),
  SEMANTIC_CACHE_THRESHOLD: z.coerce.number().min(0).max(1).optional(),
  SEMANTIC_CACHE_TTL_S: seconds(86_400),
  SEMANTIC_CACHE_CANDIDATES: z.coerce.number().int().min(1).max(50).default(5),
  /** The borderline verifier: on when Claude is configured, unless turned off. */
  SEMANTIC_VERIFIER_ENABLED: bool.default(true),
  SEMANTIC_VERIFIER_MODEL: z.string().min(1).default('claude-haiku-5-5'),
  SEMANTIC_VERIFIER_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(3_000),
  /** Lowest similarity sent to the verifier (default: the threshold minus 0.1). */
  SEMANTIC_VERIFY_FLOOR: z.coerce.number().min(0).max(1).optional(),
});

export type CacheKind = 'answer' | 'skill' | 'retrieval' | 'org_data';
export const CACHE_KINDS: readonly CacheKind[] = ['answer', 'skill', 'retrieval', 'org_data'];

/** How one kind of value is cached. All times in milliseconds. */
export interface KindPolicy {
  l1TtlMs: number;
  l2TtlMs: number;
  /** Stale-while-revalidate grace after `l2TtlMs`: serve stale, refresh once in the background. 0 = off. */
  swrMs: number;
  /** Cross-instance lease (SET NX PX) held by the one loader. */
  leaseMs: number;
  /** How long a lease loser polls L2 for the winner's value before loading itself. */
  leaseWaitMs: number;
}

export type L2Choice =
  | { kind: 'redis'; url: string }
  | { kind: 'upstash'; url: string; token: string }
  | { kind: 'none' };

export interface CacheConfig {
  l2: L2Choice;
  keyVersion: number;
  /** Prepended to every L2 key (e.g. `ceo-agent:prod:`) so several stages can share one Redis. */
  keyPrefix: string;
  l1MaxBytes: number;
  l1MaxEntryBytes: number;
  jitter: number;
  l2TimeoutMs: number;
  l2ConnectTimeoutMs: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  policies: Record<CacheKind, KindPolicy>;
  semantic: {
    enabled: boolean;
    /** Overrides the embedder's default similarity threshold. */
    threshold?: number;
    ttlSeconds: number;
    candidates: number;
    /** Lowest similarity sent to the verifier; default the threshold minus 0.1. */
    verifyFloor?: number;
    /** The borderline verifier (a small Claude model); used where Claude is configured. */
    verifier: VerifierSettings;
  };
}

function chooseL2(e: z.infer<typeof CacheEnvSchema>): L2Choice {
  const mode =
    e.CACHE_L2 ??
    (e.REDIS_URL ? 'redis' : e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN ? 'upstash' : 'none');
  if (mode === 'redis') {
    if (!e.REDIS_URL) throw configError('cache', 'REDIS_URL', 'required when CACHE_L2=redis');
    return { kind: 'redis', url: e.REDIS_URL };
  }
  if (mode === 'upstash') {
    if (!e.UPSTASH_REDIS_REST_URL || !e.UPSTASH_REDIS_REST_TOKEN) {
      throw configError(
        'cache',
        'UPSTASH_REDIS_REST_URL',
        'UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are required when CACHE_L2=upstash',
      );
    }
    return { kind: 'upstash', url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN };
  }
  return { kind: 'none' };
}

export function loadCacheConfig(env: NodeJS.ProcessEnv = process.env): CacheConfig {
  const e = parseEnv(CacheEnvSchema, env, 'cache');
  const l1 = e.CACHE_L1_TTL_S * 1000;
  return {
    l2: chooseL2(e),
    keyVersion: e.CACHE_KEY_VERSION,
    keyPrefix: e.CACHE_KEY_PREFIX,
    l1MaxBytes: e.CACHE_L1_MAX_BYTES,
    l1MaxEntryBytes: Math.min(e.CACHE_L1_MAX_ENTRY_BYTES, Math.max(1, e.CACHE_L1_MAX_BYTES)),
    jitter: e.CACHE_TTL_JITTER,
    l2TimeoutMs: e.CACHE_L2_TIMEOUT_MS,
    l2ConnectTimeoutMs: e.CACHE_L2_CONNECT_TIMEOUT_MS,
    breakerFailures: e.CACHE_BREAKER_FAILURES,
    breakerCooldownMs: e.CACHE_BREAKER_COOLDOWN_MS,
    policies: {
      // An answer costs an LLM call: wait long for another instance's answer rather than pay twice.
      answer: {
        l1TtlMs: l1,
        l2TtlMs: e.CACHE_L2_TTL_ANSWER_S * 1000,
        swrMs: 0,
        leaseMs: 30_000,
        leaseWaitMs: 20_000,
      },
      skill: {
        l1TtlMs: l1,
        l2TtlMs: e.CACHE_L2_TTL_SKILL_S * 1000,
        swrMs: 60_000,
        leaseMs: 5_000,
        leaseWaitMs: 2_000,
      },
      retrieval: {
        l1TtlMs: Math.min(l1, 30_000),
        l2TtlMs: e.CACHE_L2_TTL_RETRIEVAL_S * 1000,
        swrMs: 30_000,
        leaseMs: 2_000,
        leaseWaitMs: 500,
      },
      org_data: {
        l1TtlMs: l1,
        l2TtlMs: e.CACHE_L2_TTL_ORG_DATA_S * 1000,
        swrMs: 120_000,
        leaseMs: 5_000,
        leaseWaitMs: 1_000,
      },
    },
    semantic: {
      enabled: e.SEMANTIC_CACHE_ENABLED,
      threshold: e.SEMANTIC_CACHE_THRESHOLD,
      ttlSeconds: e.SEMANTIC_CACHE_TTL_S,
      candidates: e.SEMANTIC_CACHE_CANDIDATES,
      verifyFloor: e.SEMANTIC_VERIFY_FLOOR,
      verifier: {
        enabled: e.SEMANTIC_VERIFIER_ENABLED,
        model: e.SEMANTIC_VERIFIER_MODEL,
        timeoutMs: e.SEMANTIC_VERIFIER_TIMEOUT_MS,
      },
    },
  };
}

let cached: CacheConfig | undefined;

/** The process-wide cache config, validated on first use (cold start). */
export function getCacheConfig(): CacheConfig {
  cached ??= loadCacheConfig();
  return cached;
}
