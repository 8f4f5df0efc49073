/**
 * The analyze path end to end (issues 3 and 6): HTTP → the local runtime → the decision-analyze handler →
 * exact answer cache (L1 → the machine's Redis) → semantic cache → the agent on the real Anthropic SDK against
 * the Claude stand-in → the decision persisted. Each "instance" is a services object (own L1 and Redis
 * connection, shared L2 under this file's key prefix), swapped in with setServices like a new warm Lambda.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeDecision } from '#core/analysis/analyze';
import { demoMetricRows, insertMetricRows } from '#core/orgs/seed';
import { setServices } from '#core/runtime/services';
import { analysisRuns, type ScriptedAnalyst } from '../support/analyst-script';
import { analyzeHarness, type TestApi } from '../support/analyze-harness';
import type { TestUser } from '../support/api';
import type { FakeAnthropic, FakeReply } from '../support/fake-anthropic';

const MODEL = 'claude-sonnet-5-5';
const ZERO = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  cost_usd: 0,
};

describe('analyze over HTTP with Claude (stand-in) and the answer caches', () => {
  let api: TestApi;
  let fake: FakeAnthropic;
  let analyst: ScriptedAnalyst;
  let alice: TestUser;
  let bob: TestUser;
  let aliceToken: string;
  let bobToken: string;
  const harness = analyzeHarness('analyze-agent');

  /** A new instance: its own L1, Redis connection and SDK client; L2 shared under this file's prefix. */
  const instance = (llmEnv: Record<string, string> = {}) =>
    harness.instance({ llmEnv: { ANTHROPIC_MODEL: MODEL, ...llmEnv } });
  const analyze = harness.analyze;
  const storedAnsweredFrom = async (id: unknown) =>
    (
      await api.db.query<{ answered_from: string; model: string; tokens_in: number }>(
        'SELECT answered_from, model, tokens_in FROM decisions WHERE decision_id = $1',
        [String(id)],
      )
    ).rows[0];

  beforeAll(async () => {
    ({ api, fake, analyst } = await harness.start());
    alice = await harness.orgUser();
    bob = await harness.orgUser(); // another org
    setServices(instance());
    aliceToken = await api.login(alice);
    bobToken = await api.login(bob);
  });

  afterAll(() => harness.close());

  it('runs the agent on Claude, then answers the same question from L1, then (new instance) from L2', async () => {
    const q = 'Should we invest $1M in a new product line?';
    const before = fake.requests.length;
    const first = await analyze(aliceToken, { query: q });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ query: q, model: MODEL, answered_from: 'agent' });
    expect(first.json.recommendation).toMatch(/^Answer #\d+: Should we invest \$1M/);
    const usage = first.json.usage as typeof ZERO;
    expect(
      usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens,
    ).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.cost_usd).toBeGreaterThan(0);
    const skills = first.json.skills as Array<{
      name: string;
      ok: boolean;
      figures: Record<string, unknown>;
    }>;
    expect(
      skills.map((s) => [s.name, s.ok]),
      JSON.stringify(skills),
    ).toEqual([
      ['company_metrics', true],
      ['financial_projection', true],
    ]);
    expect(skills[1]!.figures).toHaveProperty('npv');
    // two model calls (tools, then the analysis), through the real SDK
    const calls = fake.requests.slice(before);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.body.model).toBe(MODEL);
    expect(calls[0]!.body.messages.at(-1).content).toBe(q);
    expect(await storedAnsweredFrom(first.json.decision_id)).toMatchObject({
      answered_from: 'agent',
      model: MODEL,
    });

    const seen = fake.requests.length;
    const second = await analyze(aliceToken, { query: `  ${q.toLowerCase()}  ` }); // same question, normalised
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({
      answered_from: 'l1',
      model: MODEL,
      usage: ZERO,
      recommendation: first.json.recommendation,
      skills: first.json.skills,
    });
    expect(second.json.decision_id).not.toBe(first.json.decision_id);
    expect(fake.requests.length).toBe(seen); // Claude was not asked again
    expect(await storedAnsweredFrom(second.json.decision_id)).toMatchObject({
      answered_from: 'l1',
      tokens_in: 0,
    });

    setServices(instance()); // a new warm instance: empty L1, same Redis
    const third = await analyze(aliceToken, { query: q });
    expect(third.json).toMatchObject({
      answered_from: 'l2',
      usage: ZERO,
      recommendation: first.json.recommendation,
    });
    expect(fake.requests.length).toBe(seen);
    expect(await storedAnsweredFrom(third.json.decision_id)).toMatchObject({ answered_from: 'l2' });
  });

  it('does not answer "expand to Japan" with the answer to "expand to Germany"', async () => {
    const germany = 'Should we expand our enterprise sales team into Germany in 2026?';
    const japan = 'Should we expand our enterprise sales team into Japan in 2026?';
    const g = await analyze(aliceToken, { query: germany });
    expect(g.json.answered_from).toBe('agent');
    const j = await analyze(aliceToken, { query: japan });
    expect(j.status).toBe(200);
    expect(j.json.answered_from).toBe('agent');
    expect(j.json.recommendation).toContain('Japan');
    expect(analysisRuns(fake.requests, japan)).toBe(1);
  });

  it('never shares an answer between two orgs asking the identical question', async () => {
    const q = 'Should we open a second warehouse next year?';
    const a = await analyze(aliceToken, { query: q });
    const b = await analyze(bobToken, { query: q });
    expect(a.json.answered_from).toBe('agent');
    expect(b.json.answered_from).toBe('agent');
    expect(b.json.recommendation).not.toBe(a.json.recommendation);
    expect(analysisRuns(fake.requests, q)).toBe(2);
    // each org now hits its own answer
    const a2 = await analyze(aliceToken, { query: q });
    const b2 = await analyze(bobToken, { query: q });
    expect(a2.json).toMatchObject({ answered_from: 'l1', recommendation: a.json.recommendation });
    expect(b2.json).toMatchObject({ answered_from: 'l1', recommendation: b.json.recommendation });
  });

  it('does not cache a truncated answer (stop_reason max_tokens on the analysis turn)', async () => {
    const q = 'Should we cut the marketing budget by 20%?';
    const truncated = (reply: FakeReply): FakeReply =>
      'content' in reply ? { ...reply, stop_reason: 'max_tokens' } : reply;
    fake.script(
      (r) => analyst.step(r),
      (r) => truncated(analyst.step(r)),
    );
    const first = await analyze(aliceToken, { query: q });
    expect(first.status).toBe(200);
    expect(first.json.answered_from).toBe('agent');
    expect(fake.pending()).toBe(0);

    const second = await analyze(aliceToken, { query: q });
    expect(second.json.answered_from).toBe('agent'); // reached Claude again
    expect(analysisRuns(fake.requests, q)).toBe(2);
    // the complete answer is cached
    const third = await analyze(aliceToken, { query: q });
    expect(third.json).toMatchObject({ answered_from: 'l1', recommendation: second.json.recommendation });
  });

  it('maps a persistent 529 to 503 with Retry-After and does not cache the failure', async () => {
    const q = 'Should we move our hosting to another cloud provider?';
    const previous = harness.instances.at(-1)!;
    setServices(instance({ LLM_MAX_RETRIES: '1' }));
    try {
      const before = fake.requests.length;
      fake.script(
        { kind: 'error', status: 529, retryAfterMs: 20 },
        { kind: 'error', status: 529, retryAfter: 7 },
      );
      const failed = await analyze(aliceToken, { query: q });
      expect(failed.status).toBe(503);
      expect(failed.headers.get('retry-after')).toBe('7');
      expect(failed.json.error?.code).toBe('upstream_unavailable');
      expect(fake.requests.length - before).toBe(2); // the SDK retried once, then gave up

      const again = await analyze(aliceToken, { query: q });
      expect(again.status).toBe(200);
      expect(again.json.answered_from).toBe('agent');
      expect(fake.requests.length - before).toBe(4); // two 529s, then the two turns of a full run
      const rows = await api.db.query('SELECT 1 FROM decisions WHERE org_id = $1 AND query = $2', [
        alice.orgId,
        q,
      ]);
      expect(rows.rows).toHaveLength(1); // the failure persisted nothing
    } finally {
      setServices(previous);
    }
  });

  it('misses the cache once the org company metrics change (org_data_versions)', async () => {
    const q = 'Should we raise our prices by 5%?';
    const first = await analyze(aliceToken, { query: q });
    expect(first.json.answered_from).toBe('agent');
    expect((await analyze(aliceToken, { query: q })).json.answered_from).toBe('l1');

    const changed = demoMetricRows(6).map((r) => ({ ...r, value: r.value * 1.1 }));
    await insertMetricRows(api.db, alice.orgId, changed);
    const after = await analyze(aliceToken, { query: q });
    expect(after.json.answered_from).toBe('agent');
    expect(after.json.recommendation).not.toBe(first.json.recommendation);
    expect(analysisRuns(fake.requests, q)).toBe(2);
    // the other org's data did not change: its answers stay cached
    await analyze(bobToken, { query: q });
    expect((await analyze(bobToken, { query: q })).json.answered_from).toBe('l1');
  });

  it('two instances asked the same new question at once run ONE analysis (L2 lease); both answer', async () => {
    const q = 'Should we acquire our largest competitor this quarter?';
    const slow = (r: Parameters<ScriptedAnalyst['step']>[0]): FakeReply => ({
      ...(analyst.step(r) as Extract<FakeReply, { content: unknown }>),
      delayMs: 150,
    });
    fake.script(slow, slow);
    const a = instance();
    const b = instance();
    const req = { query: q, orgId: alice.orgId, userId: alice.userId, threadId: null };
    const [ra, rb] = await Promise.all([analyzeDecision(a, req), analyzeDecision(b, req)]);
    expect(analysisRuns(fake.requests, q)).toBe(1);
    expect([ra.answered_from, rb.answered_from].sort()).toEqual(['agent', 'l2']);
    expect(rb.recommendation).toBe(ra.recommendation);
    expect(ra.decision_id).not.toBe(rb.decision_id);
  });
});
