import type { TokenUsage } from './types';
import type { Usage } from './usage';

export interface ModelPrice {
  /** USD per million input tokens */
  inputPerMTok: number;
  /** USD per million output tokens */
  outputPerMTok: number;
}

/** Published list prices (2026-11). Cache writes (5-minute TTL) cost 1.25× input, cache reads 0.1× input. */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-fable-5-2': { inputPerMTok: 8, outputPerMTok: 40 },
  'claude-opus-5-5': { inputPerMTok: 4, outputPerMTok: 20 },
  'claude-sonnet-5-5': { inputPerMTok: 2, outputPerMTok: 10 },
  'claude-haiku-5-5': { inputPerMTok: 0.1, outputPerMTok: 0.5 },
  offline: { inputPerMTok: 0, outputPerMTok: 0 },
};

export const CACHE_WRITE_MULTIPLIER = 1.25;
export const CACHE_READ_MULTIPLIER = 0.1;
/** Message Batches API: every token (input, output, cache reads and writes) at half the list price. */
export const BATCH_PRICE_MULTIPLIER = 0.5;

/** Exact id, or a dated snapshot of a listed model (`claude-sonnet-5-5-20261015`). */
export function priceFor(model: string, override?: ModelPrice): ModelPrice | undefined {
  if (override) return override;
  const exact = MODEL_PRICES[model];
  if (exact) return exact;
  const base = Object.keys(MODEL_PRICES).find((id) => model.startsWith(`${id}-`));
  return base ? MODEL_PRICES[base] : undefined;
}

/**
 * Cost in USD, rounded to 1e-6 (the `decisions.cost_usd` precision); 0 for models without a price.
 * `multiplier` scales the whole price (BATCH_PRICE_MULTIPLIER for Message Batches).
 */
export function costUsd(model: string, tokens: TokenUsage, override?: ModelPrice, multiplier = 1): number {
  const price = priceFor(model, override);
  if (!price) return 0;
  const input =
    tokens.input_tokens +
    tokens.cache_creation_input_tokens * CACHE_WRITE_MULTIPLIER +
    tokens.cache_read_input_tokens * CACHE_READ_MULTIPLIER;
  const usd =
    ((input * price.inputPerMTok + tokens.output_tokens * price.outputPerMTok) * multiplier) / 1_000_000;
  return Math.round(usd * 1e6) / 1e6;
}

export function toUsage(model: string, tokens: TokenUsage, override?: ModelPrice, multiplier = 1): Usage {
  return { ...tokens, cost_usd: costUsd(model, tokens, override, multiplier) };
}
