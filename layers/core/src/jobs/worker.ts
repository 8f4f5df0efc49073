import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isAppError } from '../errors';
import { type MetricsSink, withRequestMetrics } from '../observability/metrics';
import { type BatchWorkerDeps, processBatchGroupMessage } from './batch-worker';
import type { JobStore } from './job-store';
import type { JobsLogger } from './logger';
import { decodeAnyJobMessage, decodeJobMessage } from './message';
import type { AnalysisOutcome, Job, JobError, RunAnalysis } from './types';

/** Thrown by an analysis that will fail however often it is retried: the job is FAILED at once, no DLQ. */
export class NonRetryableJobError extends Error {
  override readonly name = 'NonRetryableJobError';
}

/** This attempt no longer holds the job (another delivery claimed it after the lease ran out). */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export interface WorkerDeps {
  jobs: JobStore;
  /** Runs the analysis; it records the decision, the job then points to it (`decision_id`). */
  runAnalysis: RunAnalysis;
  /** The queue's RedrivePolicy maxReceiveCount: at this receive count a failing job is marked FAILED. */
  maxReceiveCount: number;
  leaseMs: number;
  logger?: JobsLogger;
  /** QueueLag (sent → claimed), JobDuration, and counts JobSucceeded / JobFailed / JobRetried. */
  metrics?: MetricsSink;
  newAttemptId?: () => string;
  /** `"mode": "batch"` groups (Message Batches); without it such a message fails (→ DLQ). */
  batch?: Omit<BatchWorkerDeps, 'worker'>;
}

/** What happened to one message; every outcome but a thrown error deletes the message. */
export type JobMessageOutcome =
  | 'succeeded'
  | 'failed'
  /** The job is already SUCCEEDED/FAILED: a duplicate or late redelivery. */
  | 'already_finished'
  /** Another live attempt holds the job; its own message guarantees it is retried if that attempt dies. */
  | 'held_by_other_attempt'
  | 'lost_lease'
  | 'unknown_job';

const MAX_ERROR_CHARS = 500;

/** The full error, for the logs only. */
function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, MAX_ERROR_CHARS);
}

/**
 * What a job's status may say about an error: our own typed errors by code and message; anything else
 * (a database or SDK error, whose text may hold SQL, values or internals) only as "internal error" with the
 * correlation id under which the full error was logged.
 */
function publicReason(err: unknown, correlationId: string): string {
  if (err instanceof NonRetryableJobError) {
    // its message may quote the cause's raw text: judge the cause instead
    return err.cause !== undefined ? publicReason(err.cause, correlationId) : err.message;
  }
  if (isAppError(err) && err.status < 500) return `${err.code}: ${err.message}`;
  if (isAppError(err)) return `${err.code}: ${err.message} (correlation id ${correlationId})`;
  return `internal_error: the analysis failed (correlation id ${correlationId})`;
}

function isRedrive(job: Job, receiveCount: number): boolean {
  return job.status === 'FAILED' && job.error?.code === 'max_attempts_exceeded' && receiveCount === 1;
}

function receiveCount(record: SQSRecord): number {
  const n = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isFinite(n) && n >= 1 ? n : 1;
}

/**
 * One SQS record: claim the job (conditional QUEUED → RUNNING), run the analysis, store the outcome by the
 * same attempt. Throws to keep the message (batch item failure → redelivery after the visibility timeout);
 * at the last allowed receive the job is first marked FAILED with the reason, then the message goes to the DLQ.
 */
export async function processJobMessage(deps: WorkerDeps, record: SQSRecord): Promise<JobMessageOutcome> {
  const { task_id: taskId } = decodeJobMessage(record.body);
  const attempts = receiveCount(record);
  const log = (message: string, extra: Record<string, unknown> = {}) =>
    deps.logger?.info(message, { taskId, attempts, messageId: record.messageId, ...extra });

  // Claim first (one conditional write on the common path); only a refused claim reads the job to say why.
  const attemptId = (deps.newAttemptId ?? randomUUID)();
  const claim = { attemptId, attempts, leaseMs: deps.leaseMs };
  let job = await deps.jobs.claim(taskId, claim);
  if (!job) {
    const current = await deps.jobs.get(taskId);
    if (!current) {
      deps.logger?.warn('Job message for an unknown task', { taskId, messageId: record.messageId });
      return 'unknown_job';
    }
    // A message redriven from the DLQ arrives with a fresh receive count for a job its last attempt failed:
    // the operator asked for another run, so the job goes back to QUEUED and this delivery claims it.
    if (isRedrive(current, attempts) && (await deps.jobs.requeue(taskId, 'max_attempts_exceeded'))) {
      log('Job redriven from the DLQ: running it again');
      job = await deps.jobs.claim(taskId, claim);
    }
    if (!job) {
      log('Job not claimed', { status: current.status });
      return current.status === 'SUCCEEDED' || current.status === 'FAILED'
        ? 'already_finished'
        : 'held_by_other_attempt';
    }
  }
  log('Job claimed');
  const claimedAt = Date.now();
  const sent = Number(record.attributes?.SentTimestamp);
  if (Number.isFinite(sent) && attempts === 1)
    deps.metrics?.timing('QueueLag', Math.max(0, claimedAt - sent));

  const controller = new AbortController();
  let lastProgress = 0;
  const onProgress = async (percent: number): Promise<void> => {
    const p = Math.max(0, Math.min(100, Math.round(percent)));
    if (controller.signal.aborted) throw new LeaseLostError('Lease lost');
    if (p <= lastProgress) return;
    lastProgress = p;
    if (!(await deps.jobs.updateProgress(taskId, attemptId, p))) {
      controller.abort();
      throw new LeaseLostError('Lease lost');
    }
  };

  let outcome: JobMessageOutcome;
  try {
    outcome = await runAndStore(deps, job, attemptId, attempts, onProgress, controller.signal);
  } catch (err) {
    // kept for redelivery, or on its way to the DLQ after the last attempt
    deps.metrics?.count(attempts >= deps.maxReceiveCount ? 'JobFailed' : 'JobRetried');
    throw err;
  }
  if (outcome === 'succeeded') {
    deps.metrics?.count('JobSucceeded');
    deps.metrics?.timing('JobDuration', Date.now() - claimedAt);
  } else {
    deps.metrics?.count(outcome === 'failed' ? 'JobFailed' : 'JobDiscarded');
  }
  return outcome;
}

