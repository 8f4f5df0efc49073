import type { Queryable } from '../db/types';

/**
 * The keyword half of decision search (the route and the `past_decisions` skill share it).
 *
 * Ranking rewards partial matches: the query is an OR of its words (`to_tsquery('a | b | c')`, words
 * stemmed by the `english` configuration), so "expanding into new markets overseas" finds "Should we
 * expand to new markets?" (2 of 4 words) instead of scoring 0 as an all-words `websearch_to_tsquery` did.
 * Score = how many distinct query words the decision contains (coordination level), plus `ts_rank_cd`
 * squashed into [0, 1) to order decisions that match as many words: a decision naming two of the words
 * beats one repeating a single word. A query of three or more words needs two of them in a decision
 * ("office snacks budget" does not find every decision that mentions a budget). Excluded words
 * (`-germany`) stay excluded.
 *
 * Fast at scale: ranking every row that shares one common word is what made the any-word search slow
 * (1.22 s at 1M rows). Candidates are capped before ranking: at most `cap` rows matching two of the words
 * (one, for a query of one or two words) — `(a & b) | (a & c) | …`, which GIN answers by intersecting
 * posting lists — plus at most `cap` rows matching ALL of them (web-search syntax: phrases, exclusions), so
 * the closest matches are never crowded out. Only those (at most 2 × cap) are ranked. The capped sets
 * are taken in index order, not by recency: ordering them would read every match again.
 */
export interface KeywordSearchParams {
  orgId: string;
  q: string;
  /** Restrict to one user's decisions (still inside the org). */
  userId?: string;
}

export interface KeywordRow {
  decision_id: string;
  query: string;
  recommendation: string;
  confidence: number | string;
  model: string;
  created_at: Date | string;
  score: number | string;
}

/** Default cap on each candidate set before ranking. */
export const KEYWORD_CANDIDATE_CAP = 200;

const MAX_WORDS = 32;

/** PostgreSQL's `english` stop words (snowball): never worth a pair in the candidate query. */
const STOP = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers ' +
    'herself it its itself they them their theirs themselves what which who whom this that these those am is ' +
    'are was were be been being have has had having do does did doing a an the and but if or because as until ' +
    'while of at by for with about against between into through during before after above below to from up ' +
    'down in out on off over under again further then once here there when where why how all any both each ' +
    'few more most other some such no nor not only own same so than too very s t can will just don should now'
  ).split(' '),
);

/**
 * `to_tsquery` text matching any word of free text (`a | b | c`), minus excluded words (`& !x`). Only
 * letters and digits survive, so user text cannot change the query's structure. '' when no word is left.
 */
export function anyWordTsQuery(text: string): string {
  const { words, exclude } = queryWords(text);
  if (words.length === 0) return '';
  const not = exclude.map((w) => ` & !${w}`);
  return `(${words.join(' | ')})${not.join('')}`;
}

function queryWords(text: string): { words: string[]; exclude: string[] } {
  const include = new Set<string>();
  const exclude = new Set<string>();
  for (const m of text.toLowerCase().matchAll(/(^|\s)(-?)"?([^\s"]+)/gu)) {
    const negated = m[2] === '-';
    for (const w of m[3]!.split(/[^\p{L}\p{N}]+/u)) {
      if (w.length < 2 || w === 'or') continue;
      (negated ? exclude : include).add(w);
    }
  }
  return {
    words: [...include].filter((w) => !exclude.has(w) && !STOP.has(w)).slice(0, MAX_WORDS),
    exclude: [...exclude].filter((w) => !STOP.has(w)).slice(0, MAX_WORDS),
  };
}

const COLUMNS = 'decision_id, query, recommendation, confidence, model, created_at';

/** Words of a long question combined in pairs for the candidate query (8 words → 28 pairs). */
const PAIR_WORDS = 8;

/** `(a & b) | (a & c) | (b & c) …`: decisions with at least two of the words (GIN intersects posting lists). */
function pairsTsQuery(words: readonly string[], exclude: readonly string[]): string {
  const pairs: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    for (let j = i + 1; j < words.length; j += 1) pairs.push(`(${words[i]} & ${words[j]})`);
  }
  return `(${pairs.join(' | ')})${exclude.map((w) => ` & !${w}`).join('')}`;
}

/** Top `n` keyword candidates, best `ts_rank_cd` first (ties: newest). */
export async function keywordCandidates(
  db: Queryable,
  p: KeywordSearchParams,
  n: number,
  cap = KEYWORD_CANDIDATE_CAP,
): Promise<KeywordRow[]> {
  const anyQuery = anyWordTsQuery(p.q);
  if (anyQuery === '') return [];
  const { words, exclude } = queryWords(p.q);
  const minMatch = words.length >= 3 ? 2 : 1;
  const candidateQuery = minMatch === 2 ? pairsTsQuery(words.slice(0, PAIR_WORDS), exclude) : anyQuery;
  const r = await db.query<KeywordRow>(
    `WITH anyq AS (
       SELECT decision_id FROM decisions
        WHERE org_id = $1 AND ($4::uuid IS NULL OR user_id = $4::uuid)
          AND search_tsv @@ to_tsquery('english', $9)
        LIMIT $5
     ), allq AS (
       SELECT decision_id FROM decisions
        WHERE org_id = $1 AND ($4::uuid IS NULL OR user_id = $4::uuid)
          AND search_tsv @@ websearch_to_tsquery('english', $6)
        LIMIT $5
     ), terms AS MATERIALIZED (
       SELECT coalesce(array_agg(DISTINCT q), '{}') AS qs
         FROM (SELECT to_tsquery('english', w) AS q FROM unnest($7::text[]) AS w) x
        WHERE q::text <> ''
     )
     SELECT ${COLUMNS}, matched + rank / (1 + rank) AS score
       FROM (
         SELECT ${COLUMNS},
                (SELECT count(*) FROM terms, unnest(terms.qs) AS q WHERE search_tsv @@ q) AS matched,
                ts_rank_cd(search_tsv, to_tsquery('english', $2)) AS rank
           FROM decisions
          WHERE org_id = $1 AND decision_id IN (SELECT decision_id FROM anyq UNION SELECT decision_id FROM allq)
       ) c
      WHERE matched >= $8
      ORDER BY score DESC, created_at DESC, decision_id
      LIMIT $3`,
    [p.orgId, anyQuery, n, p.userId ?? null, cap, p.q, words, minMatch, candidateQuery],
  );
  return r.rows;
}
