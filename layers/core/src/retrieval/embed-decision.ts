import type { Db, Queryable } from '../db/types';
import type { Embeddings } from '../embeddings/types';
import { toPgVector } from '../embeddings/vector';

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
 * Sets `decisions.embedding` for one decision (call it after persisting a new decision; `tx` may be the
 * persisting transaction). A no-op where the database has no vector capability. Never throws for an
 * embedding outage: the decision stays findable by full text.
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
    const r = await tx.query<{ query: string; recommendation: string }>(
      'SELECT query, recommendation FROM decisions WHERE org_id = $1 AND decision_id = $2',
      [input.orgId, input.decisionId],
    );
    const row = r.rows[0];
    if (!row) return { embedded: false, reason: 'not_found' };
    text = decisionEmbeddingText(row.query, row.recommendation);
  }
  let vector: number[] | undefined = input.embedding;
  if (!vector) {
    try {
      [vector] = await embeddings.embed([text ?? '']);
    } catch (err) {
      return { embedded: false, reason: 'embedding_failed', detail: (err as Error).message };
    }
  }
  if (vector?.length !== 256) {
    return { embedded: false, reason: 'embedding_failed', detail: 'embedding must have 256 dimensions' };
  }
  const u = await tx.query(
    'UPDATE decisions SET embedding = $3::vector WHERE org_id = $1 AND decision_id = $2',
    [input.orgId, input.decisionId, toPgVector(vector)],
  );
  return u.rowCount > 0 ? { embedded: true } : { embedded: false, reason: 'not_found' };
}
