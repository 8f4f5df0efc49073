import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ConflictError } from '#core/errors';
import { DynamoIdempotencyStore } from '#core/jobs/idempotency-store';
import { JobService } from '#core/jobs/job-service';
import { createSqsClient, SqsQueue } from '#core/queue/queue';
import { closedPort } from '../../support/ports';
import { type JobsHarness, queuedJob, startJobsHarness } from './harness';

describe('starting analysis jobs', () => {
  let h: JobsHarness;
  let brokenService: JobService;
  let brokenSqs: ReturnType<typeof createSqsClient>;

  beforeAll(async () => {
    h = await startJobsHarness();
    brokenSqs = createSqsClient({
      region: h.aws.region,
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      maxAttempts: 1,
    });
    brokenService = new JobService({
      jobs: h.jobs,
      idempotency: h.idempotency,
      queue: new SqsQueue(brokenSqs, h.aws.queueUrl),
      decisions: h.decisions.read,
      ttlSeconds: 3_600,
      idempotencyTtlSeconds: 3_600,
    });
  });
  afterAll(async () => {
    brokenSqs?.destroy();
    await h?.close();
  });

  /** Task ids of the job messages now on the main queue (taken off it). */
  async function queuedTaskIds(): Promise<string[]> {
    const ids: string[] = [];
    for (;;) {
      const batch = await h.drain(h.aws.queueUrl, 0);
      if (batch.length === 0) return ids.sort();
      ids.push(...batch.map((m) => JSON.parse(m.Body ?? '{}').task_id as string));
    }
  }

  const item = (query: string) => ({ query, depth: 'standard' as const });

  it('writes a QUEUED job and sends exactly one message for it', async () => {
    const started = await h.service.start(h.caller, item('Open an office in Lisbon?'));
    expect(started).toEqual({ task_id: expect.any(String), status: 'QUEUED', replayed: false });
    expect(await queuedTaskIds()).toEqual([started.task_id]);
    const job = await h.jobs.get(started.task_id);
    expect(job).toMatchObject({
      org_id: h.caller.orgId,
      user_id: h.caller.userId,
      status: 'QUEUED',
      progress: 0,
      attempts: 0,
      query: 'Open an office in Lisbon?',
    });
    expect(job?.ttl).toBeGreaterThan(Date.now() / 1000 + 3_000);
  });

  it('answers the same task for the same Idempotency-Key and body, without a second message', async () => {
    const key = `k-${randomUUID()}`;
    const first = await h.service.start(h.caller, item('Hire 20 engineers?'), key);
    const again = await h.service.start(h.caller, item('Hire 20 engineers?'), key);
    expect(again).toEqual({ task_id: first.task_id, status: 'QUEUED', replayed: true });
    expect(await queuedTaskIds()).toEqual([first.task_id]);
  });

  it('answers one task and sends one message for concurrent requests with the same key', async () => {
    const key = `k-${randomUUID()}`;
    const all = await Promise.all(
      Array.from({ length: 6 }, () => h.service.start(h.caller, item('Open a store in Berlin?'), key)),
    );
    const ids = new Set(all.map((r) => r.task_id));
    expect(ids.size).toBe(1);
    expect(all.every((r) => r.status === 'QUEUED')).toBe(true);
    expect(await queuedTaskIds()).toEqual([...ids]);
  });

  it('creates and sends the job when a keyed request died between its key record and its job write', async () => {
    const key = `k-${randomUUID()}`;
    const orphanTaskId = randomUUID();
    const { idempotencyRecordId } = await import('#core/jobs/hash');
    const { canonicalJson, sha256Hex } = await import('#core/hash');
    const body = { kind: 'single', item: item('Half-started?') };
    await h.idempotency.reserve({
      task_id: idempotencyRecordId(h.caller.orgId, h.caller.userId, key, 0),
      job_task_id: orphanTaskId,
      body_hash: sha256Hex(canonicalJson(body)),
      created_at: new Date().toISOString(),
      ttl: Math.floor(Date.now() / 1000) + 600,
    });
    const started = await h.service.start(h.caller, item('Half-started?'), key);
    expect(started).toEqual({ task_id: orphanTaskId, status: 'QUEUED', replayed: true });
    expect((await h.jobs.get(orphanTaskId))?.query).toBe('Half-started?');
    expect(await queuedTaskIds()).toEqual([orphanTaskId]);
  });

  it('does not send twice when a concurrent replay already created and sent the job', async () => {
    // the replay won the race: the job exists (and its message was sent) before this request writes it
    const taskId = randomUUID();
    const racing = new JobService({
      jobs: h.jobs,
      idempotency: h.idempotency,
      queue: h.queue,
      decisions: h.decisions.read,
      ttlSeconds: 3_600,
      idempotencyTtlSeconds: 3_600,
      newId: () => taskId,
    });
    await h.jobs.create(
      queuedJob({
        task_id: taskId,
        org_id: h.caller.orgId,
        user_id: h.caller.userId,
        query: 'Race?',
        depth: 'standard',
      }),
    );
    const started = await racing.start(h.caller, item('Race?'), `k-${randomUUID()}`);
    expect(started).toEqual({ task_id: taskId, status: 'QUEUED', replayed: false });
    expect(await queuedTaskIds()).toEqual([]);
  });

  it('refuses the same Idempotency-Key with a different body (409) and scopes keys per user', async () => {
    const key = `k-${randomUUID()}`;
    const first = await h.service.start(h.caller, item('Raise prices 5%?'), key);
    const conflict = await h.service.start(h.caller, item('Raise prices 10%?'), key).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as AppError).status).toBe(409);
    await expect(
      h.service.start(h.caller, { query: 'Raise prices 5%?', depth: 'deep' }, key),
    ).rejects.toBeInstanceOf(ConflictError);

    const otherUser = { orgId: h.caller.orgId, userId: randomUUID() };
    const theirs = await h.service.start(otherUser, item('Raise prices 10%?'), key);
    expect(theirs.task_id).not.toBe(first.task_id);
    expect(theirs.replayed).toBe(false);
    await queuedTaskIds();
  });

  it('starts a bulk request with one SendMessageBatch and per-item results; replays it by key', async () => {
    const key = `bulk-${randomUUID()}`;
    const queries = [item('Q1?'), item('Q2?'), { query: 'Q3?', depth: 'deep' as const }];
    const results = await h.service.startBulk(h.caller, queries, key);
    expect(results.map((r) => [r.index, r.status, r.replayed])).toEqual([
      [0, 'QUEUED', false],
      [1, 'QUEUED', false],
      [2, 'QUEUED', false],
    ]);
    const ids = results.map((r) => r.task_id);
    expect(new Set(ids).size).toBe(3);
    expect(await queuedTaskIds()).toEqual([...ids].sort());
    expect((await h.jobs.get(ids[2] as string))?.depth).toBe('deep');

    const replay = await h.service.startBulk(h.caller, queries, key);
    expect(replay.map((r) => r.task_id)).toEqual(ids);
    expect(replay.every((r) => r.replayed)).toBe(true);
    expect(await queuedTaskIds()).toEqual([]);

    await expect(h.service.startBulk(h.caller, queries.slice(0, 2), key)).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(h.service.start(h.caller, item('Q1?'), key)).rejects.toBeInstanceOf(ConflictError);
  });

  it('marks the job FAILED(enqueue_failed) and answers 503 when SQS refuses the message; a keyed retry revives it', async () => {
    const key = `k-${randomUUID()}`;
    const err = await brokenService.start(h.caller, item('Enter the Japanese market?'), key).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(503);
    expect((err as AppError).headers['Retry-After']).toBeDefined();
    expect(await queuedTaskIds()).toEqual([]);

    // the job exists and says why; nothing is left QUEUED without a message
    const ids = await jobIdsFor(key, 1);
    const failed = await h.service.getStatus(h.caller, ids[0] as string);
    expect(failed).toMatchObject({ status: 'FAILED', error: { code: 'enqueue_failed' } });
    expect(failed.error?.message).toContain('queue did not accept');

    // the client retries with the same key once SQS is back: same task, QUEUED, one message
    const retried = await h.service.start(h.caller, item('Enter the Japanese market?'), key);
    expect(retried).toEqual({ task_id: ids[0], status: 'QUEUED', replayed: true });
    expect(await queuedTaskIds()).toEqual(ids);
    const job = await h.jobs.get(ids[0] as string);
    expect(job?.status).toBe('QUEUED');
    expect(job?.error).toBeUndefined();
  });

  it('reports every bulk item FAILED(enqueue_failed) with 503 when the batch send fails, and revives them by key', async () => {
    const key = `bulk-${randomUUID()}`;
    const queries = [item('A?'), item('B?')];
    const err = await brokenService.startBulk(h.caller, queries, key).catch((e) => e);
    expect((err as AppError).status).toBe(503);
    const ids = await jobIdsFor(key, 2);
    for (const id of ids) expect((await h.jobs.get(id))?.error?.code).toBe('enqueue_failed');

    const retried = await h.service.startBulk(h.caller, queries, key);
    expect(retried.map((r) => [r.task_id, r.status])).toEqual(ids.map((id) => [id, 'QUEUED']));
    expect(await queuedTaskIds()).toEqual([...ids].sort());
  });

  it('re-sends a replayed job that stayed QUEUED and never ran (its first send may have been lost)', async () => {
    const eager = new JobService({
      jobs: h.jobs,
      idempotency: h.idempotency,
      queue: h.queue,
      decisions: h.decisions.read,
      ttlSeconds: 3_600,
      idempotencyTtlSeconds: 3_600,
      resendStaleAfterMs: -1,
    });
    const key = `k-${randomUUID()}`;
    const first = await eager.start(h.caller, item('Stale?'), key);
    const again = await eager.start(h.caller, item('Stale?'), key);
    expect(again.task_id).toBe(first.task_id);
    expect(await queuedTaskIds()).toEqual([first.task_id, first.task_id]);
  });

  it('treats an expired idempotency record as absent', async () => {
    const key = `k-${randomUUID()}`;
    const first = await h.service.start(h.caller, item('Expire?'), key);
    const later = () => Date.now() + 2 * 3_600_000;
    const future = new JobService({
      jobs: h.jobs,
      idempotency: new DynamoIdempotencyStore(h.doc, h.aws.tableName, later),
      queue: h.queue,
      decisions: h.decisions.read,
      ttlSeconds: 3 * 3_600,
      idempotencyTtlSeconds: 3_600,
      now: later,
    });
    const second = await future.start(h.caller, item('Expire?'), key);
    expect(second.task_id).not.toBe(first.task_id);
    expect(second.replayed).toBe(false);
    await queuedTaskIds();
  });

  it('shows a job only to its owner: another user, another org or an unknown id is a 404', async () => {
    const { task_id } = await h.service.start(h.caller, item('Whose job?'));
    await queuedTaskIds();
    expect((await h.service.getStatus(h.caller, task_id)).task_id).toBe(task_id);
    for (const who of [
      { orgId: randomUUID(), userId: h.caller.userId },
      { orgId: h.caller.orgId, userId: randomUUID() },
    ]) {
      await expect(h.service.getStatus(who, task_id)).rejects.toMatchObject({ status: 404 });
    }
    await expect(h.service.getStatus(h.caller, randomUUID())).rejects.toMatchObject({ status: 404 });
  });

  /** The task ids a key created, read back through the idempotency records. */
  async function jobIdsFor(key: string, count: number): Promise<string[]> {
    const { idempotencyRecordId } = await import('#core/jobs/hash');
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const out = await h.doc.send(
        new GetCommand({
          TableName: h.aws.tableName,
          Key: { task_id: idempotencyRecordId(h.caller.orgId, h.caller.userId, key, i) },
        }),
      );
      ids.push(out.Item?.job_task_id as string);
    }
    return ids;
  }
});
