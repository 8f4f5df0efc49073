import type { Db } from '../db/types';
import type { Embeddings } from '../embeddings/types';
import { dataVersionOf } from './data-version';
import { decisionEmbeddingText, decisionVector } from './embedding';
import { getDecision, insertDecision, type NewDecision, type ThreadTurn, threadTurns } from './store';
import type { AnalyzeResponse } from './types';

/** Most earlier turns of a thread handed to the agent (it fits them to its token budget itself). */
export const MAX_THREAD_TURNS = 20;

/** What the analyze use case reads and writes about decisions, bound to one database and embedder. */
export interface DecisionStore {
  /** The caller's earlier turns of `threadId`, oldest first; none without a thread. */
  thread(q: { orgId: string; userId: string; threadId: string | null }): Promise<ThreadTurn[]>;
  /** The org's data version (part of every answer-cache key), cached per instance for a moment. */
  dataVersion(orgId: string): Promise<number>;
  /** Stores the decision as it is, with its embedding for search where the database has pgvector. */
  record(d: NewDecision): Promise<void>;
  get(q: { orgId: string; decisionId: string }): Promise<AnalyzeResponse | undefined>;
}

export function createDecisionStore(db: Db, embeddings: Embeddings): DecisionStore {
  return {
    async thread(q) {
      if (!q.threadId) return [];
      return threadTurns(db, {
        orgId: q.orgId,
        userId: q.userId,
        threadId: q.threadId,
        limit: MAX_THREAD_TURNS,
      });
    },
    dataVersion: (orgId) => dataVersionOf(db, orgId),
    async record(d) {
      // none without pgvector, or when the embedder fails: the decision stays findable by full text
      const got = await decisionVector(
        db,
        embeddings,
        decisionEmbeddingText(d.response.query, d.response.recommendation),
      );
      await insertDecision(db, d, 'vector' in got ? got.vector : undefined);
    },
    get: (q) => getDecision(db, q),
  };
}
