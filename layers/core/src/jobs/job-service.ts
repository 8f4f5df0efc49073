import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, UpstreamUnavailableError, ValidationError } from '../errors';
import { canonicalJson, sha256Hex } from '../hash';
import type { Queue, QueueSendResult } from '../queue/queue';
import { idempotencyRecordId } from './hash';
import type { IdempotencyStore } from './idempotency-store';
import type { Clock, JobStore } from './job-store';
import type { JobsLogger } from './logger';
import { encodeBatchGroupMessage, encodeJobMessage } from './message';
import type { Job, JobError, JobMode, JobStatus, JobView } from './types';
import type { JobRequest, StartRequest } from './validation';

/**
 * A stored decision by id within one org (decisions/store.ts `getDecision`), or undefined when the org has no
 * such decision.
 */
export type DecisionReader = (q: { orgId: string; decisionId: string }) => Promise<unknown>;

/** Who is asking: every job belongs to one org and one user. */
export interface Caller {
  orgId: string;
  userId: string;
}

export interface StartedJob {
  task_id: string;
  status: JobStatus;
  /** True when an earlier request with the same Idempotency-Key created this job. */
  replayed: boolean;
}

export type BulkItemResult =
  | { index: number; task_id: string; status: JobStatus; replayed: boolean }
  | { index: number; task_id: string; status: 'FAILED'; replayed: boolean; error: JobError };

export interface JobServiceDeps {
  jobs: JobStore;
  idempotency: IdempotencyStore;
  queue: Queue;
  /** Reads a SUCCEEDED job's result: the decision it points to (org-scoped). */
  decisions: DecisionReader;
  ttlSeconds: number;
  idempotencyTtlSeconds: number;
  /** A replayed start re-sends the message of a job still QUEUED, never picked up, and this old. */
  resendStaleAfterMs?: number;
  now?: Clock;
  newId?: () => string;
  logger?: JobsLogger;
}

interface Prepared {
  index: number;
  task_id: string;
  status: JobStatus;
  replayed: boolean;
  send: boolean;
}

const ENQUEUE_RETRY_AFTER_SECONDS = 2;

/**
 * Starting jobs and reading their status. A job is written (QUEUED) before its message is sent; when SQS
 * refuses the message the job is marked FAILED(enqueue_failed) — never left QUEUED with no message — and the
 * caller gets 503. Repeating the request with the same Idempotency-Key revives that job (same task_id,
 * QUEUED again) and re-sends it, so nothing is lost and nothing is started twice.
 */
export class JobService {
  private readonly now: Clock;
  private readonly newId: () => string;

  constructor(private readonly deps: JobServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? randomUUID;
  }

  /** POST /analysis/start with `{query, depth?}`. */
  async start(
    caller: Caller,
    item: JobRequest,
    idempotencyKey?: string,
    mode: JobMode = 'interactive',
  ): Promise<StartedJob> {
    const bodyHash = requestHash({ kind: 'single', item, ...modeOf(mode) });
    const prepared = await this.prepare(caller, item, 0, idempotencyKey, bodyHash, mode);
    if (!prepared.send)
      return { task_id: prepared.task_id, status: prepared.status, replayed: prepared.replayed };
    try {
      await this.deps.queue.send(
        mode === 'batch' ? this.batchMessage([prepared.task_id]) : encodeJobMessage(prepared.task_id),
      );
    } catch (err) {
      await this.markEnqueueFailed(prepared.task_id, err);
      throw new UpstreamUnavailableError(
        'queue',
        'The analysis could not be queued; retry with the same Idempotency-Key',
        ENQUEUE_RETRY_AFTER_SECONDS,
        err,
      );
    }
    return { task_id: prepared.task_id, status: 'QUEUED', replayed: prepared.replayed };
  }

