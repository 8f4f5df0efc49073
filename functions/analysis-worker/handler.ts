import { getConfig } from '../../layers/core/src/config';
import { runAnalysisWithServices } from '../../layers/core/src/jobs/analyzer-runner';
import { getJobsRuntime } from '../../layers/core/src/jobs/runtime';
import { createJobWorkerHandler } from '../../layers/core/src/jobs/worker';
import { logger } from '../../layers/core/src/observability/logger';
import { emfSink } from '../../layers/core/src/observability/metrics';
import { getDb } from '../../layers/core/src/runtime/db';
import { getServices } from '../../layers/core/src/runtime/services';

const config = getConfig();
const db = () => getDb(config);
const jobs = getJobsRuntime({ db, logger });

/**
 * The analysis worker: SQS batches (event source mapping with ReportBatchItemFailures) → partial batch
 * response. Not an HTTP route. The analysis is the one POST /decision/analyze runs.
 */
export const handler = createJobWorkerHandler({
  jobs: jobs.jobs,
  results: jobs.results,
  runAnalysis: runAnalysisWithServices(getServices),
  maxReceiveCount: jobs.config.JOBS_MAX_RECEIVE_COUNT,
  leaseMs: Math.round(jobs.config.JOBS_LEASE_SECONDS * 1000),
  inlineMaxBytes: jobs.config.JOBS_RESULT_INLINE_MAX_BYTES,
  logger,
  metrics: emfSink,
});
