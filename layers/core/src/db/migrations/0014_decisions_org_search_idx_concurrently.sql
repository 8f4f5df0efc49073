-- migrate:no-transaction
-- migrate:only-if SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin')
-- An org-leading full-text index for the keyword lookups (decision_keyword_ids, migration 0010), replacing
-- the plain one: GIN over (org_id, search_tsv) intersects the org with the words inside the index, so an org
-- holding a small part of a large table reads only its own matches instead of every org's and then skipping
-- the others' rows on the heap. Measured at 1M + 100k decisions (docs/search.md), lookups for the 100k org:
-- 1.0–2.6 ms instead of 10–22 ms. For an org holding most of the table, asking the index for the org would
-- read an entry as long as the table (15–21 ms instead of 12–13 ms): decision_keyword_ids then checks the
-- org per row and asks the index for the words only, which costs what the plain index did (8–16 ms).
-- Every keyword statement is org-scoped, so the plain index has no other use.
--
-- Built CONCURRENTLY, outside a transaction (docs/deploy.md, "Migrations on deploy"): reads and writes go on
-- during the build. A build that failed half-way leaves an INVALID index, which the runner drops before
-- building it again. Skipped (and tried again on later runs) where btree_gin is not installed (0011).
-- Databases that applied the first version of 0011 have this index already: both statements are no-ops.
-- Without a pending list, like the index it replaces (0012: searches never read an unsorted list first).
CREATE INDEX CONCURRENTLY IF NOT EXISTS decisions_org_search_tsv_idx ON decisions USING gin (org_id, search_tsv)
  WITH (fastupdate = off);
DROP INDEX CONCURRENTLY IF EXISTS decisions_search_tsv_idx;
