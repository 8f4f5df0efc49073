import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDecision, insertDecision } from '#core/decisions/store';
import type { AnalyzeResponse } from '#core/decisions/types';
import { JobService } from '#core/jobs/job-service';
import type { Job } from '#core/jobs/types';
import { createTestDb, type TestDb } from '../../support/db';
import { makeTenant } from '../../support/fixtures';
import { type JobsHarness, queuedJob, startJobsHarness } from './harness';

/**
 * A job points to its decision (`decision_id`) instead of keeping a copy of the result: the status reads the
 * decision through the decisions store, within the job's org. Items written before (with `result_json`) still
 * show their decision.
 */
describe('a job points to its decision', () => {
  let h: JobsHarness;
  let t: TestDb;
  let service: JobService;
  let mine: { orgId: string; userId: string };
  let theirs: { orgId: string; userId: string };

  beforeAll(async () => {
    [h, t] = await Promise.all([startJobsHarness(), createTestDb('pglite')]);
    mine = await makeTenant(t.db, 'pointer');
    theirs = await makeTenant(t.db, 'pointer-other');
    service = new JobService({
      jobs: h.jobs,
      idempotency: h.idempotency,
      queue: h.queue,
      decisions: (q) => getDecision(t.db, q),
      ttlSeconds: 3_600,
      idempotencyTtlSeconds: 3_600,
    });
  });
  afterAll(async () => {
    await h?.close();
    await t?.dispose();
  });

  /** A decision row as analyze writes it. */
  async function decisionOf(who: { orgId: string; userId: string }, query: string): Promise<string> {
    const decisionId = randomUUID();
    const response = {
      decision_id: decisionId,
      query,
      thread_id: null,
      recommendation: 'Proceed in stages',
      options: [],
      risks: [],
      confidence: 0.7,
      rationale: 'Because.',
      skills: [],
      notices: [],
      model: 'offline',
      usage: {
        input_tokens: 1,
        output_tokens: 1,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
        cost_usd: 0,
      },
      latency_ms: 5,
      answered_from: 'agent',
      created_at: new Date().toISOString(),
    } as unknown as AnalyzeResponse;
    await insertDecision(t.db, { decisionId, ...who, threadId: null, response });
    return decisionId;
  }

  /** A job of `who` that a worker finished, pointing to `decisionId` (or carrying a legacy result copy). */
  async function succeededJob(
    who: { orgId: string; userId: string },
    finish: { decisionId?: string; legacyResult?: unknown },
  ): Promise<Job> {
    const job = queuedJob({
      task_id: randomUUID(),
      org_id: who.orgId,
      user_id: who.userId,
      query: 'Should we expand?',
      depth: 'standard',
    });
    await h.jobs.create(job);
    await h.jobs.claim(job.task_id, { attemptId: 'a1', attempts: 1, leaseMs: 60_000 });
    if (finish.decisionId) await h.jobs.complete(job.task_id, 'a1', finish.decisionId);
    else {
      // an item as workers wrote it before jobs pointed to their decision
      await h.jobs.complete(job.task_id, 'a1', 'placeholder');
      const legacy = { ...(await h.jobs.get(job.task_id))! };
      delete legacy.decision_id;
      legacy.result_json = JSON.stringify(finish.legacyResult);
      await h.doc.send(new PutCommand({ TableName: h.aws.tableName, Item: legacy }));
    }
    return job;
  }

  it('the status shows the decision the job points to, read from the history', async () => {
    const decisionId = await decisionOf(mine, 'Should we expand?');
    const job = await succeededJob(mine, { decisionId });
    const stored = await h.jobs.get(job.task_id);
    expect(stored?.decision_id).toBe(decisionId);
    expect(stored).not.toHaveProperty('result_json');
    const view = await service.getStatus(mine, job.task_id);
    expect(view.status).toBe('SUCCEEDED');
    expect(view.result).toEqual(await getDecision(t.db, { orgId: mine.orgId, decisionId }));
    expect(view.result).toMatchObject({ decision_id: decisionId, recommendation: 'Proceed in stages' });
  });

  it("never reads another org's decision: a job pointing outside its org has no result (404)", async () => {
    const foreign = await decisionOf(theirs, 'Their question');
    const job = await succeededJob(mine, { decisionId: foreign });
    await expect(service.getStatus(mine, job.task_id)).rejects.toMatchObject({ status: 404 });
  });

  it('an item written before (a result copy with its decision id) still shows its decision', async () => {
    const decisionId = await decisionOf(mine, 'Old question');
    const job = await succeededJob(mine, { legacyResult: { decision_id: decisionId, stale: 'copy' } });
    const view = await service.getStatus(mine, job.task_id);
    expect(view.result).toMatchObject({ decision_id: decisionId, recommendation: 'Proceed in stages' });
    expect(view.result).not.toHaveProperty('stale');
  });
});
