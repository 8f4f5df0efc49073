import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoJobStore } from '#core/jobs/job-store';
import type { Job } from '#core/jobs/types';
import { type JobsHarness, queuedJob, startJobsHarness } from './harness';

/** The conditional transitions of the job state machine, against dynalite through the document client. */
describe('DynamoJobStore transitions', () => {
  let h: JobsHarness;
  beforeAll(async () => {
    h = await startJobsHarness();
  });
  afterAll(() => h?.close());

  function newJob(): Job {
    return queuedJob({
      task_id: randomUUID(),
      org_id: randomUUID(),
      user_id: randomUUID(),
      query: 'q',
      depth: 'standard',
    });
  }

  it('creates a job once', async () => {
    const job = newJob();
    expect(await h.jobs.create(job)).toBe(true);
    expect(await h.jobs.create({ ...job, query: 'other' })).toBe(false);
    expect((await h.jobs.get(job.task_id))?.query).toBe('q');
  });

  it('lets one attempt claim a QUEUED job; only that attempt reports progress and finishes it', async () => {
    const job = newJob();
    await h.jobs.create(job);
    const claimed = await h.jobs.claim(job.task_id, { attemptId: 'a1', attempts: 1, leaseMs: 60_000 });
    expect(claimed).toMatchObject({ status: 'RUNNING', attempt_id: 'a1', attempts: 1, progress: 0 });
    expect(claimed?.started_at).toBeDefined();
    expect(
      await h.jobs.claim(job.task_id, { attemptId: 'a2', attempts: 2, leaseMs: 60_000 }),
    ).toBeUndefined();

    expect(await h.jobs.updateProgress(job.task_id, 'a2', 50)).toBe(false);
    expect(await h.jobs.updateProgress(job.task_id, 'a1', 140)).toBe(true);
    expect((await h.jobs.get(job.task_id))?.progress).toBe(100);

    expect(await h.jobs.complete(job.task_id, 'a2', 'decision-theirs')).toBe(false);
    expect(await h.jobs.complete(job.task_id, 'a1', 'decision-mine')).toBe(true);
    expect(await h.jobs.complete(job.task_id, 'a1', 'decision-again')).toBe(false);
    expect(await h.jobs.fail(job.task_id, 'a1', { code: 'analysis_failed', message: 'late' })).toBe(false);
    const done = await h.jobs.get(job.task_id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', decision_id: 'decision-mine', progress: 100 });
    expect(done?.lease_expires_at).toBeUndefined();
    expect(
      await h.jobs.claim(job.task_id, { attemptId: 'a3', attempts: 3, leaseMs: 60_000 }),
    ).toBeUndefined();
  });

  it('lets another delivery take over a RUNNING job once its lease has expired', async () => {
    const job = newJob();
    await h.jobs.create(job);
    await h.jobs.claim(job.task_id, { attemptId: 'dead', attempts: 1, leaseMs: 60_000 });
    const later = new DynamoJobStore(h.doc, h.aws.tableName, () => Date.now() + 61_000);
    const taken = await later.claim(job.task_id, { attemptId: 'alive', attempts: 2, leaseMs: 60_000 });
    expect(taken).toMatchObject({ attempt_id: 'alive', attempts: 2 });
    expect(await h.jobs.complete(job.task_id, 'dead', 'd1')).toBe(false);
    expect(await h.jobs.complete(job.task_id, 'alive', 'd2')).toBe(true);
  });

  it('releases a failed attempt back to QUEUED with the error, for the redelivery to claim', async () => {
    const job = newJob();
    await h.jobs.create(job);
    await h.jobs.claim(job.task_id, { attemptId: 'a1', attempts: 1, leaseMs: 60_000 });
    expect(await h.jobs.release(job.task_id, 'other', { code: 'analysis_failed', message: 'x' })).toBe(false);
    expect(await h.jobs.release(job.task_id, 'a1', { code: 'analysis_failed', message: 'timeout' })).toBe(
      true,
    );
    const released = await h.jobs.get(job.task_id);
    expect(released).toMatchObject({ status: 'QUEUED', last_error: { message: 'timeout' } });
    expect(released?.attempt_id).toBeUndefined();
    expect(await h.jobs.claim(job.task_id, { attemptId: 'a2', attempts: 2, leaseMs: 60_000 })).toBeDefined();
  });

  it('marks only a QUEUED job enqueue_failed, and requeues only such a job', async () => {
    const job = newJob();
    await h.jobs.create(job);
    expect(await h.jobs.requeue(job.task_id)).toBe(false);
    expect(await h.jobs.markEnqueueFailed(job.task_id, { code: 'enqueue_failed', message: 'down' })).toBe(
      true,
    );
    expect(await h.jobs.markEnqueueFailed(job.task_id, { code: 'enqueue_failed', message: 'down' })).toBe(
      false,
    );
    expect(await h.jobs.claim(job.task_id, { attemptId: 'a1', attempts: 1, leaseMs: 1_000 })).toBeUndefined();
    expect(await h.jobs.requeue(job.task_id)).toBe(true);
    const requeued = await h.jobs.get(job.task_id);
    expect(requeued?.status).toBe('QUEUED');
    expect(requeued?.error).toBeUndefined();
    expect(requeued?.finished_at).toBeUndefined();

    const other = newJob();
    await h.jobs.create(other);
    await h.jobs.claim(other.task_id, { attemptId: 'a1', attempts: 1, leaseMs: 60_000 });
    await h.jobs.fail(other.task_id, 'a1', { code: 'analysis_failed', message: 'no' });
    expect(await h.jobs.requeue(other.task_id)).toBe(false);
    expect(await h.jobs.markEnqueueFailed(other.task_id, { code: 'enqueue_failed', message: 'x' })).toBe(
      false,
    );
  });

  it('answers undefined for an unknown job, and never claims one', async () => {
    const id = randomUUID();
    expect(await h.jobs.get(id)).toBeUndefined();
    expect(await h.jobs.claim(id, { attemptId: 'a', attempts: 1, leaseMs: 1_000 })).toBeUndefined();
    expect(await h.jobs.get(id)).toBeUndefined();
  });
});
