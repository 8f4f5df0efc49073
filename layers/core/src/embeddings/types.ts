/** The embeddings seam: the offline hashing embedder (default) and Amazon Titan Text Embeddings V2 implement it. */
export interface Embeddings {
  /** Stable id of model + settings; vectors from different ids are never compared. */
  readonly id: string;
  readonly dimensions: number;
  /** Default cosine-similarity threshold for "same question" (semantic answer cache). */
  readonly paraphraseThreshold: number;
  /** One unit-length vector per text, in order. */
  embed(texts: string[]): Promise<number[][]>;
}

export class EmbeddingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddingError';
  }
}
