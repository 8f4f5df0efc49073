import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadJobsConfig } from '#core/jobs/config';
import { DynamoIdempotencyStore } from '#core/jobs/idempotency-store';
import { JobService } from '#core/jobs/job-service';
import { createDynamoDocumentClient, DynamoJobStore } from '#core/jobs/job-store';
import { createJobWorkerHandler } from '#core/jobs/worker';
import { createSqsClient, SqsQueue } from '#core/queue/queue';
import { startLocalJobs } from '../../../bin/local/aws/local-jobs';
import { fakeDecisions } from './harness';

/** What `npm start` uses: stand-ins + poller, configured only through the environment it writes. */
describe('startLocalJobs', () => {
  it('starts the stand-ins, writes their endpoints into the environment and feeds the worker', async () => {
    const env: NodeJS.ProcessEnv = { JOBS_TABLE: `local-${randomUUID().slice(0, 8)}` };
    let config: ReturnType<typeof loadJobsConfig> | undefined;
    let jobs: DynamoJobStore | undefined;
    const decisions = fakeDecisions();
    const local = await startLocalJobs({
      env,
      // like the worker handler module: everything from the environment, read after it is set
      loadWorker: async () => {
        config = loadJobsConfig(env);
        const doc = createDynamoDocumentClient({
          region: config.AWS_REGION,
          endpoint: config.AWS_ENDPOINT_URL_DYNAMODB,
        });
        jobs = new DynamoJobStore(doc, config.JOBS_TABLE);
        return createJobWorkerHandler({
          jobs,
          runAnalysis: async (job) => decisions.record(job.org_id, { words: job.query.split(' ').length }),
          maxReceiveCount: config.JOBS_MAX_RECEIVE_COUNT,
          leaseMs: config.JOBS_LEASE_SECONDS * 1000,
        });
      },
    });
    try {
      expect(env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(env.ANALYSIS_QUEUE_URL).toContain('/000000000000/');
      expect(config?.JOBS_TABLE).toBe(env.JOBS_TABLE);
      expect(config?.JOBS_VISIBILITY_TIMEOUT_SECONDS).toBeGreaterThan(config?.JOBS_LEASE_SECONDS ?? 0);

      const c = config as NonNullable<typeof config>;
      const sqs = createSqsClient({ region: c.AWS_REGION, endpoint: c.AWS_ENDPOINT_URL_SQS });
      const store = jobs as DynamoJobStore;
      const doc = createDynamoDocumentClient({ region: c.AWS_REGION, endpoint: c.AWS_ENDPOINT_URL_DYNAMODB });
      const service = new JobService({
        jobs: store,
        idempotency: new DynamoIdempotencyStore(doc, c.JOBS_TABLE),
        queue: new SqsQueue(sqs, c.ANALYSIS_QUEUE_URL ?? ''),
        decisions: decisions.read,
        ttlSeconds: 600,
        idempotencyTtlSeconds: 600,
      });
      const caller = { orgId: randomUUID(), userId: randomUUID() };
      const { task_id } = await service.start(caller, { query: 'one two three', depth: 'quick' });
      let view = await service.getStatus(caller, task_id);
      const deadline = Date.now() + 10_000;
      while (view.status !== 'SUCCEEDED' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        view = await service.getStatus(caller, task_id);
      }
      expect(view).toMatchObject({ status: 'SUCCEEDED', result: { words: 3 } });
      sqs.destroy();
      doc.destroy();
    } finally {
      await local.stop();
    }
  });
});
