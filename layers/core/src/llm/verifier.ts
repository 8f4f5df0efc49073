import type Anthropic from '@anthropic-ai/sdk';
import { MessagesClient } from './anthropic';
import { apiKeySource } from './api-key';
import type { LlmConfig } from './config';
import { toUsage } from './pricing';
import { type QuestionVerifier, VERDICT_TOOL, type VerifierSettings } from './question-verifier';

/**
 * The borderline verifier on Claude: the cheapest model tier, one forced tool call (`question_verdict`,
 * strict JSON `{ same: boolean }`), 128 output tokens at most, no retries, its own time-out. None where
 * Claude is not configured (the offline model) or SEMANTIC_VERIFIER_ENABLED=false.
 */
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

export function createQuestionVerifier(
  llm: Pick<LlmConfig, 'provider' | 'apiKey' | 'apiKeySecretArn' | 'baseURL'>,
  settings: VerifierSettings,
): QuestionVerifier | undefined {
  if (llm.provider !== 'anthropic' || !settings.enabled) return undefined;
  const apiKey = apiKeySource(llm as LlmConfig);
  const client = new MessagesClient({
    apiKey,
    baseURL: llm.baseURL ?? null,
    timeout: settings.timeoutMs,
    maxRetries: 0,
  });
  const model = settings.model;
  return {
    model,
    async verify(asked, cached, signal) {
      try {
        await apiKey();
        const message = await client.messages.create(
          {
            model,
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
        const usage = toUsage(model, {
          input_tokens: message.usage.input_tokens,
          output_tokens: message.usage.output_tokens,
          cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
          cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
        });
        const call = message.content.find(
          (b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === VERDICT_TOOL,
        );
        const input = call?.input as { same?: unknown } | undefined;
        if (typeof input?.same !== 'boolean') return { same: false, model, usage, error: 'no verdict' };
        return { same: input.same, model, usage };
      } catch (err) {
        return { same: false, model, usage: toUsage(model, ZERO), error: (err as Error).message };
      }
    },
  };
}
