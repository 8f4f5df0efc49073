import { runAnalysisWithServices } from '../../layers/core/src/jobs/analyzer-runner';
import { workerJobsFor } from '../../layers/core/src/jobs/runtime';
import { createJobWorkerHandler } from '../../layers/core/src/jobs/worker';
import { logger } from '../../layers/core/src/observability/logger';
import { emfSink } from '../../layers/core/src/observability/metrics';
import { functionRoot } from '../../layers/core/src/runtime/root';
import { servicesFor } from '../../layers/core/src/runtime/services';
import { needsOf } from '../routes';

const root = functionRoot('analysis-worker', needsOf('analysis-worker'));
const jobs = workerJobsFor(root);

/**
 * The analysis worker: SQS batches (event source mapping with ReportBatchItemFailures) → partial batch
 * response. Not an HTTP route. The analysis is the one POST /decision/analyze runs.
 */
export const handler = createJobWorkerHandler({
  jobs: jobs.jobs,
  results: jobs.results,
  runAnalysis: runAnalysisWithServices(() => servicesFor(root)),
  maxReceiveCount: jobs.config.JOBS_MAX_RECEIVE_COUNT,
  leaseMs: Math.round(jobs.config.JOBS_LEASE_SECONDS * 1000),
  inlineMaxBytes: jobs.config.JOBS_RESULT_INLINE_MAX_BYTES,
  logger,
  metrics: emfSink,
});
