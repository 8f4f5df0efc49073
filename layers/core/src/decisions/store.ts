import type { Db, Queryable } from '../db/types';
import { type Cursor, decodeCursor, encodeCursor } from './cursor';
import type { Analysis, AnalyzeResponse, AnsweredFrom } from './types';

// The `decisions` table: every statement that reads or writes it. Each is scoped to the caller's org (and
// user, where the route is per user), bound as parameters.

/** A decision to store: the analyze answer as returned, and who it belongs to. */
export interface NewDecision {
  decisionId: string;
  orgId: string;
  userId: string;
  threadId: string | null;
  response: AnalyzeResponse;
}

export interface DecisionSummary {
  decision_id: string;
  query: string;
  recommendation: string;
  confidence: number;
  model: string;
  answered_from: AnsweredFrom;
  latency_ms: number;
  thread_id: string | null;
  created_at: string;
}

export interface DecisionPage {
  items: DecisionSummary[];
  next_cursor: string | null;
}

/** What the API shows: ISO 8601 with milliseconds and Z, the one timestamp format of every route. */
const TS_TEXT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** The keyset cursor keeps the column's full (microsecond) precision, so rows within one millisecond page right. */
const TS_CURSOR = `to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const COLUMNS =
  'decision_id, org_id, user_id, thread_id, query, result, recommendation, confidence, model, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, latency_ms, answered_from, created_at';

function rowValues(d: NewDecision) {
  const r = d.response;
  return [
    d.decisionId,
    d.orgId,
    d.userId,
    d.threadId,
    r.query,
    JSON.stringify(r),
    r.recommendation,
    r.confidence,
    r.model,
    r.usage.input_tokens,
    r.usage.output_tokens,
    r.usage.cache_read_input_tokens,
    r.usage.cache_creation_input_tokens,
    r.usage.cost_usd,
    r.latency_ms,
    r.answered_from,
    r.created_at,
  ] as const;
}

/**
 * Inserts one decision as it is: `response.created_at` (ISO 8601) is the row's `created_at`, and the stored
 * answer is the one `getDecision` returns. `embedding` (pgvector text, e.g. `toPgVector(v)`) is written in the
 * same statement where the column exists (vector-capable databases).
 */
export async function insertDecision(db: Queryable, d: NewDecision, embedding?: string): Promise<void> {
  const v = rowValues(d);
  const withVector = embedding !== undefined;
  await db.query(
    `INSERT INTO decisions (${COLUMNS}${withVector ? ', embedding' : ''})
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::timestamptz${withVector ? ', $18::vector' : ''})`,
    withVector ? [...v, embedding] : [...v],
  );
}

/** Inserts N decisions in one round trip (one statement over unnest of column arrays). */
export async function insertDecisions(db: Queryable, ds: readonly NewDecision[]): Promise<number> {
  if (ds.length === 0) return 0;
  const cols = ds.map(rowValues);
  const col = <T>(i: number) => cols.map((c) => c[i] as T);
  const r = await db.query(
    `INSERT INTO decisions (${COLUMNS})
     SELECT u.decision_id, u.org_id, u.user_id, u.thread_id, u.query, u.result::jsonb, u.recommendation,
            u.confidence, u.model, u.tokens_in, u.tokens_out, u.tokens_cache_read, u.tokens_cache_write,
            u.cost_usd, u.latency_ms, u.answered_from, u.created_at
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                 $8::real[], $9::text[], $10::int[], $11::int[], $12::int[], $13::int[], $14::numeric[],
                 $15::int[], $16::text[], $17::timestamptz[])
       AS u(decision_id, org_id, user_id, thread_id, query, result, recommendation, confidence, model,
            tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, latency_ms, answered_from,
            created_at)`,
    [
      col<string>(0),
      col<string>(1),
      col<string>(2),
      col<string>(3),
      col<string>(4),
      col<string>(5),
      col<string>(6),
      col<number>(7),
      col<string>(8),
      col<number>(9),
      col<number>(10),
      col<number>(11),
      col<number>(12),
      col<number>(13),
      col<number>(14),
      col<string>(15),
      col<string>(16),
    ] as unknown as string[][],
  );
  return r.rowCount;
}

/**
 * Newest first, keyset-paginated over (created_at, decision_id), scoped to the caller (org and user).
 * ORDER BY names the table's column (`d.created_at`): the output alias of the same name is text, and sorting
 * by it would bypass the keyset index.
 */
export async function listDecisions(
  db: Queryable,
  q: { orgId: string; userId: string; limit: number; cursor?: string },
): Promise<DecisionPage> {
  const after: Cursor | undefined = q.cursor ? decodeCursor(q.cursor) : undefined;
  const params: (string | number)[] = [q.orgId, q.userId, q.limit + 1];
  let keyset = '';
  if (after) {
    params.push(after.t, after.id);
    keyset = 'AND (d.created_at, d.decision_id) < ($4::timestamptz, $5::uuid)';
  }
  const r = await db.query<DecisionSummary & { cursor_ts?: string }>(
    `SELECT decision_id, query, recommendation, confidence, model, answered_from, latency_ms, thread_id,
            ${TS_TEXT} AS created_at, ${TS_CURSOR} AS cursor_ts
     FROM decisions d
     WHERE d.org_id = $1 AND d.user_id = $2 ${keyset}
     ORDER BY d.created_at DESC, d.decision_id DESC
     LIMIT $3`,
    params,
  );
  const rows = r.rows;
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  const items = page.map(({ cursor_ts: _c, ...item }) => item);
  return {
    items,
    next_cursor: more && last ? encodeCursor({ t: last.cursor_ts!, id: last.decision_id }) : null,
  };
}

/** One decision of the caller's org, as stored, or undefined (another org's decision is indistinguishable from none). */
export async function getDecision(
  db: Queryable,
  q: { orgId: string; decisionId: string },
): Promise<AnalyzeResponse | undefined> {
  const r = await db.query<{ result: AnalyzeResponse }>(
    'SELECT result FROM decisions WHERE org_id = $1 AND decision_id = $2',
    [q.orgId, q.decisionId],
  );
  return r.rows[0]?.result;
}

/** An earlier turn of a thread: its question and the analysis it got. */
export interface ThreadTurn {
  query: string;
  result: Analysis;
}

/** The caller's latest `limit` turns of a thread, oldest first (org- and user-scoped). */
export async function threadTurns(
  db: Queryable,
  q: { orgId: string; userId: string; threadId: string; limit: number },
): Promise<ThreadTurn[]> {
  const r = await db.query<ThreadTurn>(
    `SELECT query, result FROM decisions WHERE org_id = $1 AND user_id = $2 AND thread_id = $3
     ORDER BY created_at DESC LIMIT $4`,
    [q.orgId, q.userId, q.threadId, q.limit],
  );
  return r.rows.reverse();
}

/** A decision found by a search, with the search side's raw score (cosine similarity or text rank). */
export interface DecisionMatch {
  decision_id: string;
  query: string;
  recommendation: string;
  confidence: number | string;
  model: string;
  created_at: Date | string;
  score: number | string;
}

/** The org's `n` decisions nearest to `vector` (pgvector text) by cosine distance; `score` is the similarity. */
export async function nearestDecisions(
  db: Queryable,
  q: { orgId: string; userId?: string },
  vector: string,
  n: number,
): Promise<DecisionMatch[]> {
  const r = await db.query<DecisionMatch>(
    `SELECT decision_id, query, recommendation, confidence, model, created_at,
            1 - (embedding <=> $2::vector) AS score
       FROM decisions
      WHERE org_id = $1 AND ($4::uuid IS NULL OR user_id = $4::uuid) AND embedding IS NOT NULL
      ORDER BY embedding <=> $2::vector
      LIMIT $3`,
    [q.orgId, vector, n, q.userId ?? null],
  );
  return r.rows;
}

/**
 * Cosine similarity to `vector` (pgvector text) of the given decisions of an org: the vector score of decisions
 * the keyword side found beyond the vector side's top n. Decisions without an embedding are absent.
 */
export async function decisionSimilarities(
  db: Queryable,
  orgId: string,
  vector: string,
  ids: readonly string[],
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const r = await db.query<{ decision_id: string; score: number | string }>(
    `SELECT decision_id, 1 - (embedding <=> $2::vector) AS score
       FROM decisions
      WHERE org_id = $1 AND decision_id = ANY($3::uuid[]) AND embedding IS NOT NULL`,
    [orgId, vector, [...ids]],
  );
  return new Map(r.rows.map((x) => [x.decision_id, Number(x.score)]));
}

/** Newest decisions looked at by `decisionsVersion` (several analyses of one org can be in flight at once). */
export const VERSION_WINDOW = 8;

/**
 * The org's decision-set version for the retrieval cache key: the newest decision's id plus how many of the
 * newest `VERSION_WINDOW` decisions have no embedding yet. Analyze writes each row with its embedding; a row
 * stored without one (the embedder was down) is counted until `embedDecision` fills it in. A new decision
 * changes the id, a filled-in embedding lowers the count: either way the key changes, so a search never serves a
 * result computed before the org's latest decision existed or was embedded. One index range scan on
 * `decisions_org_created_idx (org_id, created_at DESC)`, at most 8 rows.
 */
export async function decisionsVersion(db: Db, orgId: string): Promise<string> {
  const vector = (await db.capabilities()).vector;
  const r = await db.query<{ decision_id: string; pending: boolean }>(
    `SELECT decision_id, ${vector ? 'embedding IS NULL' : 'false'} AS pending
       FROM decisions
      WHERE org_id = $1
      ORDER BY created_at DESC
      LIMIT $2`,
    [orgId, VERSION_WINDOW],
  );
  const newest = r.rows[0];
  if (!newest) return 'empty';
  return `${newest.decision_id}.${r.rows.filter((row) => row.pending).length}`;
}

/** The text a decision is indexed by (its question and recommendation), or undefined when it is not the org's. */
export async function decisionText(
  db: Queryable,
  orgId: string,
  decisionId: string,
): Promise<{ query: string; recommendation: string } | undefined> {
  const r = await db.query<{ query: string; recommendation: string }>(
    'SELECT query, recommendation FROM decisions WHERE org_id = $1 AND decision_id = $2',
    [orgId, decisionId],
  );
  return r.rows[0];
}

/** Sets a stored decision's embedding (pgvector text); false when the org has no such decision. */
export async function setDecisionEmbedding(
  db: Queryable,
  orgId: string,
  decisionId: string,
  vector: string,
): Promise<boolean> {
  const r = await db.query(
    'UPDATE decisions SET embedding = $3::vector WHERE org_id = $1 AND decision_id = $2',
    [orgId, decisionId, vector],
  );
  return r.rowCount > 0;
}
