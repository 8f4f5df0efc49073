import { runAnalysisWithServices, runBatchReplayWithServices } from '#core/jobs/analyzer-runner';
import { workerJobsFor } from '#core/jobs/runtime';
import { createJobWorkerHandler } from '#core/jobs/worker';
import { createAnthropicBatchClient } from '#core/llm/batch';
import { loadLlmConfig } from '#core/llm/config';
import { logger } from '#core/observability/logger';
import { emfSink } from '#core/observability/metrics';
import { functionRoot } from '#core/runtime/root';
import { servicesFor } from '#core/runtime/services';
import { needsOf } from '../routes';

const root = functionRoot('analysis-worker', needsOf('analysis-worker'));
const jobs = workerJobsFor(root);
const llm = loadLlmConfig();
const services = () => servicesFor(root);

/**
 * The analysis worker: SQS batches (event source mapping with ReportBatchItemFailures) → partial batch
 * response. Not an HTTP route. The analysis is the one POST /decision/analyze runs.
 */
export const handler = createJobWorkerHandler({
  jobs: jobs.jobs,
  runAnalysis: runAnalysisWithServices(services),
  maxReceiveCount: jobs.config.JOBS_MAX_RECEIVE_COUNT,
  leaseMs: Math.round(jobs.config.JOBS_LEASE_SECONDS * 1000),
  logger,
  metrics: emfSink,
  // "mode": "batch": Claude's Message Batches at half price; a delayed message re-checks the batch
  batch: jobs.queue && {
    queue: jobs.queue,
    batches: llm.provider === 'anthropic' ? createAnthropicBatchClient(llm) : undefined,
    runReplay: runBatchReplayWithServices(services, llm),
    pollDelaySeconds: jobs.config.JOBS_BATCH_POLL_SECONDS,
    maxPolls: Math.max(
      1,
      Math.ceil((jobs.config.JOBS_BATCH_MAX_HOURS * 3600) / Math.max(1, jobs.config.JOBS_BATCH_POLL_SECONDS)),
    ),
    maxRequestRetries: 2,
    leaseMs: Math.round(jobs.config.JOBS_BATCH_MAX_HOURS * 3_600_000),
  },
});
