import type { Db, Queryable } from '../db/types';
import type { Embeddings } from '../embeddings/types';
import { toPgVector } from '../embeddings/vector';
import { decisionText, setDecisionEmbedding } from './store';

export interface EmbedDecisionInput {
  orgId: string;
  decisionId: string;
  /** Text to embed; by default the decision's query and recommendation, read from the row. */
  text?: string;
  /** A vector the caller already has (e.g. the analyze path's query embedding). */
  embedding?: number[];
}

export type EmbedDecisionResult =
  | { embedded: true }
  | { embedded: false; reason: 'no_vector_capability' | 'not_found' | 'embedding_failed'; detail?: string };

/** The text a decision is indexed by: its question, then its recommendation. */
export function decisionEmbeddingText(query: string, recommendation: string): string {
  return `${query}\n${recommendation}`.trim();
}

/**
 * The pgvector text of a decision's embedding, or why there is none (no pgvector on this database, or the
 * embedder failed or answered the wrong size). Never throws for an embedding outage.
 */
export async function decisionVector(
  db: Db,
  embeddings: Embeddings,
  text: string,
  given?: number[],
): Promise<{ vector: string } | { reason: 'no_vector_capability' | 'embedding_failed'; detail?: string }> {
  if (!(await db.capabilities()).vector) return { reason: 'no_vector_capability' };
  let v = given;
  if (!v) {
    try {
      [v] = await embeddings.embed([text]);
    } catch (err) {
      return { reason: 'embedding_failed', detail: (err as Error).message };
    }
  }
  if (v?.length !== 256) return { reason: 'embedding_failed', detail: 'embedding must have 256 dimensions' };
  return { vector: toPgVector(v) };
}

/**
 * Sets `decisions.embedding` for one decision that is already stored (backfills, an embedder change; the
 * analyze path writes the embedding with the row). `tx` may be the persisting transaction. A no-op where the
 * database has no vector capability; never throws for an embedding outage (the decision stays findable by
 * full text).
 */
export async function embedDecision(
  db: Db,
  embeddings: Embeddings,
  input: EmbedDecisionInput,
  tx: Queryable = db,
): Promise<EmbedDecisionResult> {
  if (!(await db.capabilities()).vector) return { embedded: false, reason: 'no_vector_capability' };
  let text = input.text;
  if (input.embedding === undefined && text === undefined) {
    const row = await decisionText(tx, input.orgId, input.decisionId);
    if (!row) return { embedded: false, reason: 'not_found' };
    text = decisionEmbeddingText(row.query, row.recommendation);
  }
  const got = await decisionVector(db, embeddings, text ?? '', input.embedding);
  if (!('vector' in got)) return { embedded: false, ...got };
  const updated = await setDecisionEmbedding(tx, input.orgId, input.decisionId, got.vector);
  return updated ? { embedded: true } : { embedded: false, reason: 'not_found' };
}
