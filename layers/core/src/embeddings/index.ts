import { notBundled } from '../bundle-flags';
import type { EmbeddingsConfig } from './config';
import { OfflineEmbeddings } from './offline';
import { TitanEmbeddings, type TitanEmbeddingsOptions } from './titan';
import type { Embeddings } from './types';

export type { EmbeddingsConfig } from './config';
export { loadEmbeddingsConfig } from './config';
export { OfflineEmbeddings } from './offline';
export { mapBounded, TITAN_V2_MODEL_ID, TitanEmbeddings } from './titan';
export type { Embeddings } from './types';
export { EmbeddingError } from './types';
export { cosine, l2Normalize, toPgVector } from './vector';

/** The configured embedder: offline (default, deterministic) or Bedrock Titan Text Embeddings V2. */
export function createEmbeddings(
  config: EmbeddingsConfig,
  overrides: Pick<TitanEmbeddingsOptions, 'credentials' | 'paraphraseThreshold'> = {},
): Embeddings {
  if (config.provider !== 'bedrock') return new OfflineEmbeddings(config.dimensions);
  // A stage bundled for offline embeddings carries no Bedrock client (see bundle-flags.ts).
  return process.env.CEO_BUNDLE_EMBEDDINGS_PROVIDER === 'offline'
    ? notBundled('Bedrock embeddings', process.env.CEO_BUNDLE_EMBEDDINGS_PROVIDER)
    : new TitanEmbeddings({
        modelId: config.modelId,
        dimensions: config.dimensions,
        region: config.region,
        endpoint: config.endpoint,
        timeoutMs: config.timeoutMs,
        concurrency: config.concurrency,
        maxAttempts: config.maxAttempts,
        ...overrides,
      });
}
