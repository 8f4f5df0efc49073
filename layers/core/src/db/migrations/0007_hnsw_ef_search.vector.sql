-- HNSW search breadth for every session of this database, with no per-request SET (a SET pins RDS Proxy
-- sessions). pgvector's default ef_search is 40: recall@10 against exact search was 0.854 at 100k decisions;
-- 100 gave 0.946 and 200 gave 0.982 (docs/search.md). 200 also lets a small org sharing a big table get its
-- candidates before the other filters. A database-level default applies to new sessions; the migration's
-- own session (and PGlite's single one) gets it at once with set_config. A role-level setting
-- (ALTER ROLE … SET) overrides it where one role must differ.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET hnsw.ef_search = 200', current_database());
END
$$;
SELECT set_config('hnsw.ef_search', '200', false);
