import type { AnalyzeResponse, AnsweredFrom } from '../analysis/types';
import type { Queryable } from '../db/types';
import { type Cursor, decodeCursor, encodeCursor } from './cursor';

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
  'decision_id, org_id, user_id, thread_id, query, result, recommendation, confidence, model, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, latency_ms, answered_from';

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
  ] as const;
}

/**
 * Inserts one decision; returns its created_at (ISO, microseconds). `embedding` (pgvector text, e.g.
 * `toPgVector(v)`) is written in the same statement where the column exists (vector-capable databases).
 */
export async function insertDecision(db: Queryable, d: NewDecision, embedding?: string): Promise<string> {
  const v = rowValues(d);
  const withVector = embedding !== undefined;
  const r = await db.query<{ created_at: string }>(
    `INSERT INTO decisions (${COLUMNS}${withVector ? ', embedding' : ''})
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16${withVector ? ', $17::vector' : ''})
     RETURNING ${TS_TEXT} AS created_at`,
    withVector ? [...v, embedding] : [...v],
  );
  return r.rows[0]!.created_at;
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
            u.cost_usd, u.latency_ms, u.answered_from
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                 $8::real[], $9::text[], $10::int[], $11::int[], $12::int[], $13::int[], $14::numeric[],
                 $15::int[], $16::text[])
       AS u(decision_id, org_id, user_id, thread_id, query, result, recommendation, confidence, model,
            tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, latency_ms, answered_from)`,
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

/** One decision of the caller's org, or undefined (another org's decision is indistinguishable from none). */
export async function getDecision(
  db: Queryable,
  q: { orgId: string; decisionId: string },
): Promise<AnalyzeResponse | undefined> {
  const r = await db.query<{ result: AnalyzeResponse; created_at: string }>(
    `SELECT result, ${TS_TEXT} AS created_at FROM decisions WHERE org_id = $1 AND decision_id = $2`,
    [q.orgId, q.decisionId],
  );
  const row = r.rows[0];
  return row ? { ...row.result, notices: row.result.notices ?? [], created_at: row.created_at } : undefined;
}
