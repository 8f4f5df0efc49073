import * as z from 'zod';
import { parseEnv } from '../env';

/**
 * Configuration of long-running analysis jobs (DynamoDB table, SQS queue, worker lease), read from the
 * environment and validated once per cold start. Endpoints: the AWS SDK's own `AWS_ENDPOINT_URL_DYNAMODB` /
 * `AWS_ENDPOINT_URL_SQS` (set by the local runtime to the in-process stand-ins).
 */
/**
 * An http(s) URL, checked loosely: local queue URLs (`http://sqs.us-east-1.127.0.0.1:PORT/…`) are not valid
 * WHATWG URLs (a host whose last label is numeric must be an IPv4 address), yet SQS takes them as QueueUrl.
 */
const url = z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be an http(s) URL');

const JobsConfigSchema = z
  .object({
    AWS_REGION: z.string().min(1).default('us-east-1'),
    AWS_ENDPOINT_URL_DYNAMODB: url.optional(),
    AWS_ENDPOINT_URL_SQS: url.optional(),
    JOBS_TABLE: z.string().min(3).default('ceo-agent-jobs'),
    ANALYSIS_QUEUE_URL: url.optional(),
    /** Must match the queue's RedrivePolicy: at this receive count a failing job is marked FAILED. */
    JOBS_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(3),
    /** How long a RUNNING job is held by one attempt; should equal the worker's timeout (< queue visibility). */
    JOBS_LEASE_SECONDS: z.coerce.number().min(0.1).max(43_200).default(300),
    /** Visibility timeout of the local stand-in queue (in AWS the CDK stack sets it on the queue). */
    JOBS_VISIBILITY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(43_200).default(360),
    JOBS_TTL_DAYS: z.coerce.number().min(0.001).max(365).default(7),
    JOBS_IDEMPOTENCY_TTL_HOURS: z.coerce
      .number()
      .min(0.001)
      .max(24 * 30)
      .default(24),
    /** Batch mode: seconds between checks of a Message Batch in flight (SQS DelaySeconds, ≤ 900). */
    JOBS_BATCH_POLL_SECONDS: z.coerce.number().int().min(0).max(900).default(60),
    /** Batch mode: a group whose batch has not ended after this long fails (the API expires batches at 24 h). */
    JOBS_BATCH_MAX_HOURS: z.coerce.number().min(0.01).max(48).default(25),
    /** SDK attempts per SQS call (the SDK retries throttling and network errors with back-off). */
    JOBS_SQS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  })
  .refine((c) => c.JOBS_VISIBILITY_TIMEOUT_SECONDS > c.JOBS_LEASE_SECONDS, {
    message: 'must be greater than JOBS_LEASE_SECONDS',
    path: ['JOBS_VISIBILITY_TIMEOUT_SECONDS'],
  });

export type JobsConfig = z.infer<typeof JobsConfigSchema>;

export function loadJobsConfig(env: NodeJS.ProcessEnv = process.env): JobsConfig {
  return parseEnv(JobsConfigSchema, env, 'jobs');
}

let cached: JobsConfig | undefined;

export function getJobsConfig(): JobsConfig {
  cached ??= loadJobsConfig();
  return cached;
}

export function resetJobsConfigForTests(): void {
  cached = undefined;
}
