-- Analyze now stores each answer as it is returned: `result.created_at` is the row's `created_at` and
-- `result.notices` is always present. Rows written before did not carry them (they were patched on read);
-- this fills them in once, so reads return the stored answer unchanged.
UPDATE decisions
   SET result = result
       || jsonb_build_object('created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
       || CASE WHEN result ? 'notices' THEN '{}'::jsonb ELSE '{"notices": []}'::jsonb END
 WHERE coalesce(result->>'created_at', '') = '' OR NOT (result ? 'notices');
