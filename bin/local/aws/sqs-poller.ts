import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import { withTimeout } from '#core/timeout';

export type SqsBatchHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<SQSBatchResponse | undefined | null>;

/**
 * Lambda's SQS event source mapping, locally: long-polls the queue, hands real `SQSEvent` batches to the
 * handler, deletes the messages the handler did not report in `batchItemFailures` (none when it throws, times
 * out, or names an id that is not in the batch — as Lambda does) and leaves the rest to reappear after the
 * visibility timeout, where SQS's RedrivePolicy moves them to the DLQ in time.
 */
export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  region?: string;
  handler: SqsBatchHandler;
  /** Messages per batch, 1..10 (default 10). */
  batchSize?: number;
  /** Long-poll wait per ReceiveMessage, seconds (default 10; stop() aborts a wait at once). */
  waitTimeSeconds?: number;
  /** Poll loops running side by side, like concurrent Lambda instances (default 1). */
  concurrency?: number;
  /** Like the function timeout: a handler still running then counts as failed (default 30 000 ms). */
  invocationTimeoutMs?: number;
  functionName?: string;
  onError?: (err: unknown) => void;
}

export interface SqsPollerStats {
  batches: number;
  messages: number;
  deleted: number;
  kept: number;
  handlerErrors: number;
}

export interface SqsPoller {
  readonly stats: Readonly<SqsPollerStats>;
  /** Stops polling and waits for batches in flight (each bounded by the invocation timeout). */
  stop(): Promise<void>;
}

class InvocationTimeoutError extends Error {
  override readonly name = 'InvocationTimeoutError';
}

export function startSqsPoller(opts: SqsPollerOptions): SqsPoller {
  const batchSize = Math.max(1, Math.min(10, opts.batchSize ?? 10));
  const waitTimeSeconds = opts.waitTimeSeconds ?? 10;
  const timeoutMs = opts.invocationTimeoutMs ?? 30_000;
  const region = opts.region ?? 'us-east-1';
  const functionName = opts.functionName ?? 'analysis-worker';
  const stats: SqsPollerStats = { batches: 0, messages: 0, deleted: 0, kept: 0, handlerErrors: 0 };
  const aborts = new Set<AbortController>();
  let running = true;

  const reportError = (err: unknown) => {
    if (opts.onError) opts.onError(err);
  };

  async function pollOnce(): Promise<void> {
    const abort = new AbortController();
    aborts.add(abort);
    let messages: Message[];
    try {
      const out = await opts.client.send(
        new ReceiveMessageCommand({
          QueueUrl: opts.queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: waitTimeSeconds,
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: abort.signal },
      );
      messages = out.Messages ?? [];
    } finally {
      aborts.delete(abort);
    }
    if (messages.length === 0 || !running) return;

    stats.batches++;
    stats.messages += messages.length;
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, opts.queueArn, region)) };
    const failed = await invoke(event);
    const toDelete = messages.filter((m) => m.MessageId && !failed.has(m.MessageId) && m.ReceiptHandle);
    stats.kept += messages.length - toDelete.length;
    if (toDelete.length > 0) {
      const out = await opts.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: opts.queueUrl,
          Entries: toDelete.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      stats.deleted += out.Successful?.length ?? 0;
      for (const f of out.Failed ?? [])
        reportError(new Error(`DeleteMessage failed: ${f.Code} ${f.Message}`));
    }
  }

  /** The message ids to keep (redeliver). */
  async function invoke(event: SQSEvent): Promise<Set<string>> {
    const all = new Set(event.Records.map((r) => r.messageId));
    try {
      const response = await withTimeout(
        opts.handler(event, lambdaContext(functionName, region, timeoutMs)),
        timeoutMs,
        'invocation',
        () => new InvocationTimeoutError(`timed out after ${timeoutMs} ms`),
      );
      const failures = response?.batchItemFailures ?? [];
      const failed = new Set(failures.map((f) => f.itemIdentifier));
      // Lambda treats an empty or unknown itemIdentifier as a failure of the whole batch.
      for (const id of failed) if (!id || !all.has(id)) return all;
      return failed;
    } catch (err) {
      stats.handlerErrors++;
      reportError(err);
      return all;
    }
  }

  async function loop(): Promise<void> {
    while (running) {
      try {
        await pollOnce();
      } catch (err) {
        if (!running) break;
        reportError(err);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  const loops = Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, () => loop());

  return {
    stats,
    async stop() {
      running = false;
      for (const a of aborts) a.abort();
      await Promise.all(loops);
    },
  };
}

function toRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const a = m.Attributes ?? {};
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
    SentTimestamp: a.SentTimestamp ?? String(Date.now()),
    SenderId: a.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  for (const key of [
    'AWSTraceHeader',
    'SequenceNumber',
    'MessageGroupId',
    'MessageDeduplicationId',
  ] as const) {
    const v = a[key];
    if (v !== undefined) attributes[key] = v;
  }
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes,
    messageAttributes: toMessageAttributes(m.MessageAttributes ?? {}),
    md5OfBody: m.MD5OfBody ?? '',
    ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function toMessageAttributes(attrs: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, v] of Object.entries(attrs)) {
    out[name] = {
      dataType: v.DataType ?? 'String',
      stringListValues: [],
      binaryListValues: [],
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString('base64') } : {}),
    };
  }
  return out;
}

function lambdaContext(functionName: string, region: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
