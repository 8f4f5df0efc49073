/** Long-running analysis jobs: the item kept in DynamoDB and the shapes the API returns. */
export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_DEPTHS = ['quick', 'standard', 'deep'] as const;
export type JobDepth = (typeof JOB_DEPTHS)[number];

/** `interactive`: the agent calls Claude at once; `batch`: through Message Batches at half price (≤ 24 h). */
export const JOB_MODES = ['interactive', 'batch'] as const;
export type JobMode = (typeof JOB_MODES)[number];

/** Why a job failed; `code` is stable and machine-readable. */
export interface JobError {
  code: JobErrorCode;
  /** Safe to show: our own wording, never a raw database or model error. */
  message: string;
  /** The id under which the full error was logged (the attempt id). */
  correlation_id?: string;
}

export type JobErrorCode =
  /** SQS did not accept the message after the job was written; a retry with the same Idempotency-Key re-sends it. */
  | 'enqueue_failed'
  /** The analysis threw an error marked as non-retryable. */
  | 'analysis_failed'
  /** The analysis kept failing until the queue's maxReceiveCount; the message goes to the DLQ. */
  | 'max_attempts_exceeded';

/** The job as stored (one DynamoDB item, pk `task_id`). Timestamps are ISO-8601 strings. */
export interface Job {
  task_id: string;
  org_id: string;
  user_id: string;
  status: JobStatus;
  /** 0..100 */
  progress: number;
  query: string;
  depth: JobDepth;
  /** absent = interactive */
  mode?: JobMode;
  /** ApproximateReceiveCount of the delivery that last claimed the job (0 until a worker picks it up). */
  attempts: number;
  created_at: string;
  updated_at: string;
  started_at?: string;
  finished_at?: string;
  /**
   * The decision the job recorded (Postgres `decisions`), set when it SUCCEEDED: the status route reads the
   * result from there (org-scoped), the job keeps no copy of it.
   */
  decision_id?: string;
  /**
   * Items written before jobs pointed to their decision carried the result itself; read only for the
   * decision id in it, until such items expire (JOBS_TTL_DAYS).
   */
  result_json?: string;
  error?: JobError;
  /** The error of the last failed attempt that was retried (the job may still succeed). */
  last_error?: JobError;
  /** The worker attempt that holds the job while RUNNING; finishing writes are conditional on it. */
  attempt_id?: string;
  /** Epoch ms after which a RUNNING job may be claimed by another delivery (its worker died). */
  lease_expires_at?: number;
  /** Epoch seconds: DynamoDB TTL attribute. */
  ttl: number;
}

/** What GET /analysis/{task_id}/status returns. */
export interface JobView {
  task_id: string;
  status: JobStatus;
  progress: number;
  query: string;
  depth: JobDepth;
  mode: JobMode;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: JobError | null;
  result?: unknown;
}

/** Progress reporting handed to the analysis; rejects with LeaseLostError when another attempt took the job. */
export interface AnalysisRunContext {
  onProgress(percent: number): Promise<void>;
  /** Aborted when this attempt lost its lease (the job was taken over or finished elsewhere). */
  signal: AbortSignal;
  attempt: number;
}

/** What a finished analysis reports: the decision it recorded, which the job then points to. */
export interface AnalysisOutcome {
  decision_id: string;
}

/** The analysis itself, injected into the worker (the agent in production; real functions in tests). */
export type RunAnalysis = (job: Job, ctx: AnalysisRunContext) => Promise<AnalysisOutcome>;
