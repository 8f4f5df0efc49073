-- Jobs point to their decision (`decision_id` on the DynamoDB job item) instead of storing a second copy of
-- the result: `job_results` (0003, results too large for the item) has no writer or reader any more.
DROP TABLE IF EXISTS job_results;