  /**
   * POST /analysis/start with `{queries:[…]}` (≤ 10): one SendMessageBatch; each item reports its own result.
   * Throws 503 only when no item could be queued.
   */
  async startBulk(
    caller: Caller,
    items: readonly JobRequest[],
    idempotencyKey?: string,
    mode: JobMode = 'interactive',
  ): Promise<BulkItemResult[]> {
    if (items.length === 0) throw new ValidationError('queries must not be empty');
    const bodyHash = requestHash({ kind: 'bulk', items: [...items], ...modeOf(mode) });
    // Item 0 first: a key reused with another body conflicts there, before any job of this request exists.
    const first = await this.prepare(caller, items[0] as JobRequest, 0, idempotencyKey, bodyHash, mode);
    const rest = await Promise.all(
      items.slice(1).map((item, i) => this.prepare(caller, item, i + 1, idempotencyKey, bodyHash, mode)),
    );
    const prepared = [first, ...rest];
    const toSend = prepared.filter((p) => p.send);
    const sent =
      mode === 'batch'
        ? await this.sendGroup(toSend.map((p) => p.task_id))
        : await this.deps.queue.sendBatch(
            toSend.map((p) => ({ id: p.task_id, body: encodeJobMessage(p.task_id) })),
          );
    const failures = new Map(
      sent.filter((r): r is Extract<QueueSendResult, { ok: false }> => !r.ok).map((r) => [r.id, r]),
    );
    await Promise.all([...failures.values()].map((f) => this.markEnqueueFailed(f.id, new Error(f.message))));

    const results = prepared.map((p): BulkItemResult => {
      const failure = failures.get(p.task_id);
      if (failure) {
        return {
          index: p.index,
          task_id: p.task_id,
          status: 'FAILED',
          replayed: p.replayed,
          error: enqueueError(failure.message),
        };
      }
      return {
        index: p.index,
        task_id: p.task_id,
        status: p.send ? 'QUEUED' : p.status,
        replayed: p.replayed,
      };
    });
    if (failures.size > 0 && failures.size === prepared.length) {
      throw new UpstreamUnavailableError(
        'queue',
        'None of the analyses could be queued; retry with the same Idempotency-Key',
        ENQUEUE_RETRY_AFTER_SECONDS,
      );
    }
    return results;
  }

  /** Dispatches a parsed start request. */
  async startRequest(
    caller: Caller,
    request: StartRequest,
    idempotencyKey?: string,
  ): Promise<StartedJob | { results: BulkItemResult[] }> {
    const mode = request.mode ?? 'interactive';
    if (request.kind === 'single') return this.start(caller, request.item, idempotencyKey, mode);
    return { results: await this.startBulk(caller, request.items, idempotencyKey, mode) };
  }

  /** One message for the whole group: the worker submits its analyses as one Message Batch. */
  private batchMessage(taskIds: string[]): string {
    return encodeBatchGroupMessage({
      attempt_id: this.newId(),
      task_ids: taskIds,
      polls: 0,
      turns: {},
      retries: {},
    });
  }

