import * as z from 'zod';
import type { Db, Queryable, QueryResult, SqlParam } from '../../db/types';
import type { Embeddings } from '../../embeddings/types';
import { DEFAULT_RETRIEVAL_CONFIG, type RetrievalConfig } from '../../retrieval/config';
import { fuseWith, type Scored } from '../../retrieval/fuse';
import { keywordCandidates } from '../../retrieval/keyword';
import { relatedVectorFloor } from '../../retrieval/org-search';
import { searchDecisions } from '../../retrieval/search';
import { defineSkill, type Skill, type SkillContext } from '../types';

export const PastDecisionsInput = z.object({
  query: z.string().min(1).max(500).describe('What the decision is about, in plain words'),
  limit: z.number().int().min(1).max(10).default(5),
});

export type PastDecisionsInput = z.infer<typeof PastDecisionsInput>;

export interface PastDecision {
  decision_id: string;
  query: string;
  recommendation: string;
  confidence: number;
  created_at: string;
  /** `keyword`: ts_rank_cd; `hybrid`: the fused 0..1 score (RETRIEVAL_FUSION, as the search route) */
  rank: number;
}

export interface PastDecisionsOutput {
  /** `hybrid` when vectors took part (pgvector and an embedding of the query), else `keyword` */
  mode: 'hybrid' | 'keyword';
  decisions: PastDecision[];
}

/** How the skill finds decisions; the org comes from `ctx.orgId` (the caller), never from model input. */
export type PastDecisionsSearch = (
  input: PastDecisionsInput,
  ctx: Pick<SkillContext, 'db' | 'orgId'>,
) => Promise<PastDecisionsOutput>;

interface DecisionRow {
  decision_id: string;
  query: string;
  recommendation: string;
  confidence: number | string;
  created_at: Date | string;
  rank: number | string;
}

/** @deprecated kept for callers of 1.x: the keyword half is now `anyWordTsQuery` (retrieval/keyword.ts). */
export function toAnyWordQuery(text: string): string {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 && w !== 'or')
    .slice(0, 32);
  return [...new Set(words)].join(' or ');
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function toPastDecision(r: DecisionRow): PastDecision {
  return {
    decision_id: r.decision_id,
    query: r.query,
    recommendation: r.recommendation,
    confidence: Number(r.confidence),
    created_at: r.created_at instanceof Date ? r.created_at.toISOString() : String(r.created_at),
    rank: round6(Number(r.rank)),
  };
}

/**
 * Full-text candidates matching any word of `text`, best ts_rank_cd first: the same keyword half as the
 * search route (retrieval/keyword.ts), so the candidates are capped before ranking at any table size.
 */
async function anyWordMatches(
  db: Queryable,
  orgId: string,
  text: string,
  limit: number,
  config: RetrievalConfig = DEFAULT_RETRIEVAL_CONFIG,
): Promise<PastDecision[]> {
  const rows = await keywordCandidates(
    db,
    { orgId, q: text },
    limit,
    config.keywordCandidateCap,
    config.keywordWindow,
  );
  return rows.map((r) => toPastDecision({ ...r, rank: r.score }));
}

/** The default search: full text over questions and recommendations, any word of the query. */
export async function searchPastDecisions(
  input: PastDecisionsInput,
  ctx: Pick<SkillContext, 'db' | 'orgId'>,
): Promise<PastDecisionsOutput> {
  return { mode: 'keyword', decisions: await anyWordMatches(ctx.db, ctx.orgId, input.query, input.limit) };
}

export interface HybridPastDecisionsDeps {
  /** The database with its capabilities (pgvector or not). */
  db: Db;
  embeddings: Embeddings;
  config?: RetrievalConfig;
}

/**
 * `db` for one search: a statement sent again with the same parameters while the first is pending or done gets
 * the first one's result (read-only rows) instead of a second round trip.
 */
