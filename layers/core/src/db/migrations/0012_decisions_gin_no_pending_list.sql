-- Full-text lookups without the GIN pending list. With fastupdate (PostgreSQL's default), new decisions'
-- words are parked in an unsorted pending list of up to gin_pending_list_limit (4 MB) until a vacuum or a
-- full list merges them, and EVERY search through the index reads that whole list first. Measured at 1M +
-- 100k decisions (docs/search.md, "The keyword half at 1M decisions"): a full list (224 pages, 4,762
-- decisions) added about 2.5 ms to each all-words lookup, several per search; the big org's P95 went from
-- 23-24 ms to 16-17 ms once the list was merged. Decisions are written at the pace of analyses (each one an
-- LLM call of seconds), so putting each one's words straight into the index costs nothing that matters
-- (measured in the same section), and searches never pay for a pending list again.
--
-- Applies to whichever full-text GIN index the decisions table has (decisions_org_search_tsv_idx where
-- migration 0011 found btree_gin, decisions_search_tsv_idx elsewhere), then merges what is already pending.
-- ALTER INDEX … SET (fastupdate) takes a SHARE UPDATE EXCLUSIVE lock: reads and writes go on meanwhile.
DO $$
DECLARE
  idx regclass;
BEGIN
  FOR idx IN
    SELECT i.indexrelid::regclass
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam
     WHERE i.indrelid = 'decisions'::regclass AND am.amname = 'gin'
  LOOP
    EXECUTE format('ALTER INDEX %s SET (fastupdate = off)', idx);
    PERFORM gin_clean_pending_list(idx);
  END LOOP;
END
$$;
