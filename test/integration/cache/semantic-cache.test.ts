import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnswerCache } from '#core/cache/answers';
import { loadCacheConfig } from '#core/cache/config';
import { createSemanticCache, type SemanticCache } from '#core/cache/semantic';
import { createCacheStack } from '#core/cache/stack';
import { OfflineEmbeddings } from '#core/embeddings/offline';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { recordingMetrics } from './redis-support';
import { createOrg } from './seed';

const embeddings = new OfflineEmbeddings();
const scope = { model: 'claude-sonnet-5-5', promptVersion: 'analyze-v3', contextHash: '', dataVersion: 7 };

describe.each(dbTargets())('semantic answer cache on %s', (target) => {
  let t: TestDb;
  let cache: SemanticCache;
  let vector = false;
  let orgA: string;
  let orgB: string;
  const metrics = recordingMetrics();

  beforeAll(async () => {
    t = await createTestDb(target);
    vector = (await t.db.capabilities()).vector;
    cache = createSemanticCache(t.db, embeddings, { metrics });
    orgA = (await createOrg(t.db, 'A')).orgId;
    orgB = (await createOrg(t.db, 'B')).orgId;
  });

  afterAll(async () => {
    await t.dispose();
  });

  it('reports its availability from the database capability (PGlite has pgvector)', async () => {
    if (target === 'pglite') expect(vector).toBe(true);
    expect(await cache.status()).toBe(vector ? 'available' : 'unavailable');
  });

  it('without pgvector the semantic level is skipped cleanly: unavailable, never an error', async (ctx) => {
    if (vector) ctx.skip();
    const q = { ...scope, orgId: orgA, query: 'Should we expand into Germany?' };
    await expect(cache.lookup(q)).resolves.toEqual({ status: 'unavailable' });
    await expect(cache.store({ ...q, response: { r: 1 } })).resolves.toEqual({
      stored: false,
      reason: 'unavailable',
    });
    await expect(cache.purgeExpired()).resolves.toBe(0);
  });

  describe('with pgvector', () => {
    it('answers a paraphrase with the earlier answer', async (ctx) => {
      if (!vector) ctx.skip();
      const stored = await cache.store({
        ...scope,
        orgId: orgA,
        query: 'Should we expand our enterprise sales team into Germany in 2026?',
        response: { recommendation: 'Enter Germany through a Berlin sales office' },
      });
      expect(stored.stored).toBe(true);
      const hit = await cache.lookup<{ recommendation: string }>({
        ...scope,
        orgId: orgA,
        query: 'Is expanding our enterprise sales team to Germany in 2026 a good idea?',
      });
      expect(hit.status).toBe('hit');
      if (hit.status !== 'hit') return;
      expect(hit.response.recommendation).toBe('Enter Germany through a Berlin sales office');
      expect(hit.similarity).toBeGreaterThanOrEqual(cache.threshold);
      expect(hit.matchedQuery).toBe('Should we expand our enterprise sales team into Germany in 2026?');
      expect(metrics.total('CacheHit', { level: 'semantic' })).toBeGreaterThanOrEqual(1);
    });

    it('does not answer a same-shaped question about another place ("Germany" vs "Japan")', async (ctx) => {
      if (!vector) ctx.skip();
      const r = await cache.lookup({
        ...scope,
        orgId: orgA,
        query: 'Should we expand our enterprise sales team into Japan in 2026?',
      });
      expect(r).toMatchObject({ status: 'miss', reason: 'entity_mismatch' });
      // the embedding alone would have matched: the entity check is what refused it
      expect(r.status === 'miss' && r.bestSimilarity).toBeGreaterThanOrEqual(cache.threshold);
    });

    it('does not answer a same-shaped question with another amount ("$2M" vs "$3M")', async (ctx) => {
      if (!vector) ctx.skip();
      await cache.store({
        ...scope,
        orgId: orgA,
        query: 'Should we raise a $2M seed round this year?',
        response: { recommendation: 'Raise $2M' },
      });
      const other = await cache.lookup({
        ...scope,
        orgId: orgA,
        query: 'Should we raise a $3M seed round this year?',
      });
      expect(other).toMatchObject({ status: 'miss', reason: 'entity_mismatch' });
      const same = await cache.lookup({
        ...scope,
        orgId: orgA,
        query: 'should we raise a $2M seed round this year',
      });
      expect(same.status).toBe('hit');
    });

    it('does not answer a same-shaped question about another product ("Atlas" vs "Nova")', async (ctx) => {
      if (!vector) ctx.skip();
      await cache.store({
        ...scope,
        orgId: orgA,
        query: 'Should we launch the Atlas product line in Europe?',
        response: { recommendation: 'Launch Atlas' },
      });
      const r = await cache.lookup({
        ...scope,
        orgId: orgA,
        query: 'Should we launch the Nova product line in Europe?',
      });
      expect(r).toMatchObject({ status: 'miss', reason: 'entity_mismatch' });
    });

    it('keeps orgs apart: identical prompts in two orgs never share an answer', async (ctx) => {
      if (!vector) ctx.skip();
      const query = 'Should we open a second warehouse in Poland?';
      await cache.store({ ...scope, orgId: orgA, query, response: { org: 'A' } });
      expect(await cache.lookup({ ...scope, orgId: orgB, query })).toMatchObject({
        status: 'miss',
        reason: 'no_candidate',
      });
      await cache.store({ ...scope, orgId: orgB, query, response: { org: 'B' } });
      expect(await cache.lookup({ ...scope, orgId: orgB, query })).toMatchObject({
        status: 'hit',
        response: { org: 'B' },
      });
      expect(await cache.lookup({ ...scope, orgId: orgA, query })).toMatchObject({
        status: 'hit',
        response: { org: 'A' },
      });
    });

    it('matches model, prompt version, thread context, data version and skill versions exactly', async (ctx) => {
      if (!vector) ctx.skip();
      const query = 'Should we automate invoice processing?';
      await cache.store({
        ...scope,
        orgId: orgA,
        query,
        response: { ok: true },
        skillVersions: { roi: '2.0.0' },
      });
      expect((await cache.lookup({ ...scope, orgId: orgA, query })).status).toBe('hit');
      for (const change of [
        { model: 'claude-haiku-5-5' },
        { promptVersion: 'analyze-v4' },
        { contextHash: 'abc' },
        { dataVersion: 8 },
      ]) {
        expect(await cache.lookup({ ...scope, ...change, orgId: orgA, query })).toMatchObject({
          status: 'miss',
        });
      }
      expect(
        await cache.lookup({ ...scope, orgId: orgA, query, skillVersions: { roi: '2.1.0' } }),
      ).toMatchObject({ status: 'miss', reason: 'skill_mismatch' });
      expect(
        (await cache.lookup({ ...scope, orgId: orgA, query, skillVersions: { roi: '2.0.0' } })).status,
      ).toBe('hit');
    });

    it('misses an unrelated question', async (ctx) => {
      if (!vector) ctx.skip();
      const r = await cache.lookup({
        ...scope,
        orgId: orgA,
        query: 'How long is our cash runway at the current burn?',
      });
      expect(r.status).toBe('miss');
    });

    it('never stores a non-cacheable result (truncated, refused, error, aborted)', async (ctx) => {
      if (!vector) ctx.skip();
      const query = 'Should we sunset the legacy product line?';
      // The answer cache stores only what its computation calls complete, and nothing after an error or abort.
      const answers = createAnswerCache(
        createCacheStack(loadCacheConfig({ CACHE_L2: 'none' })).tiered,
        cache,
      );
      const key = { ...scope, orgId: orgA, query, skillVersions: {} };
      for (const compute of [
        async () => ({ answer: { partial: true }, complete: false, run: 'ran' }), // truncated or refused: the agent says so
        async () => {
          throw new Error('overloaded');
        },
      ]) {
        const got = await answers.getOrCompute(key, compute).catch(() => undefined);
        expect(got?.origin ?? 'agent').toBe('agent');
      }
      const aborted = new AbortController();
      const late = answers.getOrCompute(
        key,
        async () => ({ answer: { partial: true }, complete: true, run: 'ran' }),
        {
          signal: aborted.signal,
        },
      );
      aborted.abort();
      await expect(late).rejects.toBeDefined();
      const rows = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM answer_cache WHERE query = $1',
        [query],
      );
      expect(rows.rows[0]?.n).toBe(0);
      expect((await cache.lookup({ ...scope, orgId: orgA, query })).status).toBe('miss');
      const again = await answers.getOrCompute(key, async () => ({
        answer: { whole: true },
        complete: true,
        run: 'ran',
      }));
      expect(again).toMatchObject({ origin: 'agent', run: 'ran', answer: { whole: true } });
    });

    it('ignores expired answers and purges them', async (ctx) => {
      if (!vector) ctx.skip();
      const query = 'Should we renegotiate the AWS contract?';
      await cache.store({ ...scope, orgId: orgA, query, response: { ok: 1 } });
      expect((await cache.lookup({ ...scope, orgId: orgA, query })).status).toBe('hit');
      await t.db.query("UPDATE answer_cache SET expires_at = now() - interval '1 second' WHERE query = $1", [
        query,
      ]);
      expect((await cache.lookup({ ...scope, orgId: orgA, query })).status).toBe('miss');
      expect(await cache.purgeExpired()).toBeGreaterThanOrEqual(1);
    });
  });
});
