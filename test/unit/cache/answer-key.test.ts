import { describe, expect, it } from 'vitest';
import { isComplete } from '#core/agent/agent';
import { buildAnswerCacheKey, hashContext, normalizeQuery } from '#core/cache/answer-key';

const base = {
  orgId: '11111111-1111-4111-8111-111111111111',
  query: 'Should we expand to Germany?',
  model: 'claude-sonnet-5-5',
  promptVersion: 'v3',
  contextHash: '',
  skillVersions: { npv: '1.0.0', market: '2.1.0' },
  dataVersion: 4,
};

describe('answer cache key and cacheability', () => {
  it('normalises case, whitespace and trailing punctuation', () => {
    expect(normalizeQuery('  Should   we\texpand to GERMANY?!  ')).toBe('should we expand to germany');
    expect(normalizeQuery('Raise $2M.')).toBe('raise $2m');
    expect(normalizeQuery('Ｆｕｌｌｗｉｄｔｈ？')).toBe('fullwidth');
  });

  it('maps equivalent questions to one key and anything that matters to another', () => {
    const k = buildAnswerCacheKey(base);
    expect(k).toMatch(/^v1:11111111-1111-4111-8111-111111111111:answer:analyze:[0-9a-f]{64}$/);
    expect(buildAnswerCacheKey({ ...base, query: 'should we expand to germany' })).toBe(k);
    expect(buildAnswerCacheKey({ ...base, skillVersions: { market: '2.1.0', npv: '1.0.0' } })).toBe(k);
    for (const change of [
      { orgId: '22222222-2222-4222-8222-222222222222' },
      { query: 'Should we expand to Japan?' },
      { model: 'claude-haiku-5-5' },
      { promptVersion: 'v4' },
      { contextHash: hashContext([{ role: 'user', content: 'earlier' }]) },
      { skillVersions: { npv: '1.0.1', market: '2.1.0' } },
      { dataVersion: 5 },
    ]) {
      expect(buildAnswerCacheKey({ ...base, ...change })).not.toBe(k);
    }
    expect(buildAnswerCacheKey(base, 2)).toMatch(/^v2:/);
    expect(() => buildAnswerCacheKey({ ...base, orgId: '' })).toThrow(/empty org/);
  });

  it('hashes no context as the empty string', () => {
    expect(hashContext(undefined)).toBe('');
    expect(hashContext([])).toBe('');
    expect(hashContext([{ a: 1 }])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('counts only whole, uncancelled runs as complete (what may be cached): not truncated, refused or aborted', () => {
    // the analysis arrives as a submit_analysis tool call: a complete final turn stops with tool_use
    expect(isComplete('tool_use')).toBe(true);
    expect(isComplete('end_turn')).toBe(true);
    expect(isComplete('stop_sequence')).toBe(true);
    expect(isComplete('max_tokens')).toBe(false);
    expect(isComplete('model_context_window_exceeded')).toBe(false);
    expect(isComplete('refusal')).toBe(false);
    expect(isComplete('pause_turn')).toBe(false);
    expect(isComplete(null)).toBe(false);
    const aborted = new AbortController();
    aborted.abort();
    expect(isComplete('tool_use', aborted.signal)).toBe(false);
    expect(isComplete('tool_use', new AbortController().signal)).toBe(true);
  });
});
