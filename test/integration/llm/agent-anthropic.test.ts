import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createAgent } from '#core/agent/agent';
import { type AgentConfig, loadAgentConfig } from '#core/agent/config';
import type { AgentEvent } from '#core/agent/events';
import type { Queryable } from '#core/db/types';
import type { Analysis } from '#core/decisions/types';
import { UpstreamUnavailableError } from '#core/errors';
import { loadLlmConfig } from '#core/llm/config';
import { LlmOutputError, LlmRequestError } from '#core/llm/errors';
import { costUsd } from '#core/llm/pricing';
import { BUILTIN_SKILLS } from '#core/skills/builtin/index';
import { createSkillRegistry } from '#core/skills/registry';
import { defineSkill } from '#core/skills/types';
import { type FakeAnthropic, type FakeReply, startFakeAnthropic } from '../../support/fake-anthropic';

const API_KEY = 'sk-test-fake-key';

/** Two I/O-bound skills that record when their own work started and ended. */
const spans: Record<string, { start: number; end: number }> = {};
const probe = (name: string) =>
  defineSkill({
    name,
    version: '1.0.0',
    dependsOn: 'pure',
    description: `probe ${name}`,
    input: z.object({ ms: z.number().int().min(0).max(2_000) }),
    run: async ({ ms }, { signal }) => {
      const start = performance.now();
      await sleep(ms, undefined, { signal });
      spans[name] = { start, end: performance.now() };
      return { waited: ms };
    },
    figures: (o: { waited: number }) => ({ waited: o.waited }),
  });

const registry = createSkillRegistry([...BUILTIN_SKILLS, probe('probe_a'), probe('probe_b')]);

// Skills here never touch the database.
const db: Queryable = {
  query: async () => {
    throw new Error('database not used in this test');
  },
  exec: async () => {},
};

const ANALYSIS: Omit<Analysis, 'skills'> = {
  recommendation: 'Invest, in two tranches.',
  options: [
    { name: 'Invest', summary: 'Commit $1M', score: 0.7, pros: ['NPV positive'], cons: ['Cash tied up'] },
    { name: 'Wait', summary: 'Defer a year', score: 0.4, pros: ['No risk'], cons: ['Lost time'] },
  ],
  risks: [{ name: 'Slow ramp', likelihood: 3, impact: 4, score: 12, mitigation: 'Stage the spend' }],
  confidence: 0.7,
  rationale: 'NPV is positive at 10%.',
};

function multiStepScript(): FakeReply[] {
  return [
    {
      content: [
        { type: 'text', text: 'Let me gather two facts at once.' },
        { type: 'tool_use', name: 'probe_a', input: { ms: 120 } },
        { type: 'tool_use', name: 'probe_b', input: { ms: 120 } },
      ],
      usage: {
        input_tokens: 1000,
        output_tokens: 50,
        cache_creation_input_tokens: 2000,
        cache_read_input_tokens: 0,
      },
    },
    {
      content: [
        { type: 'text', text: 'Now the cash flows.' },
        {
          type: 'tool_use',
          name: 'financial_projection',
          input: { cash_flows: [-1000, 300, 400, 500, 200], discount_rate: 0.1 },
        },
      ],
      usage: {
        input_tokens: 300,
        output_tokens: 40,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 2000,
      },
    },
    {
      content: [
        { type: 'text', text: 'Here is my analysis.' },
        { type: 'tool_use', name: 'submit_analysis', input: ANALYSIS },
      ],
      usage: {
        input_tokens: 500,
        output_tokens: 400,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 2000,
      },
    },
  ];
}

let fake: FakeAnthropic;

function makeAgent(env: Record<string, string> = {}, agent: Partial<AgentConfig> = {}) {
  const llm = loadLlmConfig({
    ANTHROPIC_API_KEY: API_KEY,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_MODEL: 'claude-sonnet-5-5',
    LLM_TIMEOUT_MS: '3000',
    LLM_MAX_RETRIES: '2',
    LLM_MAX_RETRY_WAIT_MS: '1000',
    LLM_STREAM_IDLE_TIMEOUT_MS: '2000',
    ...env,
  });
  return createAgent({ db, registry, config: { llm, agent: { ...loadAgentConfig({}), ...agent } } });
}

const input = { query: 'Should we invest $1M?', orgId: 'org-1', userId: 'user-1' };

function withoutDurations(a: Analysis) {
  return { ...a, skills: a.skills.map(({ duration_ms: _d, ...s }) => s) };
}

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: API_KEY });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.setFallback(undefined);
});

