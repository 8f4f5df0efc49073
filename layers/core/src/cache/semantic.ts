import type { Db } from '../db/types';
import type { Embeddings } from '../embeddings/types';
import { toPgVector } from '../embeddings/vector';
import { canonicalJson } from '../hash';
import type { QuestionVerifier, VerificationResult } from '../llm/question-verifier';
import { type MetricsSink, noopSink, safeSink } from '../observability/metrics';
import { extractEntities } from '../question/entities';
import { decideCandidate, type GuardMissReason } from '../question/guard';
import { normalizeQuery, queryHash } from './answer-key';

export type SemanticStatus = 'available' | 'unavailable';

export interface SemanticCacheConfig {
  enabled?: boolean;
  /** Cosine similarity needed for a hit; defaults to the embedder's `paraphraseThreshold`. */
  threshold?: number;
  ttlSeconds?: number;
  /** Nearest neighbours examined per lookup. */
  candidates?: number;
  metrics?: MetricsSink;
  /**
   * Second opinion for borderline candidates (similarity ≥ `verifyFloor`, and only words the lexicons do
   * not know differ): `createQuestionVerifier` (llm/verifier.ts). Without it such candidates are misses.
   */
  verifier?: QuestionVerifier;
  /** Lowest similarity sent to the verifier (default: threshold − 0.1). */
  verifyFloor?: number;
  /** Most unknown differing words sent to the verifier (default 2). */
  maxUnknownWords?: number;
}

/** The partition an answer belongs to; all of it is matched exactly, in SQL. */
export interface SemanticScope {
  orgId: string;
  model: string;
  promptVersion: string;
  /** `hashContext(previous turns)`; '' for a fresh question. */
  contextHash: string;
  dataVersion: number;
}

export interface SemanticLookupInput extends SemanticScope {
  query: string;
  /** When given, a candidate computed with other skill versions is not used. */
  skillVersions?: Record<string, string>;
  /** The query's embedding when the caller already has it. */
  embedding?: number[];
}

export type SemanticMissReason =
  | 'no_candidate'
  | GuardMissReason
  | 'verifier_rejected'
  | 'skill_mismatch'
  | 'error';

export type SemanticLookupResult<T> =
  | {
      status: 'hit';
      id: string;
      response: T;
      similarity: number;
      matchedQuery: string;
      embedding: number[];
      /** the verifier calls this lookup made (their tokens and cost belong to the decision) */
      verifications: VerificationResult[];
    }
  | {
      status: 'miss';
      reason: SemanticMissReason;
      bestSimilarity?: number;
      embedding?: number[];
      verifications?: VerificationResult[];
    }
  | { status: 'unavailable' };

export interface SemanticStoreInput<T> extends SemanticScope {
  query: string;
  response: T;
  skillVersions?: Record<string, string>;
  embedding?: number[];
  ttlSeconds?: number;
}

export type SemanticStoreResult =
  | { stored: true; id: string }
  | { stored: false; reason: 'unavailable' | 'error'; detail?: string };

export interface SemanticCache {
  status(): Promise<SemanticStatus>;
  lookup<T = unknown>(input: SemanticLookupInput): Promise<SemanticLookupResult<T>>;
  /** Stores what it is given: only complete answers may be handed in (`cache/answers.ts` decides). */
  store<T>(input: SemanticStoreInput<T>): Promise<SemanticStoreResult>;
  /** Deletes expired rows (run it from a schedule or after stores); returns how many. */
  purgeExpired(limit?: number): Promise<number>;
  readonly threshold: number;
  /** the verifier's model, when borderline candidates are verified */
  readonly verifierModel?: string;
}

interface CandidateRow {
  id: string;
  query: string;
  entities: unknown;
  response: unknown;
  skill_versions: unknown;
  similarity: number | string;
}

function asJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

/**
 * Semantic answer cache over `answer_cache` (pgvector). A hit needs: the same org, model, prompt version,
 * thread context, data version and embedder (SQL); when given, the same skill versions; and the guard
 * (`question/guard.ts`): cosine similarity ≥ threshold and the same question frame — entities, action and
 * polarity, order and direction, groups, every content word equal or a known equivalent. Borderline
 * candidates (only unknown words differ) go to the verifier when there is one. On a database without
 * pgvector (or before its migration) the level reports `unavailable` and every call is a clean no-op.
 */
