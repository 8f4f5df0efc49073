import { addTokens, type TokenUsage, ZERO_TOKENS } from './types';

/** Tokens and cost of model calls, as reported to the user (`usage` of an answer). */
export interface Usage extends TokenUsage {
  cost_usd: number;
}

export const ZERO_USAGE: Usage = { ...ZERO_TOKENS, cost_usd: 0 };

/** a + b, the cost rounded to a millionth of a dollar. */
export function sumUsage(a: Usage, b: Usage): Usage {
  return { ...addTokens(a, b), cost_usd: Math.round((a.cost_usd + b.cost_usd) * 1e6) / 1e6 };
}