async function runAndStore(
  deps: WorkerDeps,
  job: Job,
  attemptId: string,
  attempts: number,
  onProgress: (percent: number) => Promise<void>,
  signal: AbortSignal,
): Promise<JobMessageOutcome> {
  let result: AnalysisOutcome;
  try {
    result = await deps.runAnalysis(job, { onProgress, signal, attempt: attempts });
  } catch (err) {
    return handleFailure(deps, job, attemptId, attempts, err, signal.aborted);
  }
  return finishJob(deps, job, attemptId, result);
}

async function handleFailure(
  deps: WorkerDeps,
  job: Job,
  attemptId: string,
  attempts: number,
  err: unknown,
  leaseLost: boolean,
): Promise<JobMessageOutcome> {
  const taskId = job.task_id;
  if (leaseLost || err instanceof LeaseLostError) {
    deps.logger?.warn('Job attempt lost its lease', { taskId, attempts });
    return 'lost_lease';
  }
  const reason = errorText(err);
  const shown = publicReason(err, attemptId);
  if (err instanceof NonRetryableJobError) {
    await deps.jobs.fail(taskId, attemptId, {
      code: 'analysis_failed',
      message: publicReason(err, attemptId),
      correlation_id: attemptId,
    });
    deps.logger?.warn('Job failed (not retryable)', { taskId, attempts, reason });
    return 'failed';
  }
  if (attempts >= deps.maxReceiveCount) {
    const error: JobError = {
      code: 'max_attempts_exceeded',
      message: `Failed ${attempts} of ${deps.maxReceiveCount} allowed attempts; last error: ${shown}`.slice(
        0,
        MAX_ERROR_CHARS,
      ),
      correlation_id: attemptId,
    };
    await deps.jobs.fail(taskId, attemptId, error);
    deps.logger?.error('Job failed on its last attempt; message goes to the DLQ', {
      taskId,
      attempts,
      reason,
      correlation_id: attemptId,
    });
    throw err;
  }
  await deps.jobs.release(taskId, attemptId, {
    code: 'analysis_failed',
    message: shown,
    correlation_id: attemptId,
  });
  deps.logger?.warn('Job attempt failed; will be retried', {
    taskId,
    attempts,
    reason,
    correlation_id: attemptId,
  });
  throw err;
}

/**
 * SUCCEEDED, pointing to the decision the analysis recorded (the job keeps no copy of the result), by the
 * attempt that holds the job; an attempt that lost its lease finishes nothing (its decision stays in the history).
 */
export async function finishJob(
  deps: Pick<WorkerDeps, 'jobs' | 'logger'>,
  job: Job,
  attemptId: string,
  result: AnalysisOutcome,
): Promise<JobMessageOutcome> {
  if (await deps.jobs.complete(job.task_id, attemptId, result.decision_id)) return 'succeeded';
  deps.logger?.warn('Job not finished: the attempt lost its lease', {
    taskId: job.task_id,
    attemptId,
    decisionId: result.decision_id,
  });
  return 'lost_lease';
}

/** A job message, or a batch-mode group's message; each record's metrics are written once, at its end. */
export function processAnyMessage(deps: WorkerDeps, record: SQSRecord): Promise<unknown> {
  return withRequestMetrics(async () => {
    const decoded = decodeAnyJobMessage(record.body);
    if (decoded.kind === 'job') return processJobMessage(deps, record);
    if (!deps.batch) throw new Error('This worker is not configured for batch-mode jobs');
    return processBatchGroupMessage({ ...deps.batch, worker: deps }, decoded.message, receiveCount(record));
  });
}

/**
 * The worker Lambda: an SQS batch → partial batch response (`batchItemFailures` lists what to redeliver).
 * Records run one after another (Powertools would run a batch's records in parallel): one agent run at a time
 * per instance, so the event source mapping's maximum concurrency is the total number of agent runs at once.
 * A new BatchProcessor per invocation: it keeps per-batch state, which concurrent invocations on one
 * instance (Lambda Managed Instances) must not share.
 */
export function createJobWorkerHandler(
  deps: WorkerDeps,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, (record: SQSRecord) => processAnyMessage(deps, record), processor, {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
      processInParallel: false,
    });
  };
}
