/** Anthropic tool definition (the `tools` entries of a Messages request). */
export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: { type: 'object'; [key: string]: unknown };
  cache_control?: { type: 'ephemeral' };
}

/** The LLM seam: the Anthropic adapter and the offline model implement it; the agent loop drives it. */
export interface LlmTextBlock {
  type: 'text';
  text: string;
}

export interface LlmToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

export interface LlmToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  is_error?: boolean;
}

export type LlmContentBlock = LlmTextBlock | LlmToolUseBlock | LlmToolResultBlock;

export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string | LlmContentBlock[];
}

export type LlmToolChoice = { type: 'auto' } | { type: 'tool'; name: string };

export interface LlmRequest {
  /** The stable system prompt (cached by adapters that support prompt caching). */
  system: string;
  tools: ToolDefinition[];
  messages: LlmMessage[];
  toolChoice: LlmToolChoice;
  /** Cancels the call (request cancelled or the agent's deadline passed). */
  signal?: AbortSignal;
  /** Opaque end-user id for abuse monitoring (`metadata.user_id`). */
  userId?: string;
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export type StopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded'
  | (string & {});

export interface LlmResponse {
  content: Array<LlmTextBlock | LlmToolUseBlock>;
  stopReason: StopReason;
  usage: TokenUsage;
  model: string;
}

export interface LlmCallOptions {
  /** When given, the call streams and text deltas are delivered as they arrive. */
  onText?(delta: string): void;
}

export interface Llm {
  readonly kind: 'anthropic' | 'offline';
  readonly model: string;
  /** Scales the list price of this model's tokens (0.5 when the calls go through Message Batches). */
  readonly priceMultiplier?: number;
  complete(request: LlmRequest, options?: LlmCallOptions): Promise<LlmResponse>;
  /** Input tokens of a request (the API's count where available, else an estimate). */
  countTokens(request: Pick<LlmRequest, 'system' | 'messages' | 'tools'>): Promise<number>;
}

export const ZERO_TOKENS: TokenUsage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};

export function addTokens(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_read_input_tokens: a.cache_read_input_tokens + b.cache_read_input_tokens,
    cache_creation_input_tokens: a.cache_creation_input_tokens + b.cache_creation_input_tokens,
  };
}

/** Offline estimate: ~4 characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function estimateRequestTokens(request: Pick<LlmRequest, 'system' | 'messages' | 'tools'>): number {
  return estimateTokens(request.system + JSON.stringify(request.tools) + JSON.stringify(request.messages));
}
