import type { Queryable } from '../db/types';
import type { DecisionMatch } from './store';

/**
 * The keyword half of decision search: its one SQL statement (the decisions folder owns the SQL on the
 * `decisions` table; the query words are prepared by retrieval/keyword.ts).
 *
 * Every part of the statement is bounded by construction, whatever the table's size and the words' spread:
 *
 * - **Window:** the org's newest `window` decisions (an index walk on `decisions_org_created_idx`, `LIMIT
 *   window`), each scored in the same pass: how many distinct query words it contains (coordination level)
 *   and whether it matches ALL of them (web-search syntax: phrases, exclusions). The best `cap` of them by
 *   (all words, words matched, newest) go on to ranking. Cost: `window` rows, never more.
 * - **Rare words:** for each of the first words that few decisions contain — estimated from the window: a
 *   word in h of its `window` decisions is put at h / window × the table's rows (`pg_class.reltuples`), so
 *   a word the window lacks always counts as rare — up to `cap` decisions containing it (and, for a query
 *   of three or more words, one more of the words), anywhere in the org, from the GIN index. Cost: that
 *   word's matches, about `rareMax` at most when the window is representative.
 * - **All words:** up to `cap` decisions matching all of the words anywhere in the org, from the GIN
 *   index, when the window held fewer than `enough` of them. Cost: intersecting the words' posting lists;
 *   few matches, since the window saw few.
 *
 * The GIN parts run only when the org has more decisions than the window holds (a smaller org is ranked in
 * full by the window alone), through `decision_keyword_ids` (migration 0010), which plans its statement
 * with sequential and index scans disabled: a bitmap scan of the GIN index, whose cost follows the number
 * of matches. So no plan can turn into a filtered walk over the table looking for matches that are not
 * there (the 257 ms tail at 200k decisions in docs/search.md). With the org-leading index (migration 0011)
 * the index intersects the org with the words, except for an org holding most of the table
 * (`decision_org_share` > 0.5), whose own index entry is as long as the table: its org is checked per row.
 *
 * The candidates (at most `cap` × (2 + rare words)) are ranked: words matched + `ts_rank_cd` squashed
 * into [0, 1), newest first on ties, those matching fewer than `minMatch` words dropped; `ts_rank_cd` is
 * computed only for candidates matching as many words as the n-th best (no other can reach the top n).
 */
export interface KeywordQueryPlan {
  orgId: string;
  /** Restrict to one user's decisions (still inside the org). */
  userId?: string;
  /** The raw query text, for `websearch_to_tsquery` (all words, phrases, `-word`). */
  text: string;
  /** Distinct query words (letters and digits only), for the coordination level. */
  words: readonly string[];
  /** `to_tsquery` text matching any word (minus excluded words). */
  anyQuery: string;
  /**
   * For each of the first words (same order as `words`): the `to_tsquery` text fetched from the GIN index
   * when the word turns out rare — the word, plus one more of the words when `minMatch` is 2.
   */
  rareQueries: readonly string[];
  /** Decisions must contain at least this many distinct query words. */
  minMatch: number;
}

export interface KeywordQueryLimits {
  /** Rows returned (best first). */
  n: number;
  /** Candidates taken from each source before ranking. */
  cap: number;
  /** Newest decisions of the org scored in full. */
  window: number;
  /** A word is "rare" when the statistics say at most this many decisions contain it. */
  rareMax: number;
  /** All-word matches in the window that make the GIN all-words part unnecessary. */
  enough: number;
}

/** A keyword candidate: a decision match whose `score` is the coordination level plus squashed `ts_rank_cd`. */
export type KeywordRow = DecisionMatch;

const COLUMNS = 'decision_id, query, recommendation, confidence, model, created_at';

/** Words matched by a row: `(SELECT count(*) …)` over the per-word queries in `terms`. */
const MATCHED = '(SELECT count(*) FROM terms, unnest(terms.qs) AS q WHERE search_tsv @@ q)';