export function createSemanticCache(
  db: Db,
  embeddings: Embeddings,
  config: SemanticCacheConfig = {},
): SemanticCache {
  const metrics = safeSink(config.metrics ?? noopSink);
  const threshold = config.threshold ?? embeddings.paraphraseThreshold;
  const ttlSeconds = config.ttlSeconds ?? 86_400;
  const candidates = config.candidates ?? 5;
  const verifier = config.verifier;
  const policy = {
    threshold,
    // no verifier: nothing below the threshold can hit, so nothing below it is looked at
    verifyFloor: verifier ? (config.verifyFloor ?? Math.max(0, threshold - 0.1)) : threshold,
    maxUnknownWords: verifier ? (config.maxUnknownWords ?? 2) : 0,
  };
  let statusPromise: Promise<SemanticStatus> | undefined;

  const detect = async (): Promise<SemanticStatus> => {
    if (config.enabled === false || embeddings.dimensions !== 256) return 'unavailable';
    const caps = await db.capabilities();
    if (!caps.vector) return 'unavailable';
    const r = await db.query<{ present: boolean }>(
      "SELECT to_regclass('answer_cache') IS NOT NULL AS present",
    );
    return r.rows[0]?.present === true ? 'available' : 'unavailable';
  };

  const status = (): Promise<SemanticStatus> => {
    statusPromise ??= detect().catch(() => {
      statusPromise = undefined; // a transient failure is retried next time
      return 'unavailable' as const;
    });
    return statusPromise;
  };

  const embed = async (query: string, given?: number[]): Promise<number[]> => {
    if (given) return given;
    const [v] = await embeddings.embed([normalizeQuery(query)]);
    if (!v) throw new Error('embedder returned no vector');
    return v;
  };

  return {
    threshold,
    verifierModel: verifier?.model,
    status,

    async lookup<T>(input: SemanticLookupInput): Promise<SemanticLookupResult<T>> {
      if ((await status()) === 'unavailable') return { status: 'unavailable' };
      let embedding: number[] | undefined;
      try {
        embedding = await embed(input.query, input.embedding);
        const queryStarted = performance.now();
        const r = await db.query<CandidateRow>(
          `SELECT id, query, entities, response, skill_versions, 1 - (embedding <=> $7::vector) AS similarity
             FROM answer_cache
            WHERE org_id = $1 AND model = $2 AND prompt_version = $3 AND context_hash = $4
              AND data_version = $5 AND embedder = $6 AND expires_at > now()
            ORDER BY embedding <=> $7::vector
            LIMIT $8`,
          [
            input.orgId,
            input.model,
            input.promptVersion,
            input.contextHash,
            input.dataVersion,
            embeddings.id,
            toPgVector(embedding),
            candidates,
          ],
        );
        metrics.timing('VectorQueryTime', performance.now() - queryStarted, {});
        const skills = input.skillVersions ? canonicalJson(input.skillVersions) : undefined;
        const verifications: VerificationResult[] = [];
        let best: number | undefined;
        let reason: SemanticMissReason = r.rows.length === 0 ? 'no_candidate' : 'below_threshold';
        for (const row of r.rows) {
          const similarity = Number(row.similarity);
          best = Math.max(best ?? -1, similarity);
          if (skills !== undefined && canonicalJson(asJson(row.skill_versions)) !== skills) {
            reason = 'skill_mismatch';
            continue;
          }
          const d = decideCandidate(input.query, row.query, similarity, policy);
          if (d.decision === 'miss') {
            if (d.reason !== 'below_threshold' || reason === 'no_candidate') reason = d.reason;
            if (d.reason !== 'below_threshold') {
              metrics.count('SemanticGuardMiss', { reason: d.reason, difference: d.difference ?? 'none' });
            }
            continue;
          }
          if (d.decision === 'verify') {
            if (!verifier) continue;
            const v = await verifier.verify(input.query, row.query);
            verifications.push(v);
            metrics.count('SemanticVerification', {
              verdict: v.error ? 'error' : v.same ? 'same' : 'different',
            });
            if (!v.same) {
              reason = 'verifier_rejected';
              continue;
            }
          }
          metrics.count('CacheHit', { level: 'semantic', kind: 'answer' });
          return {
            status: 'hit',
            id: row.id,
            response: asJson(row.response) as T,
            similarity,
            matchedQuery: row.query,
            embedding,
            verifications,
          };
        }
        metrics.count('CacheMiss', { level: 'semantic', kind: 'answer' });
        return { status: 'miss', reason, bestSimilarity: best, embedding, verifications };
      } catch {
        // the semantic level is an optimisation: a failure is a miss, never an error
        metrics.count('CacheMiss', { level: 'semantic', kind: 'answer' });
        metrics.count('CacheSemanticError', { op: 'lookup' });
        return { status: 'miss', reason: 'error', embedding };
      }
    },

    async store<T>(input: SemanticStoreInput<T>): Promise<SemanticStoreResult> {
      if ((await status()) === 'unavailable') return { stored: false, reason: 'unavailable' };
      try {
        const embedding = await embed(input.query, input.embedding);
        const r = await db.query<{ id: string }>(
          `INSERT INTO answer_cache (org_id, model, prompt_version, context_hash, embedder, query, query_hash,
                                     entities, embedding, response, skill_versions, data_version, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::vector, $10::jsonb, $11::jsonb, $12,
                   now() + make_interval(secs => $13))
           RETURNING id`,
          [
            input.orgId,
            input.model,
            input.promptVersion,
            input.contextHash,
            embeddings.id,
            input.query,
            queryHash(input.query),
            JSON.stringify(extractEntities(input.query)),
            toPgVector(embedding),
            JSON.stringify(input.response),
            canonicalJson(input.skillVersions ?? {}),
            input.dataVersion,
            input.ttlSeconds ?? ttlSeconds,
          ],
        );
        const id = r.rows[0]?.id;
        if (!id) return { stored: false, reason: 'error', detail: 'no id returned' };
        return { stored: true, id };
      } catch (err) {
        metrics.count('CacheSemanticError', { op: 'store' });
        return { stored: false, reason: 'error', detail: (err as Error).message };
      }
    },

    async purgeExpired(limit = 1_000): Promise<number> {
      if ((await status()) === 'unavailable') return 0;
      const r = await db.query(
        `DELETE FROM answer_cache WHERE id IN (
           SELECT id FROM answer_cache WHERE expires_at <= now() LIMIT $1)`,
        [limit],
      );
      return r.rowCount;
    },
  };
}
