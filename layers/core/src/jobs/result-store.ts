import type { Queryable } from '../db/types';
import type { JobResultRef } from './types';

/** Large job results, outside the DynamoDB item (whose limit is 400 KB). */
export interface JobResultStore {
  put(ref: JobResultRef, orgId: string, resultJson: string): Promise<void>;
  /** The result, or undefined when no row matches the reference within this org. */
  get(ref: JobResultRef, orgId: string): Promise<unknown>;
  delete(ref: JobResultRef): Promise<void>;
}

/** `job_results` in Postgres (migration 0003); org-scoped reads. */
export class PostgresJobResultStore implements JobResultStore {
  constructor(private readonly db: Queryable) {}

  async put(ref: JobResultRef, orgId: string, resultJson: string): Promise<void> {
    await this.db.query(
      `INSERT INTO job_results (task_id, attempt_id, org_id, result) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (task_id, attempt_id) DO UPDATE SET result = EXCLUDED.result`,
      [ref.task_id, ref.attempt_id, orgId, resultJson],
    );
  }

  async get(ref: JobResultRef, orgId: string): Promise<unknown> {
    const out = await this.db.query<{ result: unknown }>(
      'SELECT result FROM job_results WHERE task_id = $1 AND attempt_id = $2 AND org_id = $3',
      [ref.task_id, ref.attempt_id, orgId],
    );
    return out.rows[0]?.result;
  }

  async delete(ref: JobResultRef): Promise<void> {
    await this.db.query('DELETE FROM job_results WHERE task_id = $1 AND attempt_id = $2', [
      ref.task_id,
      ref.attempt_id,
    ]);
  }
}
