-- migrate:no-transaction
-- Recall of the decisions' HNSW index (docs/search.md, "The vector half: ef_search"). At 100k decisions of a
-- varied generated corpus embedded by the offline embedder, recall@10 against exact search was 0.916–0.931 with
-- pgvector's build defaults (m 16, ef_construction 64) and ef_search 200 (migration 0007); the goal is 0.95.
-- ef_search 400 alone gave 0.958–0.967, too close to the goal; a graph built with ef_construction 128 and
-- searched with ef_search 400 gave 0.977 at a P95 of 9–14 ms on PGlite (m 24 or 32 cost more time for the
-- same recall).
--
-- Built CONCURRENTLY outside a transaction (docs/deploy.md, "The migration runner"): reads and writes go on
-- while the new graph is built, and searches use the old index until it is dropped. The new index keeps its
-- own name (a rename could not be repeated safely if a run stopped half-way: every statement here must be
-- harmless to run again). A build that failed half-way leaves an INVALID index, which the runner drops
-- before building it again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS decisions_embedding_hnsw_ef128_idx ON decisions
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 128);
DROP INDEX CONCURRENTLY IF EXISTS decisions_embedding_hnsw_idx;
-- Search breadth for every session as in 0007 (a database default, no per-request SET); it applies to the
-- answer cache's HNSW index too. The migration's own session (PGlite's only one) gets it at once.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET hnsw.ef_search = 400', current_database());
END
$$;
SELECT set_config('hnsw.ef_search', '400', false);
