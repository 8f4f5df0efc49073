import Anthropic from '@anthropic-ai/sdk';
import type { Usage } from '../analysis/types';
import { toUsage } from '../llm/pricing';

/**
 * The semantic cache's second opinion for borderline candidates: a small-model call (cheapest tier) that
 * answers "do these two questions ask the same thing, for the same subject?" through a forced tool call
 * (strict JSON). Used only when the embedder and the question-frame guard are unsure: the similarity is in
 * the verification band and only words the lexicons do not know differ. Any failure counts as "different".
 */
export interface VerificationResult {
  same: boolean;
  model: string;
  usage: Usage;
  /** why it failed (the answer is then `same: false`) */
  error?: string;
}

export interface QuestionVerifier {
  readonly model: string;
  verify(asked: string, cached: string, signal?: AbortSignal): Promise<VerificationResult>;
}

export interface AnthropicVerifierConfig {
  apiKey?: string;
  baseURL?: string;
  /** e.g. claude-haiku-5-5 */
  model: string;
  timeoutMs: number;
  maxRetries?: number;
}

export const VERDICT_TOOL = 'question_verdict';

const SYSTEM =
  'You compare two questions an executive asked a decision-analysis assistant. Answer same=true only if one ' +
  'answer would be correct for both: the same action in the same direction, about the same subject, group, ' +
  'place, product, amount, date, time horizon and conditions. Different wording is fine. Any doubt: same=false.';

const TOOL: Anthropic.Tool = {
  name: VERDICT_TOOL,
  description: 'Whether the two questions ask the same thing, for the same subject.',
  input_schema: {
    type: 'object',
    properties: {
      same: { type: 'boolean', description: 'true only if one answer is correct for both questions' },
      difference: { type: 'string', description: 'what differs, in a few words; empty when same' },
    },
    required: ['same'],
    additionalProperties: false,
  },
};

const ZERO = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};

export function createAnthropicVerifier(config: AnthropicVerifierConfig): QuestionVerifier {
  const client = new Anthropic({
    apiKey: config.apiKey ?? 'local-stand-in',
    baseURL: config.baseURL ?? null,
    timeout: config.timeoutMs,
    maxRetries: config.maxRetries ?? 0,
  });
  return {
    model: config.model,
    async verify(asked, cached, signal) {
      try {
        const message = await client.messages.create(
          {
            model: config.model,
            max_tokens: 128,
            system: SYSTEM,
            tools: [TOOL],
            tool_choice: { type: 'tool', name: VERDICT_TOOL },
            messages: [
              {
                role: 'user',
                content: `Question A: ${JSON.stringify(asked)}\nQuestion B: ${JSON.stringify(cached)}`,
              },
            ],
          },
          { signal },
        );
        const usage = toUsage(message.model || config.model, {
          input_tokens: message.usage.input_tokens,
          output_tokens: message.usage.output_tokens,
          cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
          cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
        });
        const call = message.content.find(
          (b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === VERDICT_TOOL,
        );
        const input = call?.input as { same?: unknown } | undefined;
        if (typeof input?.same !== 'boolean') {
          return { same: false, model: config.model, usage, error: 'no verdict' };
        }
        return { same: input.same, model: config.model, usage };
      } catch (err) {
        return {
          same: false,
          model: config.model,
          usage: toUsage(config.model, ZERO),
          error: (err as Error).message,
        };
      }
    },
  };
}
