import { AsyncLocalStorage } from 'node:async_hooks';
import { MessagesClient, toMessageParams, toResponse } from './anthropic';
import { apiKeySource } from './api-key';
import type { LlmConfig } from './config';
import { toLlmError } from './errors';
import { BATCH_PRICE_MULTIPLIER } from './pricing';
import { estimateRequestTokens, type Llm, type LlmRequest, type LlmResponse } from './types';

/**
 * Claude through the Message Batches API (half price, results within 24 h): the client the worker uses for
 * `"mode": "batch"` jobs, and a replaying model that turns the agent's multi-turn loop into one batch request
 * per turn.
 */

export type BatchParams = ReturnType<typeof toMessageParams>;

export interface BatchRequest {
  /** 1–64 characters [A-Za-z0-9_-] (the API's rule): the task id */
  custom_id: string;
  params: BatchParams;
}

export interface BatchStatus {
  id: string;
  processing_status: 'in_progress' | 'canceling' | 'ended';
  request_counts: {
    processing: number;
    succeeded: number;
    errored: number;
    canceled: number;
    expired: number;
  };
}

export type BatchItemResult =
  | { custom_id: string; type: 'succeeded'; response: LlmResponse }
  | { custom_id: string; type: 'errored' | 'canceled' | 'expired'; error: string };

export interface BatchClient {
  create(requests: BatchRequest[]): Promise<BatchStatus>;
  retrieve(batchId: string): Promise<BatchStatus>;
  /** Every request's outcome (the JSONL at the batch's results_url); only once the batch has ended. */
  results(batchId: string): Promise<BatchItemResult[]>;
}

/** The SDK's `messages.batches` (the same Messages-only client as the interactive path). */
export function createAnthropicBatchClient(config: LlmConfig): BatchClient {
  const apiKey = apiKeySource(config);
  const client = new MessagesClient({
    apiKey,
    baseURL: config.baseURL ?? null,
    timeout: config.timeoutMs,
    maxRetries: config.maxRetries,
  });
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    await apiKey();
    try {
      return await fn();
    } catch (err) {
      throw toLlmError(err, {});
    }
  };
  const status = (b: BatchStatus): BatchStatus => ({
    id: b.id,
    processing_status: b.processing_status,
    request_counts: b.request_counts,
  });
  return {
    create: (requests) =>
      call(async () =>
        status(
          await client.messages.batches.create({
            requests: requests as Parameters<typeof client.messages.batches.create>[0]['requests'],
          }),
        ),
      ),
    retrieve: (id) => call(async () => status(await client.messages.batches.retrieve(id))),
    results: (id) =>
      call(async () => {
        const out: BatchItemResult[] = [];
        for await (const item of await client.messages.batches.results(id)) {
          const r = item.result;
          if (r.type === 'succeeded')
            out.push({ custom_id: item.custom_id, type: 'succeeded', response: toResponse(r.message) });
          else
            out.push({
              custom_id: item.custom_id,
              type: r.type,
              error: r.type === 'errored' ? `${r.error.error.type}: ${r.error.error.message}` : r.type,
            });
        }
        return out;
      }),
  };
}

/** The agent asked for a model turn nobody has answered yet: it goes into the next batch. */
export class ModelCallNeeded extends Error {
  override readonly name = 'ModelCallNeeded';
  constructor(readonly params: BatchParams) {
    super('The next model turn goes through a Message Batch');
  }
}

/** The answered turns of one job, in order, replayed to the agent. */
export interface ReplayState {
  responses: LlmResponse[];
}

const replayScope = new AsyncLocalStorage<{ state: ReplayState; next: number }>();

/** Runs `fn` (an agent run) replaying `state`'s answers; the first unanswered call throws ModelCallNeeded. */
export function withReplay<T>(state: ReplayState, fn: () => Promise<T>): Promise<T> {
  return replayScope.run({ state, next: 0 }, fn);
}

/**
 * A model whose answers come from finished batches. Skills run again on each replay (deterministic or from the
 * skill-result cache), so the agent loop — tool turns, the validated submission, its one corrective retry — is
 * the very one the interactive path runs. Priced at the batch rate.
 */
export function createReplayLlm(config: Pick<LlmConfig, 'model' | 'maxTokens'>): Llm {
  return {
    kind: 'anthropic',
    model: config.model,
    priceMultiplier: BATCH_PRICE_MULTIPLIER,
    async complete(request: LlmRequest): Promise<LlmResponse> {
      const scope = replayScope.getStore();
      if (!scope) throw new Error('The batch model answers only inside withReplay()');
      const answered = scope.state.responses[scope.next];
      if (answered) {
        scope.next++;
        return answered;
      }
      throw new ModelCallNeeded(toMessageParams(request, config.model, config.maxTokens));
    },
    async countTokens(request) {
      return estimateRequestTokens(request);
    },
  };
}
