import { describe, expect, it } from 'vitest';
import { NotConfiguredError, UpstreamUnavailableError, ValidationError } from '#core/errors';
import { isRetryable } from '#core/jobs/analyzer-runner';
import { LlmOutputError, LlmRequestError } from '#core/llm/errors';

describe('which failed analyses the worker retries', () => {
  it('retries what another attempt can fix: an unavailable dependency, a time-out, an unknown error', () => {
    expect(isRetryable(new UpstreamUnavailableError('llm', 'overloaded', 5))).toBe(true);
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
    expect(isRetryable('something odd')).toBe(true);
  });

  it('fails at once what it cannot: bad input, a refused request, invalid output, a stage not configured', () => {
    expect(isRetryable(new ValidationError('query contains a NUL byte'))).toBe(false);
    expect(isRetryable(new LlmRequestError('bad request', 400))).toBe(false);
    expect(isRetryable(new LlmOutputError('analysis stayed invalid'))).toBe(false);
    expect(isRetryable(new NotConfiguredError('llm_not_configured', 'no key'))).toBe(false);
  });
});
