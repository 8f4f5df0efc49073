-- Keyword search candidates through the GIN index only (layers/core/src/decisions/keyword-query.ts).
-- A `LIMIT n` query on a tsquery lets the planner walk the table (sequential scan, or the org's btree index)
-- with a filter when it expects many matches; for words that never occur together that walk reads the
-- whole table and finds nothing (docs/search.md, "The keyword half at 1M decisions"). This function plans
-- its one statement with sequential and index scans disabled, so the only plan left is a bitmap scan of the
-- GIN index: its cost follows the number of matches, never the table's size. The settings apply only while
-- the function runs (no SET statement on the connection, which would pin an RDS Proxy session), and the
-- statement is planned for the actual arguments (EXECUTE … USING). Org scope is a required argument.
CREATE FUNCTION decision_keyword_ids(p_org uuid, p_user uuid, p_query tsquery, p_limit integer)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
SET enable_indexscan = off
AS $fn$
BEGIN
  IF p_org IS NULL THEN
    RAISE EXCEPTION 'decision_keyword_ids: org is required';
  END IF;
  RETURN QUERY EXECUTE
    'SELECT d.decision_id FROM decisions d
      WHERE d.org_id = $1 AND ($2::uuid IS NULL OR d.user_id = $2) AND d.search_tsv @@ $3
      LIMIT $4'
    USING p_org, p_user, p_query, p_limit;
END
$fn$;
