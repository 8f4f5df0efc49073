import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '#core/agent/config';
import { ValidationError } from '#core/errors';
import { apiKeySource } from '#core/llm/api-key';
import { loadLlmConfig } from '#core/llm/config';

describe('LLM and agent configuration', () => {
  it('uses the offline model without an API key or base URL', () => {
    expect(loadLlmConfig({})).toMatchObject({ provider: 'offline', model: 'offline' });
    expect(loadLlmConfig({ ANTHROPIC_API_KEY: 'k', LLM_PROVIDER: 'offline' }).provider).toBe('offline');
  });

  it('uses Claude with a key or a base URL, with explicit timeouts and retries', () => {
    const c = loadLlmConfig({ ANTHROPIC_API_KEY: 'k' });
    expect(c).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-5-5',
      timeoutMs: 20_000,
      maxRetries: 2,
      maxRetryWaitMs: 4_000,
      streamIdleTimeoutMs: 15_000,
      maxTokens: 4096,
    });
    expect(loadLlmConfig({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:9999' }).provider).toBe('anthropic');
  });

  it('outside local and test, means Claude unless the offline model is chosen explicitly', () => {
    expect(loadLlmConfig({ STAGE: 'prod' }).provider).toBe('anthropic');
    expect(loadLlmConfig({ STAGE: 'prod', LLM_PROVIDER: 'offline' }).provider).toBe('offline');
    expect(loadLlmConfig({ STAGE: 'local', LLM_PROVIDER: 'anthropic' }).provider).toBe('anthropic');
  });

  it('fails closed (503 llm_not_configured) when Claude has no key', async () => {
    await expect(apiKeySource(loadLlmConfig({ STAGE: 'prod' }))()).rejects.toMatchObject({
      status: 503,
      code: 'llm_not_configured',
    });
    await expect(apiKeySource(loadLlmConfig({ STAGE: 'prod', ANTHROPIC_API_KEY: 'k' }))()).resolves.toBe('k');
  });

  it('fails fast on invalid values', () => {
    expect(() => loadLlmConfig({ LLM_MAX_RETRIES: 'many' })).toThrow(ValidationError);
    expect(() => loadAgentConfig({ AGENT_MAX_STEPS: '0' })).toThrow(ValidationError);
  });

  it('reads a price override only when both prices are given', () => {
    expect(loadLlmConfig({ LLM_PRICE_INPUT_PER_MTOK: '1' }).priceOverride).toBeUndefined();
    expect(
      loadLlmConfig({ LLM_PRICE_INPUT_PER_MTOK: '1', LLM_PRICE_OUTPUT_PER_MTOK: '3' }).priceOverride,
    ).toEqual({ inputPerMTok: 1, outputPerMTok: 3 });
    expect(loadAgentConfig({})).toEqual({
      maxSteps: 3,
      deadlineMs: 25_000,
      skillTimeoutMs: 5_000,
      threadBudgetTokens: 3_000,
    });
  });
});
