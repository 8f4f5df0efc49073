import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoIdempotencyStore } from '#core/jobs/idempotency-store';
import { type DecisionReader, JobService } from '#core/jobs/job-service';
import { createDynamoDocumentClient, DynamoJobStore } from '#core/jobs/job-store';
import type { JobsLogger } from '#core/jobs/logger';
import type { AnalysisOutcome, Job, RunAnalysis } from '#core/jobs/types';
import { createJobWorkerHandler } from '#core/jobs/worker';
import type { MetricsSink } from '#core/observability/metrics';
import { createSqsClient, SqsQueue } from '#core/queue/queue';
import { type SqsPoller, startSqsPoller } from '../../../bin/local/aws/sqs-poller';
import { type LocalAws, startLocalAws } from '../../../bin/local/aws/stand-ins';

/**
 * dynalite + fauxqs in-process, the real SDK clients, the job stores and service, and a worker fed by the
 * local poller. Short visibility timeout and lease so redeliveries happen within a second or two.
 */
export interface JobsHarness {
  aws: LocalAws;
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  jobs: DynamoJobStore;
  idempotency: DynamoIdempotencyStore;
  queue: SqsQueue;
  service: JobService;
  /** What the fake analyses record; the service reads a job's result from it. */
  decisions: FakeDecisions;
  caller: { orgId: string; userId: string };
  startWorker(runAnalysis: RunAnalysis, opts?: WorkerOptions): SqsPoller;
  waitForJob(taskId: string, done: (job: Job) => boolean, timeoutMs?: number): Promise<Job>;
  /** Receives and deletes what is visible on a queue now (up to 10). */
  drain(queueUrl: string, waitSeconds?: number): Promise<Message[]>;
  close(): Promise<void>;
}

export interface WorkerOptions {
  leaseMs?: number;
  invocationTimeoutMs?: number;
  concurrency?: number;
  logger?: JobsLogger;
  metrics?: MetricsSink;
}

export const VISIBILITY_SECONDS = 1;
export const LEASE_MS = 600;
export const MAX_RECEIVE_COUNT = 3;

export async function startJobsHarness(
  opts: { visibilityTimeoutSeconds?: number } = {},
): Promise<JobsHarness> {
  const aws = await startLocalAws({
    visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds ?? VISIBILITY_SECONDS,
    maxReceiveCount: MAX_RECEIVE_COUNT,
    tableName: `jobs-${randomUUID().slice(0, 8)}`,
  });
  const doc = createDynamoDocumentClient({ region: aws.region, endpoint: aws.dynamoEndpoint });
  const sqs = createSqsClient({ region: aws.region, endpoint: aws.sqsEndpoint, maxAttempts: 1 });
  const jobs = new DynamoJobStore(doc, aws.tableName);
  const idempotency = new DynamoIdempotencyStore(doc, aws.tableName);
  const queue = new SqsQueue(sqs, aws.queueUrl);
  const decisions = fakeDecisions();
  const service = new JobService({
    jobs,
    idempotency,
    queue,
    decisions: decisions.read,
    ttlSeconds: 3_600,
    idempotencyTtlSeconds: 3_600,
  });
  const pollers: SqsPoller[] = [];

  return {
    aws,
    doc,
    sqs,
    jobs,
    idempotency,
    queue,
    service,
    decisions,
    caller: { orgId: randomUUID(), userId: randomUUID() },
    startWorker(runAnalysis, opts = {}) {
      const handler = createJobWorkerHandler({
        jobs,
        runAnalysis,
        maxReceiveCount: MAX_RECEIVE_COUNT,
        leaseMs: opts.leaseMs ?? LEASE_MS,
        logger: opts.logger,
        metrics: opts.metrics,
      });
      const poller = startSqsPoller({
        client: sqs,
        queueUrl: aws.queueUrl,
        queueArn: aws.queueArn,
        region: aws.region,
        handler,
        waitTimeSeconds: 1,
        concurrency: opts.concurrency ?? 1,
        invocationTimeoutMs: opts.invocationTimeoutMs ?? 5_000,
      });
      pollers.push(poller);
      return poller;
    },
    async waitForJob(taskId, done, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last: Job | undefined;
      while (Date.now() < deadline) {
        last = await jobs.get(taskId);
        if (last && done(last)) return last;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`job ${taskId} did not reach the expected state; last: ${JSON.stringify(last)}`);
    },
    async drain(queueUrl, waitSeconds = 1) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: waitSeconds,
          AttributeNames: ['All'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      return messages;
    },
    async close() {
      await Promise.all(pollers.map((p) => p.stop()));
      doc.destroy();
      sqs.destroy();
      await aws.stop();
    },
  };
}

export interface FakeDecisions {
  read: DecisionReader;
  /** Records a result as a decision of this org; the analysis answers its id, as the real one does. */
  record(orgId: string, result: unknown): AnalysisOutcome;
  readonly size: number;
}

/** The decisions store as the jobs see it (record, read by id within an org), in memory. */
export function fakeDecisions(): FakeDecisions {
  const rows = new Map<string, { orgId: string; result: unknown }>();
  return {
    read: async ({ orgId, decisionId }) => {
      const row = rows.get(decisionId);
      return row && row.orgId === orgId ? row.result : undefined;
    },
    record(orgId, result) {
      const decision_id = randomUUID();
      rows.set(decision_id, { orgId, result });
      return { decision_id };
    },
    get size() {
      return rows.size;
    },
  };
}

/** A deferred the test releases, for analyses that hang until told otherwise. */
export function gate<T = void>() {
  let release!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    release = r;
  });
  return { promise, release };
}

/** Counts calls per task id. */
export function counter() {
  const counts = new Map<string, number>();
  return {
    hit(id: string): number {
      const n = (counts.get(id) ?? 0) + 1;
      counts.set(id, n);
      return n;
    },
    get: (id: string) => counts.get(id) ?? 0,
  };
}

/** A JobsLogger that keeps what was logged, for tests that wait on a worker's decision. */
export function recordingLogger() {
  const entries: Array<{ level: string; message: string; extra: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, extra: Record<string, unknown>) => {
    entries.push({ level, message, extra });
  };
  const logger: JobsLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  return {
    logger,
    entries,
    async waitFor(pred: (e: (typeof entries)[number]) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const hit = entries.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('expected log entry did not appear');
    },
  };
}

/** A MetricsSink that keeps every data point. */
export function recordingMetrics() {
  const points: Array<{ name: string; value: number }> = [];
  const sink: MetricsSink = {
    count: (name, _dims, value = 1) => points.push({ name, value }),
    timing: (name, ms) => points.push({ name, value: ms }),
  };
  return { sink, count: (name: string) => points.filter((p) => p.name === name).length, points };
}

/** A QUEUED job record (no attempts yet, expiring in ten minutes), written straight to the store by a test. */
export function queuedJob(o: Pick<Job, 'task_id' | 'org_id' | 'user_id' | 'query' | 'depth'>): Job {
  const now = new Date().toISOString();
  return {
    task_id: o.task_id,
    org_id: o.org_id,
    user_id: o.user_id,
    status: 'QUEUED',
    progress: 0,
    query: o.query,
    depth: o.depth,
    attempts: 0,
    created_at: now,
    updated_at: now,
    ttl: Math.floor(Date.now() / 1000) + 600,
  };
}
