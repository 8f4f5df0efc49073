import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { encodeJobMessage } from '#core/jobs/message';
import { createSqsClient } from '#core/queue/queue';

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
  /**
   * Keep the jobs table (jobs and Idempotency-Key records) in this folder (LevelDB) instead of memory. The
   * queue itself stays in memory: on start, every unfinished job of the table is sent to it again (a
   * RUNNING one once its lease has run out), so a restart loses no job.
   */
  persistDir?: string;
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
  /** Unfinished jobs found in a persisted table and queued again at start. */
  requeued: number;
  stop(): Promise<void>;
}

export async function startLocalAws(opts: LocalAwsOptions = {}): Promise<LocalAws> {
  const region = opts.region ?? 'us-east-1';
  const tableName = opts.tableName ?? 'ceo-agent-jobs';
  const queueName = opts.queueName ?? 'ceo-agent-analysis';
  const maxReceiveCount = opts.maxReceiveCount ?? 3;
  const visibilityTimeoutSeconds = opts.visibilityTimeoutSeconds ?? 30;

  if (opts.persistDir) mkdirSync(opts.persistDir, { recursive: true });
  const dynamo = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(opts.persistDir ? { path: opts.persistDir } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(0, '127.0.0.1', () => resolve());
  });
  const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;

  let sqs: ReturnType<typeof buildApp> | undefined;
  try {
    // fauxqs's startFauxqs listens on 0.0.0.0 whatever it is told: build its app and bind it to loopback only.
    sqs = buildApp({ logger: false, host: '127.0.0.1', defaultRegion: region });
    await sqs.listen({ port: 0, host: '127.0.0.1' });
    const sqsEndpoint = `http://127.0.0.1:${(sqs.server.address() as AddressInfo).port}`;

    const ddb = new DynamoDBClient({
      region,
      endpoint: dynamoEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await createJobsTable(ddb, tableName);

    const sqsClient = createSqsClient({ region, endpoint: sqsEndpoint });
    const dlq = await createQueue(sqsClient, `${queueName}-dlq`, { MessageRetentionPeriod: '1209600' });
    const main = await createQueue(sqsClient, queueName, {
      VisibilityTimeout: String(visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: String(maxReceiveCount),
      }),
    });
    const requeued = opts.persistDir ? await requeueUnfinished(ddb, sqsClient, tableName, main.url) : 0;
    sqsClient.destroy();
    ddb.destroy();

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
      requeued,
      async stop() {
        await server.close();
        await closeServer(dynamo);
      },
    };
  } catch (err) {
    await sqs?.close();
    await closeServer(dynamo);
    throw err;
  }
}

function closeServer(server: ReturnType<typeof dynalite>): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Sends every unfinished job of a persisted table to the (fresh, in-memory) queue again: QUEUED at once,
 * RUNNING (its worker died with the previous process) delayed until its lease has run out, when the worker's
 * claim may take it over. Idempotency records (`idem#…`) and finished jobs are left alone.
 */
async function requeueUnfinished(
  ddb: DynamoDBClient,
  sqs: SQSClient,
  tableName: string,
  queueUrl: string,
): Promise<number> {
  const pending: Array<{ id: string; delay: number }> = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  const now = Date.now();
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: tableName,
        ExclusiveStartKey: start,
        ProjectionExpression: 'task_id, #s, lease_expires_at',
        ExpressionAttributeNames: { '#s': 'status' },
      }),
    );
    for (const item of page.Items ?? []) {
      const id = item.task_id?.S;
      const status = item.status?.S;
      if (!id || !UUID.test(id)) continue;
      if (status === 'QUEUED') pending.push({ id, delay: 0 });
      else if (status === 'RUNNING') {
        const lease = Number(item.lease_expires_at?.N ?? 0);
        pending.push({ id, delay: Math.min(900, Math.max(0, Math.ceil((lease - now) / 1000) + 1)) });
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  for (let i = 0; i < pending.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: pending.slice(i, i + 10).map((p, j) => ({
          Id: String(j),
          MessageBody: encodeJobMessage(p.id),
          DelaySeconds: p.delay,
        })),
      }),
    );
  }
  return pending.length;
}

/** The jobs table: pk `task_id` (string), on-demand. TTL (attribute `ttl`) is set by the CDK stack in AWS. */
export async function createJobsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'task_id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'task_id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    // a persisted table from an earlier run
    if (!(err instanceof ResourceInUseException)) throw err;
  }
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
