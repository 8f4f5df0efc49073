import type { BatchClient, BatchRequest, ReplayState } from '../llm/batch';
import { ModelCallNeeded } from '../llm/batch';
import type { LlmResponse } from '../llm/types';
import type { Queue } from '../queue/queue';
import { type BatchGroupMessage, encodeBatchGroupMessage } from './message';
import type { AnalysisOutcome, Job } from './types';
import { finishJob, type WorkerDeps } from './worker';

/**
 * `"mode": "batch"` jobs: each model turn of every job of a group goes into one Message Batch (half price).
 * The worker never waits for Claude: it submits the batch and sends itself a delayed message (SQS
 * DelaySeconds ≤ 900) that checks the batch; when the batch has ended it reads the results, replays each
 * job's agent run with the answers so far, and either finishes the job (decision persisted, cost at 50%) or
 * puts its next turn into the next batch.
 */
export interface BatchWorkerDeps {
  worker: WorkerDeps;
  /** Sends the group's next message (delayed while the batch is in flight). */
  queue: Pick<Queue, 'send'>;
  /** Claude's Message Batches; undefined (offline model): the group runs at once, like interactive jobs. */
  batches: BatchClient | undefined;
  /**
   * The job's analysis with the model answering from `state` (ModelCallNeeded when it runs out); records the
   * decision like an interactive run, and the job points to it.
   */
  runReplay(job: Job, state: ReplayState, signal: AbortSignal): Promise<AnalysisOutcome>;
  /** Seconds between checks of a batch in flight (SQS DelaySeconds, ≤ 900). */
  pollDelaySeconds: number;
  /** Checks of one batch before its jobs fail (the API expires a batch after 24 h). */
  maxPolls: number;
  /** A request that errored or expired in a batch is sent again this many times. */
  maxRequestRetries: number;
  /** Lease of a group's jobs: they stay RUNNING across messages. */
  leaseMs: number;
}

export type BatchStepOutcome = 'submitted' | 'polling' | 'finished';

const MAX_ERROR_CHARS = 500;

export async function processBatchGroupMessage(
  deps: BatchWorkerDeps,
  message: BatchGroupMessage,
  attempts: number,
): Promise<BatchStepOutcome> {
  const { worker } = deps;
  const log = (msg: string, extra: Record<string, unknown> = {}) =>
    worker.logger?.info(msg, { group: message.attempt_id, ...extra });
  const turns: Record<string, LlmResponse[]> = {
    ...(message.turns as unknown as Record<string, LlmResponse[]>),
  };
  const retries = { ...message.retries };
  let active = [...message.task_ids];

  const failJob = async (taskId: string, reason: string) => {
    await worker.jobs.fail(taskId, message.attempt_id, {
      code: 'analysis_failed',
      message: reason.slice(0, MAX_ERROR_CHARS),
    });
    worker.metrics?.count('JobFailed');
    active = active.filter((t) => t !== taskId);
  };

  // 1. A batch in flight: check it; collect its answers once it has ended.
  if (message.batch_id && deps.batches) {
    const status = await deps.batches.retrieve(message.batch_id);
    if (status.processing_status !== 'ended') {
      if (message.polls + 1 >= deps.maxPolls) {
        for (const t of active) await failJob(t, `Message Batch ${message.batch_id} did not end in time`);
        return 'finished';
      }
      await deps.queue.send(encodeBatchGroupMessage({ ...message, polls: message.polls + 1 }), {
        delaySeconds: deps.pollDelaySeconds,
      });
      log('Batch still in progress', { batch_id: message.batch_id, polls: message.polls + 1 });
      return 'polling';
    }
    for (const r of await deps.batches.results(message.batch_id)) {
      if (!active.includes(r.custom_id)) continue;
      if (r.type === 'succeeded') {
        turns[r.custom_id] = [...(turns[r.custom_id] ?? []), r.response];
        continue;
      }
      retries[r.custom_id] = (retries[r.custom_id] ?? 0) + 1;
      if ((retries[r.custom_id] ?? 0) > deps.maxRequestRetries)
        await failJob(r.custom_id, `Batch request ${r.type}: ${r.error}`);
    }
  }

  // 2. Replay every active job with the answers so far: finished, failed, or its next turn for the batch.
  const requests: BatchRequest[] = [];
  const jobs = await Promise.all(active.map((t) => worker.jobs.get(t)));
  for (const [i, taskId] of active.entries()) {
    let job = jobs[i];
    if (!job) continue;
    if (job.status === 'QUEUED') {
      job = await worker.jobs.claim(taskId, {
        attemptId: message.attempt_id,
        attempts,
        leaseMs: deps.leaseMs,
      });
      if (!job) continue;
    }
    if (job.status !== 'RUNNING' || job.attempt_id !== message.attempt_id) {
      log('Job not held by this group', { taskId, status: job.status });
      continue;
    }
    const state: ReplayState = { responses: turns[taskId] ?? [] };
    const controller = new AbortController();
    let result: AnalysisOutcome;
    try {
      result = await deps.runReplay(job, state, controller.signal);
    } catch (err) {
      if (err instanceof ModelCallNeeded && deps.batches) {
        requests.push({ custom_id: taskId, params: err.params });
        await worker.jobs.updateProgress(
          taskId,
          message.attempt_id,
          Math.min(90, 10 + 20 * state.responses.length),
        );
        continue;
      }
      await failJob(taskId, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      continue;
    }
    const outcome = await finishJob(worker, job, message.attempt_id, result);
    worker.metrics?.count(outcome === 'succeeded' ? 'JobSucceeded' : 'JobDiscarded');
    log('Batch job finished', { taskId, outcome, turns: state.responses.length });
  }
  if (requests.length === 0) return 'finished';

  // 3. The next turn of every unfinished job, as one batch; a delayed message checks it.
  const batch = await (deps.batches as BatchClient).create(requests);
  const still = requests.map((r) => r.custom_id);
  await deps.queue.send(
    encodeBatchGroupMessage({
      attempt_id: message.attempt_id,
      task_ids: still,
      batch_id: batch.id,
      polls: 0,
      turns: Object.fromEntries(still.map((t) => [t, turns[t] ?? []])),
      retries: Object.fromEntries(still.map((t) => [t, retries[t] ?? 0])),
    }),
    { delaySeconds: deps.pollDelaySeconds },
  );
  log('Batch submitted', { batch_id: batch.id, requests: requests.length });
  return 'submitted';
}
