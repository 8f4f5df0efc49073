/**
 * The analyze path's semantic level and cache safety, over HTTP on PGlite + pgvector (this machine's PostgreSQL
 * has no pgvector): paraphrases answered from the semantic cache, never across orgs or thread contexts, and
 * Redis cut mid-traffic (a TCP proxy between the cache client and Redis) without a single failed request.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setServices } from '#core/runtime/services';
import { startTcpProxy, type TcpProxy } from '../integration/cache/tcp-proxy';
import { analysisRuns } from '../support/analyst-script';
import { analyzeHarness, type TestApi } from '../support/analyze-harness';
import { recordingSink, TEST_REDIS_URL } from '../support/analyze-services';
import type { TestUser } from '../support/api';
import type { FakeAnthropic } from '../support/fake-anthropic';

describe('analyze: semantic answer cache and cache safety (PGlite + pgvector, real Redis)', () => {
  let api: TestApi;
  let fake: FakeAnthropic;
  let alice: TestUser;
  let bob: TestUser;
  let aliceToken: string;
  let bobToken: string;
  const harness = analyzeHarness('analyze-cache');

  const instance = (cacheEnv: Record<string, string> = {}, metrics?: ReturnType<typeof recordingSink>) =>
    harness.instance({ cacheEnv, metrics });
  const analyze = harness.analyze;

  beforeAll(async () => {
    // This file sends one user more than a minute's analyze allowance (the Redis cut alone is ~100 requests);
    // the limiter has its own tests (test/e2e/rate-limit.test.ts). Read once, at the first request.
    process.env.RATE_LIMIT_ANALYZE_PER_MIN = '0';
    ({ api, fake } = await harness.start({ db: 'pglite' }));
    const vector = await api.db.capabilities();
    if (!vector.vector) throw new Error('PGlite without pgvector: the semantic level cannot be tested');
    alice = await harness.orgUser();
    bob = await harness.orgUser(); // another org
    setServices(instance());
    aliceToken = await api.login(alice);
    bobToken = await api.login(bob);
  });

  afterAll(() => harness.close());

  it('answers a paraphrase from the semantic cache, then from L1; a question about another place misses', async () => {
    const q = 'Should we expand our enterprise sales team into Germany in 2026?';
    const paraphrase = 'Is expanding our enterprise sales team to Germany in 2026 a good idea?';
    const first = await analyze(aliceToken, { query: q });
    expect(first.json.answered_from).toBe('agent');

    const seen = fake.requests.length;
    const p = await analyze(aliceToken, { query: paraphrase });
    expect(p.status).toBe(200);
    expect(p.json).toMatchObject({
      query: paraphrase,
      answered_from: 'semantic',
      recommendation: first.json.recommendation,
      usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
    });
    expect(fake.requests.length).toBe(seen);
    // the semantic hit back-filled the exact cache under the paraphrase's own key
    expect((await analyze(aliceToken, { query: paraphrase })).json.answered_from).toBe('l1');

    const japan = await analyze(aliceToken, {
      query: 'Should we expand our enterprise sales team into Japan in 2026?',
    });
    expect(japan.json.answered_from).toBe('agent');
    expect(japan.json.recommendation).toContain('Japan');
  });

  it('never answers one org with another org answer, exact or semantic', async () => {
    const q = 'Should we hire 12 more support engineers in 2026?';
    const para1 = 'Is hiring 12 more support engineers in 2026 a good idea?';
    const para2 = 'Would it be wise to hire 12 more support engineers in 2026?';
    const a = await analyze(aliceToken, { query: q });
    expect(a.json.answered_from).toBe('agent');
    const b = await analyze(bobToken, { query: para1 }); // alice's answer would be a semantic hit
    expect(b.json.answered_from).toBe('agent');
    expect(b.json.recommendation).not.toBe(a.json.recommendation);
    const bExact = await analyze(bobToken, { query: q }); // alice's answer would be an exact hit
    expect(bExact.json.answered_from).toBe('semantic'); // bob's own paraphrase answer
    expect(bExact.json.recommendation).toBe(b.json.recommendation);

    const a2 = await analyze(aliceToken, { query: para2 });
    const b2 = await analyze(bobToken, { query: para2 });
    expect(a2.json).toMatchObject({ answered_from: 'semantic', recommendation: a.json.recommendation });
    expect(b2.json).toMatchObject({ answered_from: 'semantic', recommendation: b.json.recommendation });
  });

  it('a thread follow-up sends the earlier turn to Claude and never gets another context answer', async () => {
    const t1 = randomUUID();
    const t2 = randomUUID();
    const followUp = 'What are the main risks of doing that?';
    const q1 = 'Should we launch a premium support tier at $500 a month?';
    const q2 = 'Should we sunset our legacy on-premise product by 2027?';

    const first = await analyze(aliceToken, { query: q1, thread_id: t1 });
    expect(first.json).toMatchObject({ answered_from: 'agent', thread_id: t1 });
    const before = fake.requests.length;
    const f1 = await analyze(aliceToken, { query: followUp, thread_id: t1 });
    expect(f1.json).toMatchObject({ answered_from: 'agent', thread_id: t1 });
    const sent = fake.requests[before]!.body.messages as Array<{ role: string; content: unknown }>;
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent[0]!.content).toBe(q1);
    expect(String(sent[1]!.content)).toContain(first.json.recommendation as string);
    expect(sent[2]!.content).toBe(followUp);

    // the same follow-up in another thread (other earlier turn), and without a thread: neither gets f1
    await analyze(aliceToken, { query: q2, thread_id: t2 });
    const f2 = await analyze(aliceToken, { query: followUp, thread_id: t2 });
    expect(f2.json.answered_from).toBe('agent');
    expect(f2.json.recommendation).not.toBe(f1.json.recommendation);
    const f2sent = JSON.stringify(
      fake.requests.filter((r) => analysisRuns([r], followUp) === 1).at(-1)!.body,
    );
    expect(f2sent).toContain(q2);
    expect(f2sent).not.toContain(q1);
    const bare = await analyze(aliceToken, { query: followUp });
    expect(bare.json.answered_from).toBe('agent');
    expect(analysisRuns(fake.requests, followUp)).toBe(3);
  });

  it('keeps answering when Redis is cut mid-traffic (zero failed requests) and uses it again once it is back', async () => {
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(TEST_REDIS_URL).port || 6379));
    const metrics = recordingSink();
    const previous = harness.instances.at(-1)!;
    const viaProxy = instance(
      {
        REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        CACHE_L2_TIMEOUT_MS: '100',
        CACHE_L2_CONNECT_TIMEOUT_MS: '200',
        CACHE_BREAKER_FAILURES: '3',
        CACHE_BREAKER_COOLDOWN_MS: '100',
        CACHE_L1_MAX_BYTES: '0', // every request goes to L2 (or through it to the source)
      },
      metrics,
    );
    setServices(viaProxy);
    try {
      const questions = Array.from({ length: 6 }, (_, i) => `Should we open ${i + 2} new stores in Ohio?`);
      const statuses: number[] = [];
      const levels: string[] = [];
      const total = 48;
      let sent = 0;
      const worker = async () => {
        while (sent < total) {
          const n = sent++;
          if (n === 16) proxy.setMode('down');
          if (n === 32) proxy.setMode('up');
          const r = await analyze(aliceToken, { query: questions[n % questions.length]! });
          statuses.push(r.status);
          levels.push(r.json?.answered_from as string);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      expect(statuses).toHaveLength(total);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      // the cut was felt: L2 calls failed and the breaker opened, yet every answer came from somewhere
      expect(metrics.total('CacheL2Error')).toBeGreaterThan(0);
      expect(metrics.total('CacheBreakerOpen')).toBeGreaterThan(0);
      expect(levels.every((l) => ['l2', 'semantic', 'agent'].includes(l))).toBe(true);

      // recovery: a new answer of this instance is written to Redis again (read back by a fresh instance)
      const reader = instance();
      let recovered = false;
      for (let i = 0; i < 40 && !recovered; i++) {
        const q = `Should we open a store in city number ${100 + i}?`;
        const w = await analyze(aliceToken, { query: q });
        expect(w.status).toBe(200);
        setServices(reader);
        const r = await analyze(aliceToken, { query: q });
        setServices(viaProxy);
        recovered = r.json.answered_from === 'l2';
        if (!recovered) await sleep(50);
      }
      expect(recovered).toBe(true);
    } finally {
      setServices(previous);
      await proxy.close();
    }
  });
});
