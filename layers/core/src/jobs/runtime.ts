import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../db/types';
import { getDecision } from '../decisions/store';
import { logger } from '../observability/logger';
import { createSqsClient, type Queue, SqsQueue } from '../queue/queue';
import { createSqsSender } from '../queue/sqs-send';
import { getDb } from '../runtime/db';
import type { FunctionRoot } from '../runtime/root';
import { getJobsConfig, type JobsConfig } from './config';
import { DynamoIdempotencyStore } from './idempotency-store';
import { type DecisionReader, JobService } from './job-service';
import { createDynamoDocumentClient, DynamoJobStore } from './job-store';
import type { JobsLogger } from './logger';

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
  service: JobService;
}

export interface JobsRuntimeOptions {
  /**
   * Opens the Postgres Db a job's decision is read from (the runtime's shared `getDb`); undefined for a
   * function without database access. In one process serving several functions (the local runtime) the first
   * function that has one provides it, whichever built the shared runtime.
   */
  db?: () => Promise<Db>;
  logger?: JobsLogger;
}

/** How this process opens the database for job results, once a function that has one said so. */
const resultsDb: { open?: () => Promise<Db> } = {};

/** A SUCCEEDED job's result: its decision, through the decisions store (org-scoped). */
const readDecision: DecisionReader = async (q) => {
  if (!resultsDb.open) throw new Error('This function has no database: job results are not readable here');
  return getDecision(await resultsDb.open(), q);
};

export function createJobsRuntime(config: JobsConfig, opts: JobsRuntimeOptions): JobsRuntime {
  if (opts.db) resultsDb.open ??= opts.db;
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
  const service = new JobService({
    jobs,
    idempotency,
    queue: queue ?? unconfiguredQueue,
    decisions: readDecision,
    ttlSeconds: Math.round(config.JOBS_TTL_DAYS * 86_400),
    idempotencyTtlSeconds: Math.round(config.JOBS_IDEMPOTENCY_TTL_HOURS * 3_600),
    logger: opts.logger,
  });
  return { config, doc, sqs, jobs, idempotency, queue, service };
}

const notConfigured = () => Promise.reject(new Error('ANALYSIS_QUEUE_URL is not set'));
const unconfiguredQueue: Queue = { send: notConfigured, sendBatch: notConfigured };

let shared: JobsRuntime | undefined;

/** The process-wide jobs runtime, from the environment (validated once). */
export function getJobsRuntime(opts: JobsRuntimeOptions): JobsRuntime {
  if (opts.db) resultsDb.open ??= opts.db;
  shared ??= createJobsRuntime(getJobsConfig(), opts);
  return shared;
}

/** Tests and the local runtime: drop the shared runtime (closing its clients) after changing the env. */
export function resetJobsRuntime(): void {
  shared?.doc.destroy();
  shared?.sqs.destroy();
  shared = undefined;
  sharedWorker = undefined;
  resultsDb.open = undefined;
}

/** What the worker uses of the jobs runtime: the job store (no service); the decision goes through the services. */
export interface WorkerJobs {
  config: JobsConfig;
  jobs: DynamoJobStore;
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
      queue,
    };
  }
  return sharedWorker;
}

/**
 * The function's jobs runtime (its profile must declare `jobs`). A job's result is its decision in Postgres:
 * only a function that declares `db` (the status route) may read it.
 */
export function jobsFor(root: FunctionRoot): JobsRuntime {
  root.require('jobs');
  return getJobsRuntime({ db: root.needs.db ? () => getDb(root.config) : undefined, logger });
}
