-- Results of long analysis jobs too large for their DynamoDB item (> JOBS_RESULT_INLINE_MAX_BYTES). The job
-- item keeps a reference {task_id, attempt_id}; one row per attempt, so an attempt that lost its lease can
-- never overwrite the result of the attempt that finished the job (it deletes its own row instead).
CREATE TABLE job_results (
  task_id    uuid NOT NULL,
  attempt_id text NOT NULL,
  org_id     uuid NOT NULL REFERENCES orgs (org_id) ON DELETE CASCADE,
  result     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, attempt_id)
);
-- For a clean-up of rows older than the jobs' TTL.
CREATE INDEX job_results_created_idx ON job_results (created_at);
