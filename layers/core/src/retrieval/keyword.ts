import type { Queryable } from '../db/types';
import { type KeywordQueryPlan, type KeywordRow, queryKeywordCandidates } from '../decisions/keyword-query';
import { DEFAULT_RETRIEVAL_CONFIG } from './config';

export type { KeywordRow } from '../decisions/keyword-query';

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
 * Fast at scale, bounded by construction (the SQL and its reasoning: decisions/keyword-query.ts): the
 * org's newest `window` decisions are scored in full; rare words (few decisions, by the table's statistics)
 * and, when needed, all the words together are looked up anywhere in the org through the GIN index only;
 * at most `cap` candidates from each are ranked. No plan can walk the table looking for matches.
 */
export interface KeywordSearchParams {
  orgId: string;
  q: string;
  /** Restrict to one user's decisions (still inside the org). */
  userId?: string;
}

/** Default cap on each candidate source before ranking (`RETRIEVAL_KEYWORD_CAP`). */
export const KEYWORD_CANDIDATE_CAP = DEFAULT_RETRIEVAL_CONFIG.keywordCandidateCap;

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

/** The distinct query words (stop words dropped) and the excluded (`-word`) ones, letters and digits only. */
export function queryWords(text: string): { words: string[]; exclude: string[] } {
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

/** The first words of a long question get candidates of their own when they are rare (8 at most). */
const RARE_WORDS = 8;

/** Newest decisions of an org scored in full on every search (`RETRIEVAL_KEYWORD_WINDOW`). */
export const KEYWORD_WINDOW = DEFAULT_RETRIEVAL_CONFIG.keywordWindow;

/** A word is rare, and fetched from the GIN index, when the statistics put it in at most this many decisions. */
export const KEYWORD_RARE_MAX = 5000;

/** All-word matches in the window that make the all-words lookup unnecessary. */
const ENOUGH_ALL_WORDS = 10;

/** The `to_tsquery` text fetched for each rare-word candidate: the word (and, with `minMatch` 2, one more). */
function rareWordQueries(words: readonly string[], exclude: readonly string[], minMatch: number): string[] {
  const not = exclude.map((w) => ` & !${w}`).join('');
  return words.map((w) => {
    const others = words.filter((o) => o !== w);
    return minMatch === 2 && others.length > 0 ? `${w} & (${others.join(' | ')})${not}` : `${w}${not}`;
  });
}

/** The query words prepared for the candidate statement (decisions/keyword-query.ts), or null for no words. */
export function keywordQueryPlan(p: KeywordSearchParams): KeywordQueryPlan | null {
  const anyQuery = anyWordTsQuery(p.q);
  if (anyQuery === '') return null;
  const { words, exclude } = queryWords(p.q);
  const minMatch = words.length >= 3 ? 2 : 1;
  const rareWords = words.slice(0, RARE_WORDS);
  return {
    orgId: p.orgId,
    userId: p.userId,
    text: p.q,
    words,
    anyQuery,
    rareQueries: rareWordQueries(rareWords, exclude, minMatch),
    minMatch,
  };
}

/** Top `n` keyword candidates: most query words matched, then best `ts_rank_cd`, then newest. */
export async function keywordCandidates(
  db: Queryable,
  p: KeywordSearchParams,
  n: number,
  cap = KEYWORD_CANDIDATE_CAP,
  window = KEYWORD_WINDOW,
): Promise<KeywordRow[]> {
  const plan = keywordQueryPlan(p);
  if (!plan) return [];
  return queryKeywordCandidates(db, plan, {
    n,
    cap,
    window,
    rareMax: KEYWORD_RARE_MAX,
    enough: ENOUGH_ALL_WORDS,
  });
}
