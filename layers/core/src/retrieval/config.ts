import * as z from 'zod';
import { configError, parseEnv } from '../env';

const RetrievalEnvSchema = z.object({
  RETRIEVAL_VECTOR_WEIGHT: z.coerce.number().min(0).max(1).default(0.7),
  RETRIEVAL_KEYWORD_WEIGHT: z.coerce.number().min(0).max(1).default(0.3),
  RETRIEVAL_CANDIDATES: z.coerce.number().int().min(1).max(500).default(40),
  RETRIEVAL_MAX_K: z.coerce.number().int().min(1).max(200).default(50),
});

export interface RetrievalConfig {
  vectorWeight: number;
  keywordWeight: number;
  /** Top-N taken from each side before fusing. */
  candidates: number;
  maxK: number;
}

export const DEFAULT_RETRIEVAL_CONFIG: RetrievalConfig = {
  vectorWeight: 0.7,
  keywordWeight: 0.3,
  candidates: 40,
  maxK: 50,
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
  };
}
