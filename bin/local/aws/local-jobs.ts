import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '#core/queue/queue';
import { type SqsBatchHandler, type SqsPoller, startSqsPoller } from './sqs-poller';
import { type LocalAws, startLocalAws } from './stand-ins';

export interface LocalJobsOptions {
  /** Loaded after the environment points at the stand-ins (handlers read it at module scope). */
  loadWorker: () => Promise<SqsBatchHandler>;
  /** Defaults to process.env; written with the stand-ins' endpoints unless real ones are configured. */
  env?: NodeJS.ProcessEnv;
  /** Poll loops side by side (default 2). */
  concurrency?: number;
  /** Persist the jobs table here (see LocalAwsOptions.persistDir); in memory when unset. */
  persistDir?: string;
  onError?: (err: unknown) => void;
}

export interface LocalJobs {
  /** Undefined when AWS_ENDPOINT_URL_SQS and ANALYSIS_QUEUE_URL were already set (real or shared services). */
  aws: LocalAws | undefined;
  poller: SqsPoller;
  stop(): Promise<void>;
}

/**
 * For the local runtime (`npm start`): the in-process DynamoDB and SQS (unless endpoints are configured) and the
 * poller that feeds the worker handler like Lambda's event source mapping.
 */
export async function startLocalJobs(opts: LocalJobsOptions): Promise<LocalJobs> {
  const env = opts.env ?? process.env;
  env.JOBS_VISIBILITY_TIMEOUT_SECONDS ??= '30';
  env.JOBS_LEASE_SECONDS ??= '25';
  let aws: LocalAws | undefined;
  if (!(env.AWS_ENDPOINT_URL_SQS && env.ANALYSIS_QUEUE_URL && env.AWS_ENDPOINT_URL_DYNAMODB)) {
    aws = await startLocalAws({
      tableName: env.JOBS_TABLE,
      maxReceiveCount: env.JOBS_MAX_RECEIVE_COUNT ? Number(env.JOBS_MAX_RECEIVE_COUNT) : undefined,
      visibilityTimeoutSeconds: Number(env.JOBS_VISIBILITY_TIMEOUT_SECONDS),
      persistDir: opts.persistDir,
    });
    Object.assign(env, aws.env);
  }
  const queueUrl = env.ANALYSIS_QUEUE_URL as string;
  const client = createSqsClient({
    region: env.AWS_REGION ?? 'us-east-1',
    endpoint: env.AWS_ENDPOINT_URL_SQS,
    // the poller long-polls for up to 10 s
    requestTimeoutMs: 15_000,
  });
  try {
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const handler = await opts.loadWorker();
    const poller = startSqsPoller({
      client,
      queueUrl,
      queueArn: attrs.Attributes?.QueueArn ?? 'arn:aws:sqs:us-east-1:000000000000:local',
      region: env.AWS_REGION,
      handler,
      concurrency: opts.concurrency ?? 2,
      invocationTimeoutMs: Math.round(Number(env.JOBS_LEASE_SECONDS) * 1000),
      onError: opts.onError,
    });
    return {
      aws,
      poller,
      async stop() {
        await poller.stop();
        client.destroy();
        await aws?.stop();
      },
    };
  } catch (err) {
    client.destroy();
    await aws?.stop();
    throw err;
  }
}
