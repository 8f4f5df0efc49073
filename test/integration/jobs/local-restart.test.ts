/**
 * The local runtime keeps queued work (issue #12, item 6): jobs queued before a restart of the stand-ins
 * complete after it, and an Idempotency-Key still maps to its task. Also: every stand-in listens on loopback
 * only.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { loadJobsConfig } from '#core/jobs/config';
import { DynamoIdempotencyStore } from '#core/jobs/idempotency-store';
import { JobService } from '#core/jobs/job-service';
import { createDynamoDocumentClient, DynamoJobStore } from '#core/jobs/job-store';
import { createJobWorkerHandler } from '#core/jobs/worker';
import { createSqsClient, SqsQueue } from '#core/queue/queue';
import { type LocalJobs, startLocalJobs } from '../../../bin/local/aws/local-jobs';
import { fakeDecisions } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'ceo-jobs-'));
const table = `restart-${randomUUID().slice(0, 8)}`;
const running: LocalJobs[] = [];
const clients: Array<{ destroy(): void }> = [];
const decisions = fakeDecisions();

afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const r of running) await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A JobService over the stand-ins the environment points at. */
function serviceFor(env: NodeJS.ProcessEnv) {
  const c = loadJobsConfig(env);
  const doc = createDynamoDocumentClient({ region: c.AWS_REGION, endpoint: c.AWS_ENDPOINT_URL_DYNAMODB });
  const sqs = createSqsClient({ region: c.AWS_REGION, endpoint: c.AWS_ENDPOINT_URL_SQS });
  clients.push(doc, sqs);
  return new JobService({
    jobs: new DynamoJobStore(doc, c.JOBS_TABLE),
    idempotency: new DynamoIdempotencyStore(doc, c.JOBS_TABLE),
    queue: new SqsQueue(sqs, c.ANALYSIS_QUEUE_URL ?? ''),
    decisions: decisions.read,
    ttlSeconds: 600,
    idempotencyTtlSeconds: 600,
  });
}

describe('local job stand-ins across a restart', () => {
  it('20 jobs queued before a restart all complete after it; an Idempotency-Key still maps to its task', async () => {
    const caller = { orgId: randomUUID(), userId: randomUUID() };
    // First run: a worker that never gets to them (every message handed back), as if the runtime stopped.
    let received = 0;
    const env1: NodeJS.ProcessEnv = { JOBS_TABLE: table, JOBS_VISIBILITY_TIMEOUT_SECONDS: '600' };
    const first = await startLocalJobs({
      env: env1,
      persistDir: dir,
      loadWorker:
        async () =>
        async (event: SQSEvent): Promise<SQSBatchResponse> => {
          received += event.Records.length;
          return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
        },
    });
    running.push(first);
    expect(new URL(env1.AWS_ENDPOINT_URL_SQS!).hostname).toBe('127.0.0.1');
    expect(new URL(env1.AWS_ENDPOINT_URL_DYNAMODB!).hostname).toBe('127.0.0.1');
    expect(first.aws?.requeued).toBe(0);
    const service1 = serviceFor(env1);
    const tasks: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await service1.start(
        caller,
        { query: `question number ${i} about growth`, depth: 'quick' },
        `key-${i}`,
      );
      tasks.push(r.task_id);
    }
    await first.stop();
    running.pop();

    // Second run over the same folder: the unfinished jobs are queued again and the worker completes them.
    const env2: NodeJS.ProcessEnv = { JOBS_TABLE: table };
    const second = await startLocalJobs({
      env: env2,
      persistDir: dir,
      loadWorker: async () => {
        const c = loadJobsConfig(env2);
        const doc = createDynamoDocumentClient({
          region: c.AWS_REGION,
          endpoint: c.AWS_ENDPOINT_URL_DYNAMODB,
        });
        clients.push(doc);
        return createJobWorkerHandler({
          jobs: new DynamoJobStore(doc, c.JOBS_TABLE),
          runAnalysis: async (job) => decisions.record(job.org_id, { words: job.query.split(' ').length }),
          maxReceiveCount: c.JOBS_MAX_RECEIVE_COUNT,
          leaseMs: c.JOBS_LEASE_SECONDS * 1000,
        });
      },
    });
    running.push(second);
    expect(second.aws?.requeued).toBe(20);
    const service2 = serviceFor(env2);
    // the key still maps to its task (same body → the same task, replayed)
    const again = await service2.start(
      caller,
      { query: 'question number 7 about growth', depth: 'quick' },
      'key-7',
    );
    expect(again.task_id).toBe(tasks[7]);
    expect(again.replayed).toBe(true);
    for (const id of tasks) {
      let view = await service2.getStatus(caller, id);
      for (let i = 0; i < 500 && view.status !== 'SUCCEEDED'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        view = await service2.getStatus(caller, id);
      }
      expect(view).toMatchObject({ status: 'SUCCEEDED', result: { words: 5 } });
    }
    expect(received).toBeGreaterThanOrEqual(0);
  });
});
