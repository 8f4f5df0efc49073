/**
 * Issue #10's near-misses through POST /api/v1/decision/analyze with the Claude stand-in, PGlite + pgvector
 * and the real Redis: after the original question was answered and cached, a paraphrase is served from the
 * semantic cache and each near-miss (another team, a reversed order, the opposite action, shut down instead
 * of expand) is answered by the agent. Then the borderline verifier through the real Anthropic SDK: its
 * verdict decides, and its tokens and cost are recorded on the decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnswerCache, createSemanticCache } from '#core/cache/index';
import { VERDICT_TOOL } from '#core/llm/question-verifier';
import { createQuestionVerifier } from '#core/llm/verifier';
import { setServices } from '#core/runtime/services';
import { analyzeHarness, type TestApi } from '../support/analyze-harness';
import { FAKE_API_KEY } from '../support/analyze-services';
import type { TestUser } from '../support/api';
import type { FakeAnthropic, RecordedRequest } from '../support/fake-anthropic';

const CASES: Array<[label: string, original: string, paraphrase: string, nearMiss: string]> = [
  [
    'a different team',
    'Should we offer a 4-day work week to the engineering team?',
    'Should a 4-day work week be offered to the engineering team?',
    'Should we offer a 4-day work week to the sales team?',
  ],
  [
    'a reversed order',
    'Should we launch a mobile app for iOS before Android?',
    'Should we release a mobile app for iOS before Android?',
    'Should we launch a mobile app for Android before iOS?',
  ],
  [
    'an opposite action',
    'Should we discontinue the legacy Basic plan by March 2027?',
    'Should the legacy Basic plan be discontinued by March 2027?',
    'Should we keep the legacy Basic plan beyond March 2027?',
  ],
  [
    'shut down instead of expand',
    'Should we expand our consulting business into Germany in 2027?',
    'In 2027, should we expand our consulting business into Germany?',
    'Should we shut down our consulting business in Germany in 2027?',
  ],
];

describe('analyze: no cached answer to a near-miss question (PGlite + pgvector, Claude stand-in)', () => {
  let api: TestApi;
  let fake: FakeAnthropic;
  let alice: TestUser;
  let token: string;
  const harness = analyzeHarness('analyze-precision');
  let verdicts: boolean[] = [];

  beforeAll(async () => {
    process.env.RATE_LIMIT_ANALYZE_PER_MIN = '0';
    let analyst: Awaited<ReturnType<typeof harness.start>>['analyst'];
    ({ api, fake, analyst } = await harness.start({ db: 'pglite' }));
    // verifier calls get the next scripted verdict; everything else goes to the scripted analyst
    fake.setFallback((r: RecordedRequest) =>
      r.body?.tool_choice?.name === VERDICT_TOOL
        ? {
            content: [{ type: 'tool_use', name: VERDICT_TOOL, input: { same: verdicts.shift() ?? false } }],
            stop_reason: 'tool_use',
          }
        : analyst.step(r),
    );
    alice = await harness.orgUser();
    setServices(harness.instance());
    token = await api.login(alice);
  });

  afterAll(() => harness.close());

  it.each(CASES)(
    '%s: the paraphrase is a semantic hit, the near-miss goes to the agent',
    async (_label, q, para, miss) => {
      const first = await harness.analyze(token, { query: q });
      expect(first.json.answered_from).toBe('agent');
      const p = await harness.analyze(token, { query: para });
      expect(p.json).toMatchObject({ answered_from: 'semantic', recommendation: first.json.recommendation });
      const m = await harness.analyze(token, { query: miss });
      expect(m.status).toBe(200);
      expect(m.json.answered_from).toBe('agent');
      expect(m.json.recommendation).not.toBe(first.json.recommendation);
    },
  );

  it('asks the verifier (real Anthropic SDK) about a borderline candidate and records its tokens and cost', async () => {
    const s = harness.instance();
    const semantic = createSemanticCache(api.db, s.embeddings, {
      verifier: createQuestionVerifier(
        { provider: 'anthropic', apiKey: FAKE_API_KEY, baseURL: fake.url },
        { enabled: true, model: 'claude-haiku-5-5', timeoutMs: 3_000 },
      ),
    });
    setServices({ ...s, semantic, answers: createAnswerCache(s.cache.tiered, semantic) });
    const q = 'Should we launch a developer sandbox for our API in 2027?';
    const unsure = 'Should we launch a developer playground for our API in 2027?';
    const unsure2 = 'Should we launch a developer workbench for our API in 2027?';
    const first = await harness.analyze(token, { query: q });
    expect(first.json.answered_from).toBe('agent');

    // the verifier says "different": the agent answers, and the decision pays for both calls
    verdicts = [false];
    const seen = fake.requests.length;
    const no = await harness.analyze(token, { query: unsure });
    expect(no.json.answered_from).toBe('agent');
    const verifierCall = fake.requests.slice(seen).find((r) => r.body?.tool_choice?.name === VERDICT_TOOL)!;
    expect(verifierCall.body.model).toBe('claude-haiku-5-5');
    expect(verifierCall.body.messages[0].content).toContain(unsure);
    expect(verifierCall.body.messages[0].content).toContain(q);
    const check = no.json.semantic_check as { calls: number; same: boolean; usage: { cost_usd: number } };
    expect(check).toMatchObject({ model: 'claude-haiku-5-5', calls: 1, same: false });
    expect(check.usage.cost_usd).toBeGreaterThan(0);
    const usage = no.json.usage as { cost_usd: number; input_tokens: number };
    expect(usage.cost_usd).toBeGreaterThan(check.usage.cost_usd);

    // the verifier says "same": a semantic hit whose only cost is the verification, stored on the decision
    verdicts = [true];
    const yes = await harness.analyze(token, { query: unsure2 });
    expect(yes.json.answered_from).toBe('semantic');
    // the nearest candidate answers: the sandbox or the playground question's analysis
    expect([first.json.recommendation, no.json.recommendation]).toContain(yes.json.recommendation);
    const yesCheck = yes.json.semantic_check as { usage: { cost_usd: number; input_tokens: number } };
    expect(yes.json.usage).toEqual(yesCheck.usage);
    const row = await api.db.query<{ cost_usd: string; tokens_in: number }>(
      'SELECT cost_usd, tokens_in FROM decisions WHERE decision_id = $1',
      [String(yes.json.decision_id)],
    );
    expect(Number(row.rows[0]!.cost_usd)).toBeCloseTo(yesCheck.usage.cost_usd, 6);
    expect(row.rows[0]!.tokens_in).toBe(yesCheck.usage.input_tokens);
  });
});
