import * as z from 'zod';
import { parseEnv } from '../env';

const EmbeddingsEnvSchema = z.object({
  EMBEDDINGS_PROVIDER: z.enum(['offline', 'bedrock']).default('offline'),
  EMBEDDINGS_MODEL_ID: z.string().min(1).default('amazon.titan-embed-text-v2:0'),
  EMBEDDINGS_REGION: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1).optional(),
  EMBEDDINGS_ENDPOINT_URL: z.string().url().optional(),
  EMBEDDINGS_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  EMBEDDINGS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  EMBEDDINGS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(2),
});

export interface EmbeddingsConfig {
  provider: 'offline' | 'bedrock';
  modelId: string;
  region: string;
  endpoint?: string;
  timeoutMs: number;
  concurrency: number;
  maxAttempts: number;
  /** Every vector column is vector(256). */
  dimensions: 256;
}

export function loadEmbeddingsConfig(env: NodeJS.ProcessEnv = process.env): EmbeddingsConfig {
  const e = parseEnv(EmbeddingsEnvSchema, env, 'embeddings');
  return {
    provider: e.EMBEDDINGS_PROVIDER,
    modelId: e.EMBEDDINGS_MODEL_ID,
    region: e.EMBEDDINGS_REGION ?? e.AWS_REGION ?? 'us-east-1',
    endpoint: e.EMBEDDINGS_ENDPOINT_URL,
    timeoutMs: e.EMBEDDINGS_TIMEOUT_MS,
    concurrency: e.EMBEDDINGS_CONCURRENCY,
    maxAttempts: e.EMBEDDINGS_MAX_ATTEMPTS,
    dimensions: 256,
  };
}
