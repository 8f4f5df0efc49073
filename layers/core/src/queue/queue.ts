import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { credentialsForEndpoint } from '../aws/credentials';

/** One message of a batch; `id` is unique within the batch and comes back in its result. */
export interface QueueMessage {
  id: string;
  body: string;
}

export type QueueSendResult =
  | { id: string; ok: true; messageId: string }
  | { id: string; ok: false; code: string; message: string };

/** The queue seam: SQS in AWS and locally (fauxqs through the same SDK). */
export interface Queue {
  /**
   * Sends one message; rejects when SQS did not accept it (after the SDK's own retries). `delaySeconds`
   * (0–900) keeps it invisible that long: a later check without a Lambda waiting.
   */
  send(body: string, opts?: { delaySeconds?: number }): Promise<{ messageId: string }>;
  /** Sends up to any number of messages in batches of 10; never rejects: each item reports its own result. */
  sendBatch(messages: readonly QueueMessage[]): Promise<QueueSendResult[]>;
}

export const SQS_MAX_BATCH = 10;

export interface SqsClientOptions {
  region: string;
  /** Custom endpoint (local stand-in). The queue URL is then not used as the endpoint. */
  endpoint?: string;
  maxAttempts?: number;
  /** Per-attempt time-out (the SDK has none by default); long polls need more than their WaitTimeSeconds. */
  requestTimeoutMs?: number;
}

export function createSqsClient(opts: SqsClientOptions): SQSClient {
  return new SQSClient({
    region: opts.region,
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: opts.requestTimeoutMs ?? 5_000 },
    ...(opts.endpoint
      ? {
          endpoint: opts.endpoint,
          // Local queue URLs (sqs.<region>.127.0.0.1:PORT) do not resolve; without this the SDK also logs
          // an "Invalid URL" stack on every call.
          useQueueUrlAsEndpoint: false,
          credentials: credentialsForEndpoint(opts.endpoint),
        }
      : {}),
  });
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof Error) return { code: err.name || 'Error', message: err.message };
  return { code: 'Error', message: String(err) };
}

export class SqsQueue implements Queue {
  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
  ) {}

  async send(body: string, opts: { delaySeconds?: number } = {}): Promise<{ messageId: string }> {
    const delay = opts.delaySeconds ? Math.max(0, Math.min(900, Math.round(opts.delaySeconds))) : 0;
    const out = await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        ...(delay > 0 ? { DelaySeconds: delay } : {}),
      }),
    );
    return { messageId: out.MessageId ?? '' };
  }

  async sendBatch(messages: readonly QueueMessage[]): Promise<QueueSendResult[]> {
    const results: QueueSendResult[] = [];
    for (let i = 0; i < messages.length; i += SQS_MAX_BATCH) {
      results.push(...(await this.sendChunk(messages.slice(i, i + SQS_MAX_BATCH))));
    }
    return results;
  }

  private async sendChunk(chunk: readonly QueueMessage[]): Promise<QueueSendResult[]> {
    if (chunk.length === 0) return [];
    // SQS batch entry ids allow only [A-Za-z0-9_-]{1,80}: send positions, map back to the caller's ids.
    const entries: SendMessageBatchRequestEntry[] = chunk.map((m, i) => ({
      Id: `m${i}`,
      MessageBody: m.body,
    }));
    try {
      const out = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
      );
      const ok = new Map((out.Successful ?? []).map((s) => [s.Id, s.MessageId ?? '']));
      const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
      return chunk.map((m, i): QueueSendResult => {
        const messageId = ok.get(`m${i}`);
        if (messageId !== undefined) return { id: m.id, ok: true, messageId };
        const f = failed.get(`m${i}`);
        return {
          id: m.id,
          ok: false,
          code: f?.Code ?? 'MissingResult',
          message: f?.Message ?? 'SQS returned no result for this entry',
        };
      });
    } catch (err) {
      const { code, message } = describe(err);
      return chunk.map((m): QueueSendResult => ({ id: m.id, ok: false, code, message }));
    }
  }
}