function coalescing(db: Db): Db {
  const sent = new Map<string, Promise<QueryResult<unknown>>>();
  return {
    kind: db.kind,
    query<Row>(sql: string, params?: readonly SqlParam[]) {
      const key = `${sql}\u0000${JSON.stringify(params ?? [], (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
      let result = sent.get(key);
      if (!result) {
        result = db.query(sql, params);
        sent.set(key, result);
      }
      return result as Promise<QueryResult<Row>>;
    },
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    session: (fn, opts) => db.session(fn, opts),
    capabilities: () => db.capabilities(),
    refreshCapabilities: () => db.refreshCapabilities(),
    ping: (timeoutMs) => db.ping(timeoutMs),
    close: () => db.close(),
  };
}

/**
 * The hybrid search (`searchDecisions`: pgvector cosine + full text) for the skill. Its vector side supplies
 * decisions related in meaning (cosine ≥ `relatedVectorFloor`); the keyword side stays the any-word full-text
 * match of the default search (a long question rarely shares all of its words with an earlier one). Both are
 * fused 0.7 / 0.3 like the search route. Without pgvector, or when the query cannot be embedded, the output is
 * exactly the default search's (`mode: 'keyword'`).
 */
export function createHybridPastDecisionsSearch(deps: HybridPastDecisionsDeps): PastDecisionsSearch {
  const config = deps.config ?? DEFAULT_RETRIEVAL_CONFIG;
  const floor = relatedVectorFloor(deps.embeddings);
  return async (input, ctx) => {
    const candidates = Math.max(config.candidates, input.limit);
    // Without pgvector the hybrid search is keyword-only and its answer unused: one statement fewer.
    if (!(await deps.db.capabilities()).vector) {
      const keyword = await anyWordMatches(ctx.db, ctx.orgId, input.query, candidates, config);
      return { mode: 'keyword', decisions: keyword.slice(0, input.limit) };
    }
    // The hybrid search's keyword half and the any-word half are, by default, one statement with the same
    // parameters: on the same database it is sent once and both read its rows.
    const db = ctx.db === deps.db ? coalescing(deps.db) : deps.db;
    const [hybrid, keyword] = await Promise.all([
      searchDecisions(db, deps.embeddings, { orgId: ctx.orgId, q: input.query, k: candidates }, config),
      anyWordMatches(ctx.db === deps.db ? db : ctx.db, ctx.orgId, input.query, candidates, config),
    ]);
    if (hybrid.mode !== 'hybrid') return { mode: 'keyword', decisions: keyword.slice(0, input.limit) };

    const vectorSide: Scored<PastDecision>[] = hybrid.items
      .filter((i) => i.vector_score >= floor)
      .map((i) => ({
        id: i.decision_id,
        score: i.vector_score,
        item: {
          decision_id: i.decision_id,
          query: i.query,
          recommendation: i.recommendation,
          confidence: i.confidence,
          created_at: i.created_at,
          rank: 0,
        },
      }));
    const keywordSide: Scored<PastDecision>[] = keyword.map((d) => ({
      id: d.decision_id,
      score: d.rank,
      item: d,
    }));
    const fused = fuseWith(config, vectorSide, keywordSide, input.limit);
    return { mode: 'hybrid', decisions: fused.map((f) => ({ ...f.item, rank: round6(f.score) })) };
  };
}

const DESCRIPTION_KEYWORD =
  "The organisation's most relevant earlier decisions (full-text search over their questions and recommendations), best match first.";
const DESCRIPTION_HYBRID =
  "The organisation's most relevant earlier decisions (search by meaning and by words over their questions and recommendations), best match first.";

/**
 * The `past_decisions` skill over a given search (default: full text). The version is part of skill-result and
 * answer cache keys, so each search has its own: full text 1.3.0, hybrid 2.3.0 (2.2.0 before keyword candidates got their cosine; 1.2.0 / 2.1.0 before the keyword half
 * became bounded by a window and GIN lookups; 1.1.0 / 2.0.0 before it matched any word).
 */
export function createPastDecisionsSkill(
  search: PastDecisionsSearch = searchPastDecisions,
  opts: { version?: string; description?: string } = {},
): Skill<PastDecisionsInput, PastDecisionsOutput> {
  return defineSkill({
    name: 'past_decisions',
    version: opts.version ?? '1.3.0',
    dependsOn: 'org_data',
    description: opts.description ?? DESCRIPTION_KEYWORD,
    input: PastDecisionsInput,
    run: (input, ctx) => search(input, ctx),
    figures: (o: PastDecisionsOutput) => ({
      matches: o.decisions.length,
      top_match: o.decisions[0]?.query ?? null,
      mode: o.mode,
    }),
  });
}

/** `past_decisions` with hybrid retrieval (what `createServices` registers). */
export function createHybridPastDecisionsSkill(
  deps: HybridPastDecisionsDeps,
): Skill<PastDecisionsInput, PastDecisionsOutput> {
  return createPastDecisionsSkill(createHybridPastDecisionsSearch(deps), {
    version: '2.3.0',
    description: DESCRIPTION_HYBRID,
  });
}

/** The default (full-text) skill. */
export const pastDecisions = createPastDecisionsSkill();