describe('agent on Claude (real SDK against the stand-in)', () => {
  it('runs a multi-step tool loop; two tools of one turn run concurrently', async () => {
    fake.script(...multiStepScript());
    const result = await makeAgent().analyze(input);

    // overlap: each probe started before the other finished
    expect(spans.probe_a!.start).toBeLessThan(spans.probe_b!.end);
    expect(spans.probe_b!.start).toBeLessThan(spans.probe_a!.end);

    expect(fake.requests).toHaveLength(3);
    const second = fake.requests[1]!.body;
    const results = second.messages.at(-1).content;
    expect(results.map((b: { type: string }) => b.type)).toEqual(['tool_result', 'tool_result']);
    expect(JSON.parse(results[0].content)).toEqual({ waited: 120 });
    const third = fake.requests[2]!.body.messages.at(-1).content[0];
    expect(JSON.parse(third.content)).toMatchObject({ npv: 115.57, payback_years: 2.6 });

    expect(result.analysis).toMatchObject({ ...ANALYSIS });
    expect(result.analysis.skills.map((s) => [s.name, s.ok])).toEqual([
      ['probe_a', true],
      ['probe_b', true],
      ['financial_projection', true],
    ]);
    expect(result.analysis.skills[2]?.figures).toMatchObject({ npv: 115.57, irr: 0.153221 });
    expect(result.steps).toBe(3);
    expect(result.llmCalls).toBe(3);
    expect(result.stopReason).toBe('tool_use');
    expect(result.model).toBe('claude-sonnet-5-5');

    // usage summed over the three calls; cost from the price table ($2 / $10 per MTok, write 1.25×, read 0.1×)
    expect(result.usage).toMatchObject({
      input_tokens: 1800,
      output_tokens: 490,
      cache_creation_input_tokens: 2000,
      cache_read_input_tokens: 4000,
    });
    const expected = (1800 * 2 + 2000 * 2 * 1.25 + 4000 * 2 * 0.1 + 490 * 10) / 1e6;
    expect(result.usage.cost_usd).toBeCloseTo(expected, 6);
    expect(result.llmMs).toBeGreaterThan(0);
  });

  it('marks the system prompt and the last tool for prompt caching and authenticates', async () => {
    fake.script(...multiStepScript());
    await makeAgent().analyze(input);
    for (const r of fake.requests) {
      expect(r.body.system).toEqual([
        expect.objectContaining({ type: 'text', cache_control: { type: 'ephemeral' } }),
      ]);
      const tools = r.body.tools as Array<{ name: string; cache_control?: unknown }>;
      expect(tools.at(-1)).toMatchObject({ name: 'submit_analysis', cache_control: { type: 'ephemeral' } });
      expect(tools.slice(0, -1).every((t) => t.cache_control === undefined)).toBe(true);
      expect(r.body).not.toHaveProperty('temperature');
      expect(r.body.metadata).toEqual({ user_id: 'user-1' });
      const auth = r.headers.authorization === `Bearer ${API_KEY}` || r.headers['x-api-key'] === API_KEY;
      expect(auth).toBe(true);
    }
    // identical prefix → the stand-in reports a cache write first, then reads
    fake.reset();
    fake.script(
      { content: [{ type: 'tool_use', name: 'submit_analysis', input: ANALYSIS }] },
      { content: [{ type: 'tool_use', name: 'submit_analysis', input: ANALYSIS }] },
    );
    const a = await makeAgent().analyze(input);
    const b = await makeAgent().analyze(input);
    expect(a.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(a.usage.cache_read_input_tokens).toBe(0);
    expect(b.usage.cache_read_input_tokens).toBe(a.usage.cache_creation_input_tokens);
    expect(b.usage.cost_usd).toBeLessThan(a.usage.cost_usd);
  });

  it('streams text deltas in order and ends with the same analysis as a non-streaming run', async () => {
    fake.script(...multiStepScript());
    const plain = await makeAgent().analyze(input);

    fake.reset();
    fake.script(...multiStepScript());
    const events: AgentEvent[] = [];
    const streamed = await makeAgent().analyze({ ...input, onEvent: (e) => events.push(e) });

    expect(fake.requests.every((r) => r.stream)).toBe(true);
    const text = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
    expect(text).toBe('Let me gather two facts at once.Now the cash flows.Here is my analysis.');
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(10);
    const skillEvents = events
      .filter((e) => e.type !== 'text')
      .map((e) => `${e.type}:${'name' in e ? e.name : ''}`);
    expect(skillEvents.slice(0, 2)).toEqual(['skill_started:probe_a', 'skill_started:probe_b']);
    expect(skillEvents.slice(-2)).toEqual([
      'skill_started:financial_projection',
      'skill_finished:financial_projection',
    ]);
    // text of turn 2 arrives after the first two skills finished
    const firstTurn2Text = events.findIndex((e) => e.type === 'text' && e.delta.includes('Now'));
    const lastProbeFinished = events.findLastIndex(
      (e) => e.type === 'skill_finished' && e.name.startsWith('probe'),
    );
    expect(firstTurn2Text).toBeGreaterThan(lastProbeFinished);

    expect(withoutDurations(streamed.analysis)).toEqual(withoutDurations(plain.analysis));
    expect(streamed.usage).toEqual(plain.usage);
    expect(streamed.stopReason).toBe(plain.stopReason);
  });

  it('retries a 529 and succeeds', async () => {
    fake.script(
      { kind: 'error', status: 529, retryAfterMs: 20 },
      { content: [{ type: 'tool_use', name: 'submit_analysis', input: ANALYSIS }] },
    );
    const result = await makeAgent().analyze(input);
    expect(fake.requests).toHaveLength(2);
    expect(result.analysis.recommendation).toBe(ANALYSIS.recommendation);
  });

  it('turns persistent overload into UpstreamUnavailableError (503 with Retry-After)', async () => {
    fake.setFallback({ kind: 'error', status: 529, retryAfter: 0 });
    const err = await makeAgent({ LLM_MAX_RETRIES: '1' })
      .analyze(input)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect((err as UpstreamUnavailableError).status).toBe(503);
    expect((err as UpstreamUnavailableError).headers['Retry-After']).toBeDefined();
    expect(fake.requests).toHaveLength(2);
  });

  it('does not sleep through a retry-after longer than the cap: fails fast with that Retry-After', async () => {
    fake.script({ kind: 'error', status: 429, retryAfter: 60 });
    const started = Date.now();
    const err = await makeAgent()
      .analyze(input)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect((err as UpstreamUnavailableError).headers['Retry-After']).toBe('60');
    expect(fake.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('maps a rejected request (bad credentials) to LlmRequestError, without retrying', async () => {
    const err = await makeAgent({ ANTHROPIC_API_KEY: 'wrong' })
      .analyze(input)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmRequestError);
    expect((err as LlmRequestError).details).toEqual({ upstreamStatus: 401 });
    expect(fake.requests).toHaveLength(1);
  });

  it('turns a malformed tool input into an is_error tool_result, not a crash', async () => {
    fake.script(
      {
        content: [
          {
            type: 'tool_use',
            name: 'financial_projection',
            input: { cash_flows: 'lots', discount_rate: 'ten' },
          },
        ],
      },
      { content: [{ type: 'tool_use', name: 'nonexistent_tool', input: {} }] },
      { content: [{ type: 'tool_use', name: 'submit_analysis', input: ANALYSIS }] },
    );
    const result = await makeAgent().analyze(input);
    const toolResult = fake.requests[1]!.body.messages.at(-1).content[0];
    expect(toolResult.is_error).toBe(true);
    expect(toolResult.content).toMatch(/^Error: invalid input: cash_flows: /);
    const unknown = fake.requests[2]!.body.messages.at(-1).content[0];
    expect(unknown).toMatchObject({ is_error: true, content: 'Error: unknown skill "nonexistent_tool"' });
    expect(result.analysis.skills.map((s) => [s.name, s.ok])).toEqual([
      ['financial_projection', false],
      ['nonexistent_tool', false],
    ]);
    expect(result.analysis.skills[0]?.error).toMatch(/invalid input/);
  });

  it('forces submit_analysis when the model stops with text, and retries one invalid analysis', async () => {
    fake.script(
      { content: [{ type: 'text', text: 'I think you should invest.' }] },
      { content: [{ type: 'tool_use', name: 'submit_analysis', input: { ...ANALYSIS, confidence: 7 } }] },
      { content: [{ type: 'tool_use', name: 'submit_analysis', input: ANALYSIS }] },
    );
    const result = await makeAgent().analyze(input);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[0]!.body.tool_choice).toEqual({ type: 'auto' });
    expect(fake.requests[1]!.body.tool_choice).toEqual({ type: 'tool', name: 'submit_analysis' });
    expect(fake.requests[1]!.body.messages.at(-1)).toEqual({
      role: 'user',
      content: 'Submit your analysis now by calling submit_analysis.',
    });
    const correction = fake.requests[2]!.body.messages.at(-1).content[0];
    expect(correction).toMatchObject({ type: 'tool_result', is_error: true });
    expect(correction.content).toMatch(/confidence/);
    expect(result.analysis.confidence).toBe(0.7);
    // risk score is recomputed as likelihood × impact
    expect(result.analysis.risks[0]?.score).toBe(12);
  });

  it('gives a clear error when the analysis is invalid twice', async () => {
    const bad: FakeReply = {
      content: [{ type: 'tool_use', name: 'submit_analysis', input: { recommendation: '' } }],
    };
    fake.script(bad, bad);
    const err = await makeAgent()
      .analyze(input)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmOutputError);
    expect((err as LlmOutputError).status).toBe(502);
    expect((err as LlmOutputError).message).toMatch(/invalid analysis twice/);
    expect(fake.requests).toHaveLength(2);
  });

  it('answers a submit_analysis sent together with other tools with an error and runs the tools', async () => {
    fake.script(
      {
        content: [
          { type: 'tool_use', name: 'probe_a', input: { ms: 1 } },
          { type: 'tool_use', name: 'submit_analysis', input: ANALYSIS },
        ],
      },
      { content: [{ type: 'tool_use', name: 'submit_analysis', input: ANALYSIS }] },
    );
    const result = await makeAgent().analyze(input);
    const blocks = fake.requests[1]!.body.messages.at(-1).content;
    expect(blocks.map((b: { is_error?: boolean }) => b.is_error === true)).toEqual([false, true]);
    expect(result.analysis.skills.map((s) => s.name)).toEqual(['probe_a']);
  });

  it('passes a caller cancellation through as a cancellation, promptly', async () => {
    fake.setFallback({ kind: 'hang', phase: 'headers' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await makeAgent()
      .analyze({ ...input, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(UpstreamUnavailableError);
    expect((err as Error).name).toMatch(/Abort/);
  });

  it('ends a hung upstream (no response headers) in UpstreamUnavailableError', async () => {
    fake.setFallback({ kind: 'hang', phase: 'headers' });
    const started = Date.now();
    const err = await makeAgent({ LLM_TIMEOUT_MS: '200', LLM_MAX_RETRIES: '1' })
      .analyze(input)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(fake.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ends a stream that stalls mid-body in UpstreamUnavailableError (idle guard)', async () => {
    fake.script({ kind: 'hang', phase: 'body' });
    const err = await makeAgent({ LLM_STREAM_IDLE_TIMEOUT_MS: '200' })
      .analyze({ ...input, onEvent: () => {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect((err as Error).message).toMatch(/stalled for 200 ms/);
  });

  it('ends a JSON body that stalls in UpstreamUnavailableError (agent deadline)', async () => {
    fake.script({ kind: 'hang', phase: 'body' });
    const err = await makeAgent({}, { deadlineMs: 300 })
      .analyze(input)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect((err as Error).message).toMatch(/300 ms time budget/);
  });

  it('maps a mid-stream overloaded error event to UpstreamUnavailableError, after the text already sent', async () => {
    fake.script({ kind: 'stream_error', text: 'Thinking about it' });
    const deltas: string[] = [];
    const err = await makeAgent()
      .analyze({ ...input, onEvent: (e) => e.type === 'text' && deltas.push(e.delta) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(deltas.join('')).toBe('Thinking about it');
  });

  it('sends earlier thread turns, summarising the oldest beyond the token budget', async () => {
    fake.script({ content: [{ type: 'tool_use', name: 'submit_analysis', input: ANALYSIS }] });
    const thread = Array.from({ length: 6 }, (_, i) => ({
      query: `Question ${i + 1}: ${'context '.repeat(40)}`,
      answer: `Answer ${i + 1}: ${'detail '.repeat(60)}`,
    }));
    const result = await makeAgent({}, { threadBudgetTokens: 500 }).analyze({ ...input, thread });
    const messages = fake.requests.find((r) => r.path === '/v1/messages')!.body.messages as Array<{
      role: string;
      content: string;
    }>;
    expect(messages[0]?.content).toMatch(/^Summary of \d earlier questions? in this thread:/);
    expect(messages.at(-1)).toEqual({ role: 'user', content: input.query });
    expect(messages.at(-2)?.content).toMatch(/^Answer 6:/);
    expect(result.thread.droppedTurns).toBeGreaterThan(0);
    expect(result.thread.keptTurns).toBeGreaterThan(0);
    expect(result.thread.keptTurns + result.thread.droppedTurns).toBe(6);
    expect(result.thread.tokens).toBeLessThanOrEqual(500);
    // near the budget the exact count comes from the API's count_tokens endpoint
    expect(fake.requests.some((r) => r.path === '/v1/messages/count_tokens')).toBe(true);
  });
});

describe('pricing', () => {
  it('prices dated snapshots like their model and unknown models at zero', () => {
    const tokens = {
      input_tokens: 1e6,
      output_tokens: 1e6,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    };
    expect(costUsd('claude-haiku-5-5-20261101', tokens)).toBeCloseTo(0.6, 6);
    expect(costUsd('some-other-model', tokens)).toBe(0);
    expect(costUsd('some-other-model', tokens, { inputPerMTok: 1, outputPerMTok: 2 })).toBe(3);
  });
});