  private async sendGroup(taskIds: string[]): Promise<QueueSendResult[]> {
    if (taskIds.length === 0) return [];
    try {
      const { messageId } = await this.deps.queue.send(this.batchMessage(taskIds));
      return taskIds.map((id) => ({ id, ok: true, messageId }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return taskIds.map((id) => ({ id, ok: false, code: 'SendFailed', message }));
    }
  }

  /** The job as its owner sees it; another user's, another org's, an expired or unknown task → 404. */
  async getStatus(caller: Caller, taskId: string): Promise<JobView> {
    const job = await this.deps.jobs.get(taskId);
    if (!job || job.org_id !== caller.orgId || job.user_id !== caller.userId || this.expired(job)) {
      throw new NotFoundError('Task');
    }
    const view: JobView = {
      task_id: job.task_id,
      status: job.status,
      progress: job.progress,
      query: job.query,
      depth: job.depth,
      mode: job.mode ?? 'interactive',
      attempts: job.attempts,
      created_at: job.created_at,
      started_at: job.started_at ?? null,
      finished_at: job.finished_at ?? null,
      error: job.error ?? null,
    };
    if (job.status === 'SUCCEEDED') view.result = await this.readResult(job);
    return view;
  }

  /** The decision the job points to, read within the job's (= the caller's) org. */
  private async readResult(job: Job): Promise<unknown> {
    const decisionId = job.decision_id ?? legacyDecisionId(job);
    if (decisionId === undefined) return null;
    const decision = await this.deps.decisions({ orgId: job.org_id, decisionId });
    if (decision === undefined) throw new NotFoundError('Task result');
    return decision;
  }

  private expired(job: Job): boolean {
    return job.ttl < Math.floor(this.now() / 1000);
  }

  private newJob(caller: Caller, taskId: string, item: JobRequest, mode: JobMode): Job {
    const now = this.now();
    const iso = new Date(now).toISOString();
    return {
      task_id: taskId,
      org_id: caller.orgId,
      user_id: caller.userId,
      status: 'QUEUED',
      progress: 0,
      query: item.query,
      depth: item.depth,
      ...(mode === 'batch' ? { mode } : {}),
      attempts: 0,
      created_at: iso,
      updated_at: iso,
      ttl: Math.floor(now / 1000) + this.deps.ttlSeconds,
    };
  }

  private async prepare(
    caller: Caller,
    item: JobRequest,
    index: number,
    idempotencyKey: string | undefined,
    bodyHash: string,
    mode: JobMode,
  ): Promise<Prepared> {
    let taskId = this.newId();
    let replayed = false;
    if (idempotencyKey !== undefined) {
      const nowSec = Math.floor(this.now() / 1000);
      const outcome = await this.deps.idempotency.reserve({
        task_id: idempotencyRecordId(caller.orgId, caller.userId, idempotencyKey, index),
        job_task_id: taskId,
        body_hash: bodyHash,
        created_at: new Date(this.now()).toISOString(),
        ttl: nowSec + this.deps.idempotencyTtlSeconds,
      });
      if (!outcome.reserved) {
        if (outcome.existing.body_hash !== bodyHash) {
          throw new ConflictError('This Idempotency-Key was already used with a different request body', {
            idempotencyKey,
          });
        }
        taskId = outcome.existing.job_task_id;
        replayed = true;
      }
    }

    if (!replayed) {
      if (await this.deps.jobs.create(this.newJob(caller, taskId, item, mode))) {
        return { index, task_id: taskId, status: 'QUEUED', replayed, send: true };
      }
      // A concurrent request with the same key saw our record before our job existed, created the job
      // itself and sends it: answer that job without a second message.
      if (idempotencyKey === undefined) throw new Error(`Job ${taskId} already exists`);
      const current = await this.prepareReplay(caller, item, index, taskId, mode);
      return { ...current, replayed: false };
    }
    return this.prepareReplay(caller, item, index, taskId, mode);
  }

  /** Same key and body again: report the job, and re-send it only where its first send cannot have worked. */
  private async prepareReplay(
    caller: Caller,
    item: JobRequest,
    index: number,
    taskId: string,
    mode: JobMode,
  ): Promise<Prepared> {
    let job = await this.deps.jobs.get(taskId);
    if (!job) {
      // The first request died between the key and the job write (or is in that gap right now).
      if (await this.deps.jobs.create(this.newJob(caller, taskId, item, mode))) {
        return { index, task_id: taskId, status: 'QUEUED', replayed: true, send: true };
      }
      job = await this.deps.jobs.get(taskId);
      if (!job) throw new Error(`Job ${taskId} vanished`);
    }
    if (job.status === 'FAILED' && job.error?.code === 'enqueue_failed') {
      if (await this.deps.jobs.requeue(taskId)) {
        return { index, task_id: taskId, status: 'QUEUED', replayed: true, send: true };
      }
      job = (await this.deps.jobs.get(taskId)) ?? job;
    }
    const staleAfter = this.deps.resendStaleAfterMs ?? 60_000;
    const stale =
      job.status === 'QUEUED' && job.attempts === 0 && this.now() - Date.parse(job.updated_at) > staleAfter;
    // A duplicate message is harmless: the worker's conditional claim runs the job once.
    return { index, task_id: taskId, status: job.status, replayed: true, send: stale };
  }

  private async markEnqueueFailed(taskId: string, cause: unknown): Promise<void> {
    const message = cause instanceof Error ? cause.message : String(cause);
    try {
      await this.deps.jobs.markEnqueueFailed(taskId, enqueueError(message));
    } catch (err) {
      // The job stays QUEUED without a message; a replay with the key re-sends it once it is stale.
      this.deps.logger?.error('Could not mark job enqueue_failed', { taskId, error: String(err) });
    }
    this.deps.logger?.warn('Analysis job could not be queued', { taskId, reason: message });
  }
}

function enqueueError(_message: string): JobError {
  // The SDK's wording is logged where it happened, never stored in the job the client reads.
  return {
    code: 'enqueue_failed',
    message: 'The queue did not accept the job; retry with the same Idempotency-Key',
  };
}

/** Interactive stays out of the hash, so keys of requests made before modes existed still match. */
function modeOf(mode: JobMode): { mode?: JobMode } {
  return mode === 'batch' ? { mode } : {};
}

/** The decision id inside the result an item written before jobs pointed to their decision carried. */
function legacyDecisionId(job: Job): string | undefined {
  if (job.result_json === undefined) return undefined;
  try {
    const id = (JSON.parse(job.result_json) as { decision_id?: unknown } | null)?.decision_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function requestHash(request: StartRequest): string {
  return sha256Hex(canonicalJson(request));
}
