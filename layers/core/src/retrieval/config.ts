import * as z from 'zod';
import { configError, parseEnv } from '../env';

const RetrievalEnvSchema = z.object({
  RETRIEVAL_VECTOR_WEIGHT: z.coerce.number().min(0).max(1).default(0.7),
  RETRIEVAL_KEYWORD_WEIGHT: z.coerce.number().min(0).max(1).default(0.3),
  RETRIEVAL_CANDIDATES: z.coerce.number().int().min(1).max(500).default(40),
  RETRIEVAL_MAX_K: z.coerce.number().int().min(1).max(200).default(50),
  RETRIEVAL_FUSION: z.enum(['rrf', 'weighted', 'minmax']).default('weighted'),
  RETRIEVAL_RRF_K: z.coerce.number().int().min(1).max(1000).default(60),
  RETRIEVAL_KEYWORD_CAP: z.coerce.number().int().min(10).max(100_000).default(200),
  RETRIEVAL_KEYWORD_WINDOW: z.coerce.number().int().min(100).max(100_000).default(2000),
});

export interface RetrievalConfig {
  vectorWeight: number;
  keywordWeight: number;
  /** Top-N taken from each side before fusing. */
  candidates: number;
  maxK: number;
  /**
   * How the two sides are combined: `weighted` (default, the specification's: cosine clamped to 0..1,
   * keyword over its best, 0.7 / 0.3), `minmax` (each side rescaled 0..1 over its candidates, then
   * weighted) or `rrf` (reciprocal rank fusion). See docs/search.md for the measurement.
   */
  fusion: 'rrf' | 'weighted' | 'minmax';
  /** RRF's k (rank offset). */
  rrfK: number;
  /** Keyword candidates taken from each source (the window, each rare word, all words) before ranking. */
  keywordCandidateCap: number;
  /** The org's newest decisions scored in full by the keyword half on every search. */
  keywordWindow: number;
}

export const DEFAULT_RETRIEVAL_CONFIG: RetrievalConfig = {
  vectorWeight: 0.7,
  keywordWeight: 0.3,
  candidates: 40,
  maxK: 50,
  fusion: 'weighted',
  rrfK: 60,
  keywordCandidateCap: 200,
  keywordWindow: 2000,
};

export function loadRetrievalConfig(env: NodeJS.ProcessEnv = process.env): RetrievalConfig {
  const e = parseEnv(RetrievalEnvSchema, env, 'retrieval');
  if (e.RETRIEVAL_VECTOR_WEIGHT + e.RETRIEVAL_KEYWORD_WEIGHT <= 0) {
    throw configError('retrieval', 'RETRIEVAL_VECTOR_WEIGHT', 'the two retrieval weights cannot both be 0');
  }
  return {
    vectorWeight: e.RETRIEVAL_VECTOR_WEIGHT,
    keywordWeight: e.RETRIEVAL_KEYWORD_WEIGHT,
    candidates: e.RETRIEVAL_CANDIDATES,
    maxK: e.RETRIEVAL_MAX_K,
    fusion: e.RETRIEVAL_FUSION,
    rrfK: e.RETRIEVAL_RRF_K,
    keywordCandidateCap: e.RETRIEVAL_KEYWORD_CAP,
    keywordWindow: e.RETRIEVAL_KEYWORD_WINDOW,
  };
}
