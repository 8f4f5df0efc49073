-- migrate:accepts-checksum f3f3fc914447a2934df8307b5a5b462e70ea145ae8a1ae6c26b389d4e6284c68
-- The btree_gin extension for the org-leading full-text index, which migration 0014 builds without blocking
-- writes (CREATE INDEX CONCURRENTLY, outside a transaction). This file's first version also built that index and
-- dropped the plain one, inside its transaction: on a large `decisions` table that blocks every write for the
-- whole build. Databases that applied that version (its checksum is accepted above) already have the index;
-- 0014 then finds nothing to do. btree_gin is PostgreSQL contrib, a trusted extension on RDS and Aurora, and
-- bundled by PGlite; where it cannot be created this changes nothing, 0014 is skipped and the plain index
-- decisions_search_tsv_idx stays.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS btree_gin;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'btree_gin is not available (%): keeping decisions_search_tsv_idx', SQLERRM;
END
$$;
