import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../db/types';
import { logger } from '../observability/logger';
import { createSqsClient, type Queue, SqsQueue } from '../queue/queue';
import { createSqsSender } from '../queue/sqs-send';
import { getDb } from '../runtime/db';
import type { FunctionRoot } from '../runtime/root';
import { getJobsConfig, type JobsConfig } from './config';
import { DynamoIdempotencyStore } from './idempotency-store';
import { JobService } from './job-service';
import { createDynamoDocumentClient, DynamoJobStore } from './job-store';
import type { JobsLogger } from './logger';
import { type JobResultStore, PostgresJobResultStore } from './result-store';
import type { JobResultRef } from './types';

/**
 * The clients and stores of the jobs routes, built once per process (module scope: warm invocations reuse the
 * SDK clients and their kept-alive connections). Handlers call `getJobsRuntime()`.
 */
export interface JobsRuntime {
  config: JobsConfig;
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  jobs: DynamoJobStore;
  idempotency: DynamoIdempotencyStore;
  /** Undefined without ANALYSIS_QUEUE_URL (the worker and status routes do not send). */
  queue: SqsQueue | undefined;
  results: JobResultStore;
  service: JobService;
}

export interface JobsRuntimeOptions {
  /** Opens the Postgres Db on first use of a large result (the runtime's shared `getDb`). */
  db: () => Promise<Db>;
  logger?: JobsLogger;
}

/** A JobResultStore that opens its Db only when a result is too large for DynamoDB. */
export class LazyJobResultStore implements JobResultStore {
  private store: Promise<JobResultStore> | undefined;

  constructor(private readonly db: () => Promise<Db>) {}

  private resolve(): Promise<JobResultStore> {
    this.store ??= this.db()
      .then((db) => new PostgresJobResultStore(db))
      .catch((err) => {
        this.store = undefined;
        throw err;
      });
    return this.store;
  }

  async put(ref: JobResultRef, orgId: string, resultJson: string): Promise<void> {
    return (await this.resolve()).put(ref, orgId, resultJson);
  }
  async get(ref: JobResultRef, orgId: string): Promise<unknown> {
    return (await this.resolve()).get(ref, orgId);
  }
  async delete(ref: JobResultRef): Promise<void> {
    return (await this.resolve()).delete(ref);
  }
}

export function createJobsRuntime(config: JobsConfig, opts: JobsRuntimeOptions): JobsRuntime {
  const doc = createDynamoDocumentClient({
    region: config.AWS_REGION,
    endpoint: config.AWS_ENDPOINT_URL_DYNAMODB,
  });
  const sqs = createSqsClient({
    region: config.AWS_REGION,
    endpoint: config.AWS_ENDPOINT_URL_SQS,
    maxAttempts: config.JOBS_SQS_MAX_ATTEMPTS,
  });
  const jobs = new DynamoJobStore(doc, config.JOBS_TABLE);
  const idempotency = new DynamoIdempotencyStore(doc, config.JOBS_TABLE);
  const queue = config.ANALYSIS_QUEUE_URL ? new SqsQueue(sqs, config.ANALYSIS_QUEUE_URL) : undefined;
  const results = new LazyJobResultStore(opts.db);
  const service = new JobService({
    jobs,
    idempotency,
    queue: queue ?? unconfiguredQueue,
    results,
    ttlSeconds: Math.round(config.JOBS_TTL_DAYS * 86_400),
    idempotencyTtlSeconds: Math.round(config.JOBS_IDEMPOTENCY_TTL_HOURS * 3_600),
    logger: opts.logger,
  });
  return { config, doc, sqs, jobs, idempotency, queue, results, service };
}

const notConfigured = () => Promise.reject(new Error('ANALYSIS_QUEUE_URL is not set'));
const unconfiguredQueue: Queue = { send: notConfigured, sendBatch: notConfigured };

let shared: JobsRuntime | undefined;

/** The process-wide jobs runtime, from the environment (validated once). */
export function getJobsRuntime(opts: JobsRuntimeOptions): JobsRuntime {
  shared ??= createJobsRuntime(getJobsConfig(), opts);
  return shared;
}

/** Tests and the local runtime: drop the shared runtime (closing its clients) after changing the env. */
export function resetJobsRuntime(): void {
  shared?.doc.destroy();
  shared?.sqs.destroy();
  shared = undefined;
  sharedWorker = undefined;
}

/** What the worker uses of the jobs runtime: the job store and the large-result store (no queue, no service). */
export interface WorkerJobs {
  config: JobsConfig;
  jobs: DynamoJobStore;
  results: JobResultStore;
  /** The analysis queue, for batch-mode groups' delayed checks (undefined without ANALYSIS_QUEUE_URL). */
  queue: Pick<Queue, 'send'> | undefined;
}

let sharedWorker: WorkerJobs | undefined;

/**
 * The worker's jobs stores (its profile must declare `jobs` and `db`), built once per instance. Kept apart
 * from `jobsFor` so the worker's bundle carries no start/status service. Its queue sends only the delayed
 * checks of batch-mode groups.
 */
export function workerJobsFor(root: FunctionRoot): WorkerJobs {
  root.require('jobs');
  root.require('db');
  if (!sharedWorker) {
    const config = getJobsConfig();
    const doc = createDynamoDocumentClient({
      region: config.AWS_REGION,
      endpoint: config.AWS_ENDPOINT_URL_DYNAMODB,
    });
    // one signed call, not @aws-sdk/client-sqs: the worker's bundle is at its 1 MiB budget
    const queue = config.ANALYSIS_QUEUE_URL
      ? createSqsSender({
          queueUrl: config.ANALYSIS_QUEUE_URL,
          region: config.AWS_REGION,
          endpoint: config.AWS_ENDPOINT_URL_SQS,
        })
      : undefined;
    sharedWorker = {
      config,
      jobs: new DynamoJobStore(doc, config.JOBS_TABLE),
      results: new LazyJobResultStore(() => getDb(root.config)),
      queue,
    };
  }
  return sharedWorker;
}

/**
 * The function's jobs runtime (its profile must declare `jobs`). Large results are read back from Postgres:
 * only a function that declares `db` may open it.
 */
export function jobsFor(root: FunctionRoot): JobsRuntime {
  root.require('jobs');
  const noDb = () =>
    Promise.reject(new Error(`Function ${root.id} has no database: large job results are not readable here`));
  return getJobsRuntime({ db: root.needs.db ? () => getDb(root.config) : noDb, logger });
}
