-- An org-leading full-text index for the keyword lookups (decision_keyword_ids, migration 0008): GIN over
-- (org_id, search_tsv) intersects the org with the words inside the index, so an org that holds a small part
-- of a large table reads only its own matches, not every org's (measured at 1M + 100k decisions, all-words
-- lookup of four common words for the 100k org: 1.5–2 ms instead of 10–18 ms; docs/search.md). The planner
-- keeps using decisions_search_tsv_idx for an org that holds most of the table (unchanged: 12–13 ms). It needs the btree_gin extension (PostgreSQL contrib; on RDS and
-- Aurora a trusted extension; PGlite bundles it). Where the extension cannot be created this migration
-- creates nothing and the lookups use decisions_search_tsv_idx alone, like before.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS btree_gin;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'btree_gin is not available (%): no org-leading full-text index', SQLERRM;
END
$$;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
    CREATE INDEX IF NOT EXISTS decisions_org_search_tsv_idx ON decisions USING gin (org_id, search_tsv);
  END IF;
END
$$;
