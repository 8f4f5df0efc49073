-- Keyword search candidates through the full-text GIN index only (layers/core/src/decisions/keyword-query.ts).
-- A `LIMIT n` query on a tsquery lets the planner walk the table (sequential scan, or the org's btree index)
-- with a filter when it expects many matches; for words that never occur together that walk reads the
-- whole table and finds nothing (docs/search.md, "The keyword half at 1M decisions"). This function plans
-- its one statement with sequential and index scans disabled, so the only plan left is a bitmap scan of the
-- GIN index: its cost follows the number of matches, never the table's size. The settings apply only while
-- the function runs (no SET statement on the connection, which would pin an RDS Proxy session), and the
-- statement is planned for the actual arguments (EXECUTE … USING). The org is a required argument.
--
-- p_org_on_heap: check the org on each row found instead of in the index. With the org-leading index of
-- migration 0011, asking the index for the org costs a read of the org's whole entry — right for an org
-- holding a small part of the table (its matches only), wasted for one holding most of it (see
-- decision_org_share).
CREATE FUNCTION decision_keyword_ids(p_org uuid, p_user uuid, p_query tsquery, p_limit integer,
                                     p_org_on_heap boolean DEFAULT false)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
SET enable_indexscan = off
AS $fn$
BEGIN
  IF p_org IS NULL THEN
    RAISE EXCEPTION 'decision_keyword_ids: org is required';
  END IF;
  IF p_org_on_heap THEN
    RETURN QUERY EXECUTE
      'SELECT d.decision_id FROM decisions d
        WHERE (d.org_id = $1) IS TRUE AND ($2::uuid IS NULL OR d.user_id = $2) AND d.search_tsv @@ $3
        LIMIT $4'
      USING p_org, p_user, p_query, p_limit;
  ELSE
    RETURN QUERY EXECUTE
      'SELECT d.decision_id FROM decisions d
        WHERE d.org_id = $1 AND ($2::uuid IS NULL OR d.user_id = $2) AND d.search_tsv @@ $3
        LIMIT $4'
      USING p_org, p_user, p_query, p_limit;
  END IF;
END
$fn$;

-- The org's share of the decisions table by the planner's statistics (pg_stats most common values of
-- org_id; 0 for an org too small to be listed, or before the first ANALYZE).
CREATE FUNCTION decision_org_share(p_org uuid)
RETURNS double precision
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
  share double precision;
BEGIN
  SELECT m.f INTO share
    FROM pg_stats s, unnest(s.most_common_vals::text::uuid[], s.most_common_freqs) AS m(v, f)
   WHERE s.schemaname = current_schema() AND s.tablename = 'decisions' AND s.attname = 'org_id'
     AND m.v = p_org;
  RETURN coalesce(share, 0);
END
$fn$;
