import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobService } from '#core/jobs/job-service';
import { PostgresJobResultStore } from '#core/jobs/result-store';
import type { RunAnalysis } from '#core/jobs/types';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { makeTenant } from '../../support/fixtures';
import { type JobsHarness, startJobsHarness } from './harness';

/** Results over the inline limit go to Postgres `job_results`; the item keeps a reference. */
describe.each(dbTargets())('large job results on %s', (kind) => {
  let h: JobsHarness;
  let t: TestDb;
  let results: PostgresJobResultStore;
  let service: JobService;
  let tenant: { orgId: string; userId: string };

  // A real computation whose output size the query chooses: "rows:N" → N rows of figures.
  const runAnalysis: RunAnalysis = async (job, ctx) => {
    const n = Number(job.query.split(':')[1]);
    await ctx.onProgress(40);
    return {
      rows: Array.from({ length: n }, (_, i) => ({ i, square: i * i, label: `row ${i}`.padEnd(40, '.') })),
    };
  };

  beforeAll(async () => {
    [h, t] = await Promise.all([startJobsHarness(), createTestDb(kind)]);
    results = new PostgresJobResultStore(t.db);
    tenant = await makeTenant(t.db, 'jobs');
    service = new JobService({
      jobs: h.jobs,
      idempotency: h.idempotency,
      queue: h.queue,
      results,
      ttlSeconds: 3_600,
      idempotencyTtlSeconds: 3_600,
    });
    h.startWorker(runAnalysis, { results, inlineMaxBytes: 4_096 });
  });
  afterAll(async () => {
    await h?.close();
    await t?.dispose();
  });

  it('stores a large result in Postgres and serves it through the status', async () => {
    const { task_id } = await service.start(tenant, { query: 'rows:500', depth: 'deep' });
    const job = await h.waitForJob(task_id, (j) => j.status === 'SUCCEEDED' || j.status === 'FAILED');
    expect(job.status).toBe('SUCCEEDED');
    expect(job.result_json).toBeUndefined();
    expect(job.result_ref).toMatchObject({ store: 'postgres', task_id, attempt_id: job.attempt_id });
    expect(job.result_ref?.bytes).toBeGreaterThan(4_096);

    const rows = await t.db.query<{ org_id: string }>('SELECT org_id FROM job_results WHERE task_id = $1', [
      task_id,
    ]);
    expect(rows.rows).toEqual([{ org_id: tenant.orgId }]);

    const view = await service.getStatus(tenant, task_id);
    const result = view.result as { rows: Array<{ i: number; square: number }> };
    expect(result.rows).toHaveLength(500);
    expect(result.rows[499]).toMatchObject({ i: 499, square: 249_001 });
  });

  it('keeps a small result inline in the item', async () => {
    const { task_id } = await service.start(tenant, { query: 'rows:3', depth: 'quick' });
    const job = await h.waitForJob(task_id, (j) => j.status === 'SUCCEEDED');
    expect(job.result_ref).toBeUndefined();
    expect(JSON.parse(job.result_json ?? '{}').rows).toHaveLength(3);
  });

  it('reads a stored result only within its org', async () => {
    const { task_id } = await service.start(tenant, { query: 'rows:200', depth: 'standard' });
    const job = await h.waitForJob(task_id, (j) => j.status === 'SUCCEEDED');
    const ref = job.result_ref;
    if (!ref) throw new Error('expected a result reference');
    expect(await results.get(ref, tenant.orgId)).toBeDefined();
    expect(await results.get(ref, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});
