import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJobMessage } from '#core/jobs/message';
import type { Job, RunAnalysis } from '#core/jobs/types';
import { createJobWorkerHandler, NonRetryableJobError } from '#core/jobs/worker';
import type { SqsPoller } from '../../../bin/local/aws/sqs-poller';
import {
  counter,
  gate,
  type JobsHarness,
  MAX_RECEIVE_COUNT,
  queuedJob,
  recordingLogger,
  recordingMetrics,
  startJobsHarness,
} from './harness';

/**
 * The whole path through real SDK clients: JobService.start → DynamoDB (dynalite) + SQS (fauxqs) → the local
 * poller → the worker handler (Powertools BatchProcessor) → conditional transitions → result.
 * The analysis is chosen by the query's prefix; each is a real function.
 */
describe('analysis worker through the SQS poller', () => {
  let h: JobsHarness;
  let poller: SqsPoller;
  const runs = counter();
  const completions = counter();
  const hang1 = gate();
  const hang2 = gate();
  const log = recordingLogger();
  const metrics = recordingMetrics();
  const fixed = new Set<string>();

  const runAnalysis: RunAnalysis = async (job, ctx) => {
    const n = runs.hit(job.task_id);
    const [kind, arg = ''] = job.query.split(':');
    let result: unknown;
    switch (kind) {
      case 'sum': {
        await ctx.onProgress(50);
        const total = arg.split(',').reduce((s, x) => s + Number(x), 0);
        result = { sum: total, attempt: ctx.attempt };
        break;
      }
      case 'throw-once':
        await ctx.onProgress(30);
        if (n === 1) throw new Error(`transient failure of ${arg}`);
        result = { ok: true, attempt: ctx.attempt };
        break;
      case 'hang':
        // attempt 1 dies (never returns in time); attempt 2 takes over and is held until the test lets it go
        await (n === 1 ? hang1.promise : hang2.promise);
        result = { run: n };
        break;
      case 'poison':
        throw new Error(`cannot analyse ${arg}`);
      case 'broken':
        if (!fixed.has(job.task_id)) throw new Error(`dependency down for ${arg}`);
        result = { fixed: true, attempt: ctx.attempt };
        break;
      case 'fatal':
        throw new NonRetryableJobError(`unsupported question ${arg}`);
      default:
        result = { echo: job.query };
    }
    completions.hit(job.task_id);
    // as the real analysis does: the result is recorded as a decision, the job points to it
    return h.decisions.record(job.org_id, result);
  };

  beforeAll(async () => {
    // lease 1.2 s < invocation timeout 1.5 s < visibility 2 s: a hung attempt is abandoned, and its redelivery
    // finds the lease expired; normal jobs (milliseconds) never come near these limits
    h = await startJobsHarness({ visibilityTimeoutSeconds: 2 });
    poller = h.startWorker(runAnalysis, {
      concurrency: 2,
      leaseMs: 1_200,
      invocationTimeoutMs: 1_500,
      logger: log.logger,
      metrics: metrics.sink,
    });
  });
  afterAll(async () => {
    hang1.release();
    hang2.release();
    await h?.close();
  });

  const start = (query: string) => h.service.start(h.caller, { query, depth: 'standard' });
  const finished = (j: Job) => j.status === 'SUCCEEDED' || j.status === 'FAILED';

  it('runs a started job to SUCCEEDED with its result, progress and timestamps', async () => {
    const { task_id, status } = await start('sum:1,2,3,4');
    expect(status).toBe('QUEUED');
    const job = await h.waitForJob(task_id, finished);
    expect(job.status).toBe('SUCCEEDED');
    expect(job.progress).toBe(100);
    expect(job.attempts).toBe(1);
    expect(job.lease_expires_at).toBeUndefined();
    // the job points to the decision the analysis recorded; it keeps no copy of the result
    expect(job.decision_id).toEqual(expect.any(String));
    expect(job).not.toHaveProperty('result_json');
    expect(Date.parse(job.finished_at ?? '')).toBeGreaterThanOrEqual(Date.parse(job.started_at ?? ''));

    const view = await h.service.getStatus(h.caller, task_id);
    expect(view).toMatchObject({ status: 'SUCCEEDED', result: { sum: 10, attempt: 1 }, error: null });
    expect(runs.get(task_id)).toBe(1);
    expect(metrics.points.find((p) => p.name === 'QueueLag')?.value).toBeGreaterThanOrEqual(0);
    expect(metrics.count('JobSucceeded')).toBe(1);
  });

  it('runs the analysis once when the same job message is delivered twice', async () => {
    const deletedBefore = poller.stats.deleted;
    const { task_id } = await start('sum:2,3');
    await h.queue.send(encodeJobMessage(task_id)); // a second delivery of the same job
    const job = await h.waitForJob(task_id, finished);
    expect(job.status).toBe('SUCCEEDED');
    // both deliveries were handled (and deleted): one ran the analysis, the other found it held or finished
    const deadline = Date.now() + 5_000;
    while (poller.stats.deleted < deletedBefore + 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(poller.stats.deleted).toBe(deletedBefore + 2);
    expect(runs.get(task_id)).toBe(1);
    // a late redelivery after completion does nothing either
    await h.queue.send(encodeJobMessage(task_id));
    while (poller.stats.deleted < deletedBefore + 3 && Date.now() < deadline + 5_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(runs.get(task_id)).toBe(1);
    expect((await h.jobs.get(task_id))?.finished_at).toBe(job.finished_at);
  });

  it('the very same SQS record handled twice, concurrently and again later, runs once', async () => {
    const taskId = crypto.randomUUID();
    await h.jobs.create(
      queuedJob({
        task_id: taskId,
        org_id: h.caller.orgId,
        user_id: h.caller.userId,
        query: 'sum:5,5',
        depth: 'quick',
      }),
    );
    const record: SQSRecord = {
      messageId: crypto.randomUUID(),
      receiptHandle: 'rh',
      body: encodeJobMessage(taskId),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: h.aws.queueArn,
      awsRegion: h.aws.region,
    };
    const event: SQSEvent = { Records: [record] };
    const handler = createJobWorkerHandler({
      jobs: h.jobs,
      runAnalysis,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      leaseMs: 5_000,
    });
    const [a, b] = await Promise.all([handler(event), handler(event)]);
    const again = await handler(event);
    expect([a, b, again].map((r) => r.batchItemFailures)).toEqual([[], [], []]);
    expect(runs.get(taskId)).toBe(1);
    expect((await h.jobs.get(taskId))?.status).toBe('SUCCEEDED');
  });

  it('redelivers after an attempt throws mid-job and completes exactly once', async () => {
    const { task_id } = await start('throw-once:pricing');
    const job = await h.waitForJob(task_id, finished);
    expect(job.status).toBe('SUCCEEDED');
    expect(job.attempts).toBe(2);
    expect(runs.get(task_id)).toBe(2);
    expect(completions.get(task_id)).toBe(1);
    expect(job.last_error).toMatchObject({ code: 'analysis_failed' });
    // a raw error's text is logged, never shown: a code, our message and the correlation id
    expect(job.last_error?.message).not.toContain('transient failure of pricing');
    expect(job.last_error?.message).toMatch(/^internal_error: .*correlation id /);
    expect(job.last_error?.correlation_id).toBeTruthy();
    expect((await h.service.getStatus(h.caller, task_id)).result).toEqual({ ok: true, attempt: 2 });
  });

  it('takes over a job whose worker died mid-run once its lease expired; the dead attempt cannot finish it', async () => {
    const { task_id } = await start('hang:dies');
    // attempt 1 hangs past its lease and invocation timeout; the redelivery claims the job
    const taken = await h.waitForJob(task_id, (j) => j.status === 'RUNNING' && j.attempts === 2);
    // attempt 1 wakes up while attempt 2 holds the job: its result is refused
    hang1.release();
    await log.waitFor((e) => e.message.includes('lost its lease') && e.extra.taskId === task_id);
    const during = await h.jobs.get(task_id);
    expect(during).toMatchObject({ status: 'RUNNING', attempt_id: taken.attempt_id });
    expect(during?.decision_id).toBeUndefined();

    hang2.release();
    const job = await h.waitForJob(task_id, finished);
    expect(job).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(await h.decisions.read({ orgId: job.org_id, decisionId: job.decision_id! })).toEqual({ run: 2 });
    expect(completions.get(task_id)).toBe(2);
  });

  it('fails a non-retryable analysis at once, without the DLQ', async () => {
    const { task_id } = await start('fatal:astrology');
    const job = await h.waitForJob(task_id, finished);
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatchObject({ code: 'analysis_failed' });
    expect(job.error?.message).toContain('unsupported question astrology');
    expect(runs.get(task_id)).toBe(1);
  });

  it('moves a poison job to the DLQ after maxReceiveCount with the job FAILED and why; a non-job message too', async () => {
    const retriedBefore = metrics.count('JobRetried');
    const failedBefore = metrics.count('JobFailed');
    const { task_id } = await start('poison:widgets');
    await h.queue.send('{"hello":"world"}');
    const job = await h.waitForJob(task_id, finished, 20_000);
    expect(job.status).toBe('FAILED');
    expect(job.attempts).toBe(MAX_RECEIVE_COUNT);
    expect(job.error?.code).toBe('max_attempts_exceeded');
    expect(job.error?.message).not.toContain('cannot analyse widgets');
    expect(job.error?.message).toMatch(/internal_error: .*correlation id /);
    expect(job.error?.correlation_id).toBeTruthy();
    expect(runs.get(task_id)).toBe(MAX_RECEIVE_COUNT);

    const dead: Awaited<ReturnType<JobsHarness['drain']>> = [];
    const deadline = Date.now() + 15_000;
    while (dead.length < 2 && Date.now() < deadline) dead.push(...(await h.drain(h.aws.dlqUrl, 1)));
    expect(dead.map((m) => m.Body).sort()).toEqual(['{"hello":"world"}', encodeJobMessage(task_id)].sort());
    for (const m of dead) {
      expect(Number(m.Attributes?.ApproximateReceiveCount)).toBeGreaterThan(MAX_RECEIVE_COUNT);
    }
    expect(runs.get(task_id)).toBe(MAX_RECEIVE_COUNT);
    // the poison job: retried twice, failed once (the non-job message never reaches the analysis)
    expect(metrics.count('JobRetried') - retriedBefore).toBe(MAX_RECEIVE_COUNT - 1);
    expect(metrics.count('JobFailed') - failedBefore).toBe(1);
  });

  it('runs a FAILED job again when its message is redriven from the DLQ', async () => {
    const { task_id } = await start('broken:pricing-db');
    const failed = await h.waitForJob(task_id, finished, 20_000);
    expect(failed.error?.code).toBe('max_attempts_exceeded');
    // The operator fixes the cause, then redrives: SQS moves the message back to the source queue, where it
    // arrives with a fresh receive count.
    fixed.add(task_id);
    await h.queue.send(encodeJobMessage(task_id));
    const job = await h.waitForJob(task_id, (j) => j.status === 'SUCCEEDED', 20_000);
    expect(job.attempts).toBe(1);
    expect(job.error).toBeUndefined();
    expect(runs.get(task_id)).toBe(MAX_RECEIVE_COUNT + 1);
    const view = await h.service.getStatus(h.caller, task_id);
    expect(view).toMatchObject({ status: 'SUCCEEDED', result: { fixed: true, attempt: 1 } });
  });
});
