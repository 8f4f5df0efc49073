import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { createSqsClient } from '../../../layers/core/src/queue/queue';

/**
 * The AWS pieces of long analyses, in-process for the local runtime, tests and benchmarks: dynalite (DynamoDB)
 * and fauxqs (SQS) on ephemeral loopback ports, reached only through the real AWS SDK. Creates the jobs table,
 * the analysis queue and its DLQ (RedrivePolicy with maxReceiveCount).
 */
export interface LocalAwsOptions {
  region?: string;
  tableName?: string;
  queueName?: string;
  /** RedrivePolicy maxReceiveCount of the analysis queue (default 3). */
  maxReceiveCount?: number;
  /** Visibility timeout of the analysis queue, seconds (default 30). */
  visibilityTimeoutSeconds?: number;
}

export interface LocalAws {
  region: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  tableName: string;
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  /** The variables that point the jobs config (and the AWS SDK) at these stand-ins. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startLocalAws(opts: LocalAwsOptions = {}): Promise<LocalAws> {
  const region = opts.region ?? 'us-east-1';
  const tableName = opts.tableName ?? 'ceo-agent-jobs';
  const queueName = opts.queueName ?? 'ceo-agent-analysis';
  const maxReceiveCount = opts.maxReceiveCount ?? 3;
  const visibilityTimeoutSeconds = opts.visibilityTimeoutSeconds ?? 30;

  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(0, '127.0.0.1', () => resolve());
  });
  const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;

  let sqs: Awaited<ReturnType<typeof startFauxqs>> | undefined;
  try {
    sqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false, defaultRegion: region });
    const sqsEndpoint = `http://127.0.0.1:${sqs.port}`;

    const ddb = new DynamoDBClient({
      region,
      endpoint: dynamoEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await createJobsTable(ddb, tableName);
    ddb.destroy();

    const sqsClient = createSqsClient({ region, endpoint: sqsEndpoint });
    const dlq = await createQueue(sqsClient, `${queueName}-dlq`, { MessageRetentionPeriod: '1209600' });
    const main = await createQueue(sqsClient, queueName, {
      VisibilityTimeout: String(visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: String(maxReceiveCount),
      }),
    });
    sqsClient.destroy();

    const server = sqs;
    return {
      region,
      dynamoEndpoint,
      sqsEndpoint,
      tableName,
      queueUrl: main.url,
      queueArn: main.arn,
      dlqUrl: dlq.url,
      dlqArn: dlq.arn,
      maxReceiveCount,
      visibilityTimeoutSeconds,
      env: {
        AWS_REGION: region,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        AWS_ENDPOINT_URL_SQS: sqsEndpoint,
        JOBS_TABLE: tableName,
        ANALYSIS_QUEUE_URL: main.url,
        JOBS_MAX_RECEIVE_COUNT: String(maxReceiveCount),
        JOBS_VISIBILITY_TIMEOUT_SECONDS: String(visibilityTimeoutSeconds),
      },
      async stop() {
        await server.stop();
        await closeServer(dynamo);
      },
    };
  } catch (err) {
    await sqs?.stop();
    await closeServer(dynamo);
    throw err;
  }
}

function closeServer(server: ReturnType<typeof dynalite>): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The jobs table: pk `task_id` (string), on-demand. TTL (attribute `ttl`) is set by the CDK stack in AWS. */
export async function createJobsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'task_id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'task_id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let i = 0; i < 100; i++) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Table ${tableName} did not become ACTIVE`);
}

async function createQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = created.QueueUrl;
  if (!url) throw new Error(`CreateQueue ${name} returned no URL`);
  const attrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = attrs.Attributes?.QueueArn;
  if (!arn) throw new Error(`Queue ${name} has no ARN`);
  return { url, arn };
}
