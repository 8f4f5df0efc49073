import * as z from 'zod';
import { parseEnv } from '../env';

/**
 * The LLM's configuration, read from the environment once per cold start.
 * - `LLM_PROVIDER=anthropic`: Claude, with its key from ANTHROPIC_API_KEY or (deployed) the Secrets Manager
 *   secret ANTHROPIC_API_KEY_SECRET_ARN, read per call through the secret cache; a missing or placeholder key
 *   fails closed (503 `llm_not_configured`), never a silent offline answer.
 * - `LLM_PROVIDER=offline`: the built-in offline model, chosen explicitly.
 * - `auto` (the default): in the local and test stages, Claude when a key or base URL is configured, else the
 *   offline model; in any other stage it means `anthropic`.
 */
const LlmConfigSchema = z.object({
  STAGE: z.string().min(1).default('local'),
  LLM_PROVIDER: z.enum(['auto', 'anthropic', 'offline']).default('auto'),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_API_KEY_SECRET_ARN: z.string().min(20).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  ANTHROPIC_MODEL: z.string().min(1).default('claude-sonnet-5-5'),
  LLM_MAX_TOKENS: z.coerce.number().int().min(256).max(21_000).default(4096),
  /** Per attempt, until response headers arrive (the SDK's `timeout`). */
  LLM_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(20_000),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  /** A retry-after longer than this is not waited for: the call fails fast with 503 + Retry-After. */
  LLM_MAX_RETRY_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(4_000),
  /** Longest silence allowed between two events of a streamed response. */
  LLM_STREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(50).max(300_000).default(15_000),
  /** Price override (USD per million tokens) for models missing from the built-in table. */
  LLM_PRICE_INPUT_PER_MTOK: z.coerce.number().min(0).optional(),
  LLM_PRICE_OUTPUT_PER_MTOK: z.coerce.number().min(0).optional(),
});

export interface LlmConfig {
  provider: 'anthropic' | 'offline';
  apiKey?: string;
  /** Deployed stages: the key is read from this secret per call (cached by the secret cache's TTL). */
  apiKeySecretArn?: string;
  baseURL?: string;
  model: string;
  maxTokens: number;
  timeoutMs: number;
  maxRetries: number;
  maxRetryWaitMs: number;
  streamIdleTimeoutMs: number;
  priceOverride?: { inputPerMTok: number; outputPerMTok: number };
}

export function loadLlmConfig(env: NodeJS.ProcessEnv = process.env): LlmConfig {
  const c = parseEnv(LlmConfigSchema, env, 'LLM');
  const isLocal = c.STAGE === 'local' || c.STAGE === 'test';
  const hasKeySource = Boolean(c.ANTHROPIC_API_KEY || c.ANTHROPIC_BASE_URL || c.ANTHROPIC_API_KEY_SECRET_ARN);
  const provider =
    c.LLM_PROVIDER === 'offline'
      ? 'offline'
      : c.LLM_PROVIDER === 'anthropic' || !isLocal || hasKeySource
        ? 'anthropic'
        : 'offline';
  return {
    provider,
    apiKey: c.ANTHROPIC_API_KEY,
    apiKeySecretArn: c.ANTHROPIC_API_KEY_SECRET_ARN,
    baseURL: c.ANTHROPIC_BASE_URL,
    model: provider === 'offline' ? 'offline' : c.ANTHROPIC_MODEL,
    maxTokens: c.LLM_MAX_TOKENS,
    timeoutMs: c.LLM_TIMEOUT_MS,
    maxRetries: c.LLM_MAX_RETRIES,
    maxRetryWaitMs: c.LLM_MAX_RETRY_WAIT_MS,
    streamIdleTimeoutMs: c.LLM_STREAM_IDLE_TIMEOUT_MS,
    ...(c.LLM_PRICE_INPUT_PER_MTOK !== undefined && c.LLM_PRICE_OUTPUT_PER_MTOK !== undefined
      ? {
          priceOverride: {
            inputPerMTok: c.LLM_PRICE_INPUT_PER_MTOK,
            outputPerMTok: c.LLM_PRICE_OUTPUT_PER_MTOK,
          },
        }
      : {}),
  };
}