export const KEYWORD_CANDIDATES_SQL = `
WITH words AS MATERIALIZED (
  -- g: the first word with the same stem ("expand", "expanding"), so a stem counts once
  SELECT i, q, min(i) OVER (PARTITION BY q) AS g
    FROM unnest($3::text[]) WITH ORDINALITY AS u(w, i), to_tsquery('english', w) AS q
   WHERE q::text <> ''
), stems AS MATERIALIZED (
  SELECT DISTINCT g, q FROM words
), terms AS MATERIALIZED (
  SELECT coalesce(array_agg(q), '{}') AS qs FROM stems
), recent AS MATERIALIZED (
  SELECT decision_id, created_at,
         CASE WHEN hit THEN ARRAY(SELECT t.g FROM stems t WHERE search_tsv @@ t.q) END AS hits,
         hit AND search_tsv @@ websearch_to_tsquery('english', $5) AS all_hit
    FROM (SELECT decision_id, created_at, search_tsv, search_tsv @@ to_tsquery('english', $4) AS hit
            FROM decisions
           WHERE org_id = $1 AND ($2::uuid IS NULL OR user_id = $2::uuid)
           ORDER BY created_at DESC
           LIMIT $9) w
), word_hits AS MATERIALIZED (
  SELECT g, count(*) AS n FROM recent, unnest(recent.hits) AS g GROUP BY g
), seen AS MATERIALIZED (
  SELECT count(*) >= $9 AS more, count(*) FILTER (WHERE all_hit) AS all_hits,
         greatest((SELECT reltuples FROM pg_class WHERE oid = 'decisions'::regclass), count(*)) AS total,
         count(*) >= $9 AND decision_org_share($1) > 0.5 AS org_on_heap
    FROM recent
), rare AS MATERIALIZED (
  SELECT r.q
    FROM seen, unnest($10::text[]) WITH ORDINALITY AS r(q, i)
    LEFT JOIN words w ON w.i = r.i
    LEFT JOIN word_hits h ON h.g = w.g
   WHERE seen.more AND seen.total * coalesce(h.n, 0) / $9 <= $11
), ranked AS (
  SELECT decision_id FROM recent
   WHERE cardinality(hits) >= $6 OR all_hit
   ORDER BY all_hit DESC, cardinality(hits) DESC, created_at DESC
   LIMIT $8
), rare_hits AS (
  SELECT id AS decision_id
    FROM seen, rare,
         LATERAL decision_keyword_ids($1, $2::uuid, to_tsquery('english', rare.q), $8::int, seen.org_on_heap) AS id
), all_hits AS (
  SELECT id AS decision_id
    FROM seen,
         LATERAL decision_keyword_ids($1, $2::uuid, websearch_to_tsquery('english', $5), $8::int, seen.org_on_heap) AS id
   WHERE seen.more AND seen.all_hits < $12
), candidates AS (
  SELECT decision_id FROM ranked UNION SELECT decision_id FROM rare_hits UNION SELECT decision_id FROM all_hits
), scored AS MATERIALIZED (
  SELECT ${COLUMNS}, search_tsv, ${MATCHED} AS matched
    FROM decisions
   WHERE org_id = $1 AND decision_id IN (SELECT decision_id FROM candidates)
), bar AS (
  -- ts_rank_cd only orders decisions matching as many words: rank only those that can reach the top n
  SELECT greatest(coalesce(min(matched), 0), $6) AS m
    FROM (SELECT matched FROM scored ORDER BY matched DESC LIMIT $7) x
)
SELECT ${COLUMNS}, matched + rank / (1 + rank) AS score
  FROM (
    SELECT ${COLUMNS}, matched, ts_rank_cd(search_tsv, to_tsquery('english', $4)) AS rank
      FROM scored, bar
     WHERE matched >= bar.m
  ) c
 ORDER BY score DESC, created_at DESC, decision_id
 LIMIT $7`;

/** Runs the keyword candidate statement for a prepared plan (org-scoped: `$1` in every part). */
export async function queryKeywordCandidates(
  db: Queryable,
  plan: KeywordQueryPlan,
  limits: KeywordQueryLimits,
): Promise<KeywordRow[]> {
  if (!plan.orgId) throw new TypeError('queryKeywordCandidates: orgId is required');
  const r = await db.query<KeywordRow>(KEYWORD_CANDIDATES_SQL, [
    plan.orgId,
    plan.userId ?? null,
    [...plan.words],
    plan.anyQuery,
    plan.text,
    plan.minMatch,
    limits.n,
    limits.cap,
    limits.window,
    [...plan.rareQueries],
    limits.rareMax,
    limits.enough,
  ]);
  return r.rows;
}
