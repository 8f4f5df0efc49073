import type Anthropic from '@anthropic-ai/sdk';
import { BaseAnthropic } from '@anthropic-ai/sdk/client';
import { Messages } from '@anthropic-ai/sdk/resources/messages/messages';
import { apiKeySource } from './api-key';
import type { LlmConfig } from './config';
import { DeadlineExceeded, retryAfterMs, toLlmError } from './errors';
import {
  estimateRequestTokens,
  type Llm,
  type LlmCallOptions,
  type LlmContentBlock,
  type LlmRequest,
  type LlmResponse,
  type LlmTextBlock,
  type LlmToolUseBlock,
  type TokenUsage,
} from './types';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * The SDK obeys `retry-after` without a cap. This fetch marks responses whose requested wait exceeds
 * `maxWaitMs` as not retryable (`x-should-retry: false`), so the call fails fast and the caller gets a 503
 * carrying the upstream's Retry-After instead of a Lambda that sleeps past its own timeout.
 */
export function cappedRetryFetch(maxWaitMs: number, inner: Fetch = fetch): Fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (!isRetryableStatus(response.status)) return response;
    const wait = retryAfterMs(response.headers);
    if (wait === undefined || wait <= maxWaitMs) return response;
    const headers = new Headers(response.headers);
    headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

function toSdkContent(content: string | LlmContentBlock[]): Anthropic.MessageParam['content'] {
  if (typeof content === 'string') return content;
  return content.map((block): Anthropic.ContentBlockParam => {
    if (block.type === 'text') return { type: 'text', text: block.text };
    if (block.type === 'tool_use')
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
    return {
      type: 'tool_result',
      tool_use_id: block.tool_use_id,
      content: block.content,
      ...(block.is_error ? { is_error: true } : {}),
    };
  });
}

/** Request body: the system prompt and the last tool carry `cache_control`, so tools + system are one cached prefix. */
export function toMessageParams(request: LlmRequest, model: string, maxTokens: number) {
  const tools: Anthropic.Tool[] = request.tools.map((t, i) => ({
    name: t.name,
    description: t.description,
    input_schema: t.input_schema,
    ...(i === request.tools.length - 1 ? { cache_control: { type: 'ephemeral' as const } } : {}),
  }));
  return {
    model,
    max_tokens: maxTokens,
    ...(request.system
      ? {
          system: [
            { type: 'text' as const, text: request.system, cache_control: { type: 'ephemeral' as const } },
          ],
        }
      : {}),
    ...(tools.length > 0
      ? {
          tools,
          tool_choice:
            request.toolChoice.type === 'tool'
              ? { type: 'tool' as const, name: request.toolChoice.name }
              : { type: 'auto' as const },
        }
      : {}),
    messages: request.messages.map((m) => ({ role: m.role, content: toSdkContent(m.content) })),
    ...(request.userId ? { metadata: { user_id: request.userId } } : {}),
  };
}

function toUsage(u: Anthropic.Usage | undefined): TokenUsage {
  return {
    input_tokens: u?.input_tokens ?? 0,
    output_tokens: u?.output_tokens ?? 0,
    cache_read_input_tokens: u?.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: u?.cache_creation_input_tokens ?? 0,
  };
}

export function toResponse(message: Anthropic.Message): LlmResponse {
  const content: Array<LlmTextBlock | LlmToolUseBlock> = [];
  for (const block of message.content) {
    if (block.type === 'text') content.push({ type: 'text', text: block.text });
    else if (block.type === 'tool_use') {
      content.push({ type: 'tool_use', id: block.id, name: block.name, input: block.input });
    }
  }
  return {
    content,
    stopReason: message.stop_reason ?? 'end_turn',
    usage: toUsage(message.usage),
    model: message.model,
  };
}

export interface AnthropicLlmOptions {
  /** Replaces global fetch (tests); the retry-wait cap wraps it. */
  fetch?: Fetch;
}

/**
 * The SDK's base client with only the Messages resource: the full `Anthropic` class carries every API
 * (beta, files, skills, …) and adds ~300 KB to each bundle; this is all the agent calls.
 */
export class MessagesClient extends BaseAnthropic {
  messages: Messages = new Messages(this);
}

/** The Claude adapter: one SDK client per instance (create it once, at module scope). */
export function createAnthropicLlm(config: LlmConfig, options: AnthropicLlmOptions = {}): Llm {
  const apiKey = apiKeySource(config);
  const client = new MessagesClient({
    apiKey,
    baseURL: config.baseURL ?? null,
    timeout: config.timeoutMs,
    maxRetries: config.maxRetries,
    fetch: cappedRetryFetch(config.maxRetryWaitMs, options.fetch),
  });

  async function createOnce(request: LlmRequest): Promise<LlmResponse> {
    const params = toMessageParams(request, config.model, config.maxTokens);
    // Resolved before the call, so a missing key is its own 503 rather than an SDK error.
    await apiKey();
    try {
      const message = await client.messages.create(params, { signal: request.signal });
      return toResponse(message);
    } catch (err) {
      throw toLlmError(err, timedOutBy(request.signal));
    }
  }

  async function streamOnce(request: LlmRequest, onText: (delta: string) => void): Promise<LlmResponse> {
    const params = toMessageParams(request, config.model, config.maxTokens);
    await apiKey();
    const stream = client.messages.stream(params, { signal: request.signal });
    let idleTimer: NodeJS.Timeout | undefined;
    let stalled = false;
    // Armed once headers arrived (before that the SDK's per-attempt timeout and retries apply), re-armed by
    // every event: a body that stops flowing is aborted instead of hanging the request.
    const arm = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        stalled = true;
        stream.abort();
      }, config.streamIdleTimeoutMs);
    };
    stream.on('connect', arm);
    stream.on('streamEvent', arm);
    stream.on('text', (delta) => onText(delta));
    try {
      return toResponse(await stream.finalMessage());
    } catch (err) {
      const ctx = stalled
        ? { timedOut: `Claude stream stalled for ${config.streamIdleTimeoutMs} ms` }
        : timedOutBy(request.signal);
      throw toLlmError(err, ctx);
    } finally {
      clearTimeout(idleTimer);
    }
  }

  return {
    kind: 'anthropic',
    model: config.model,
    complete(request: LlmRequest, opts: LlmCallOptions = {}) {
      return opts.onText ? streamOnce(request, opts.onText) : createOnce(request);
    },
    async countTokens(request) {
      try {
        const { system, tools, messages } = toMessageParams(
          { ...request, toolChoice: { type: 'auto' } },
          config.model,
          config.maxTokens,
        );
        const result = await client.messages.countTokens({ model: config.model, system, tools, messages });
        return result.input_tokens;
      } catch {
        return estimateRequestTokens(request);
      }
    },
  };
}

/** The agent's deadline aborts with a DeadlineExceeded reason; a plain cancellation does not count. */
function timedOutBy(signal: AbortSignal | undefined): { timedOut?: string } {
  if (signal?.aborted && signal.reason instanceof DeadlineExceeded)
    return { timedOut: signal.reason.message };
  return {};
}
