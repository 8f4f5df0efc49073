import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheStack } from '#core/cache/stack';
import { embedDecision } from '#core/decisions/embedding';
import { nearestDecisions } from '#core/decisions/store';
import { OfflineEmbeddings } from '#core/embeddings/offline';
import { toPgVector } from '#core/embeddings/vector';
import { DEFAULT_RETRIEVAL_CONFIG } from '#core/retrieval/config';
import { searchDecisions, searchDecisionsCached } from '#core/retrieval/search';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { unreachableEmbeddings } from '../../support/unreachable-embeddings';
import { testCacheConfig } from './redis-support';
import { createOrg, insertDecision } from './seed';

const embeddings = new OfflineEmbeddings();

const DECISIONS = [
  {
    key: 'germany',
    query: 'Should we expand our sales team into Germany next year?',
    recommendation: 'Open a Berlin office with four account executives and a local partner.',
  },
  {
    key: 'pricing',
    query: 'Should we raise subscription prices by 10% for enterprise customers?',
    recommendation: 'Raise enterprise prices by 8% with a one-year grandfathering period.',
  },
  {
    key: 'cloud',
    query: 'Should we migrate our data centre workloads to the cloud?',
    recommendation: 'Move stateless services first; keep the database on premises for a year.',
  },
  {
    key: 'hiring',
    query: 'Should we hire a VP of Sales before the Series B?',
    recommendation: 'Hire a head of sales now and promote to VP after the round.',
  },
  {
    key: 'churn',
    query: 'How do we reduce churn among small business customers?',
    recommendation: 'Add onboarding calls and an annual plan discount.',
  },
];

describe.each(dbTargets())('hybrid decision search on %s', (target) => {
  let t: TestDb;
  let vector = false;
  let org: { orgId: string; userId: string };
  let other: { orgId: string; userId: string };
  const ids = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestDb(target);
    vector = (await t.db.capabilities()).vector;
    org = await createOrg(t.db, 'Searcher');
    other = await createOrg(t.db, 'Other');
    for (const d of DECISIONS) {
      const id = await insertDecision(t.db, { ...org, query: d.query, recommendation: d.recommendation });
      ids.set(d.key, id);
      const r = await embedDecision(t.db, embeddings, { orgId: org.orgId, decisionId: id });
      expect(r.embedded).toBe(vector);
    }
    // a decision stored without an embedding: only the keyword side can find it
    ids.set(
      'unembedded',
      await insertDecision(t.db, {
        ...org,
        query: 'Which CRM vendor should replace our spreadsheet pipeline?',
        recommendation: 'Pick the CRM with native Germany data residency.',
      }),
    );
    // another org's decision about the same subject must never show up
    const foreign = await insertDecision(t.db, {
      ...other,
      query: 'Should we expand our sales team into Germany next year?',
      recommendation: 'Other org: stay home.',
    });
    await embedDecision(t.db, embeddings, { orgId: other.orgId, decisionId: foreign });
  });

  afterAll(async () => {
    await t.dispose();
  });

  it('ranks by fused vector + keyword score where pgvector exists, keyword-only (and says so) elsewhere', async () => {
    const params = { orgId: org.orgId, q: 'expanding the sales team to Germany', k: 5 };
    // RRF puts the same decision first
    expect(
      (await searchDecisions(t.db, embeddings, params, { ...DEFAULT_RETRIEVAL_CONFIG, fusion: 'rrf' }))
        .items[0]?.decision_id,
    ).toBe(ids.get('germany'));
    // the specification's weighted fusion: 0.7 × cosine + 0.3 × (ts_rank_cd / best)
    const r = await searchDecisions(t.db, embeddings, params, {
      ...DEFAULT_RETRIEVAL_CONFIG,
      fusion: 'weighted',
      vectorWeight: 0.7,
      keywordWeight: 0.3,
    });
    expect(r.mode).toBe(vector ? 'hybrid' : 'keyword');
    if (!vector) expect(r.fallback).toBe('no_vector_capability');
    expect(r.items[0]?.decision_id).toBe(ids.get('germany'));
    const scores = r.items.map((i) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const i of r.items) {
      expect(i.score).toBeGreaterThanOrEqual(0);
      expect(i.score).toBeLessThanOrEqual(1);
      const expected = vector ? 0.7 * i.vector_score + 0.3 * i.keyword_score : i.keyword_score;
      expect(i.score).toBeCloseTo(expected, 5);
    }
  });

  it('a decision found by its words beyond the vector top N is scored with its own cosine, not 0', async (ctx) => {
    if (!vector) ctx.skip();
    // each word matches one decision ("stateless": cloud, "onboarding": churn), and the cloud decision is only
    // the third nearest in meaning. Two candidates per side.
    const q = 'stateless onboarding';
    const config = { ...DEFAULT_RETRIEVAL_CONFIG, candidates: 2, fusion: 'weighted' as const };
    const [v] = await embeddings.embed([q]);
    const byMeaning = await nearestDecisions(t.db, { orgId: org.orgId }, toPgVector(v!), 50);
    const rankOfCloud = byMeaning.findIndex((d) => d.decision_id === ids.get('cloud'));
    expect(rankOfCloud).toBeGreaterThanOrEqual(2); // beyond the vector side's top 2
    const cosine = Number(byMeaning[rankOfCloud]!.score);
    expect(cosine).toBeGreaterThan(0);

    const r = await searchDecisions(t.db, embeddings, { orgId: org.orgId, q, k: 2 }, config);
    const cloud = r.items.find((i) => i.decision_id === ids.get('cloud'));
    expect(cloud).toBeDefined();
    expect(cloud?.vector_score).toBeCloseTo(cosine, 5);
    expect(cloud?.score).toBeCloseTo(0.7 * cosine + 0.3 * (cloud?.keyword_score ?? 0), 5);
    expect(cloud?.keyword_score).toBeGreaterThan(0);
  });

  it('is scoped to the org: another org with the identical decision never appears', async () => {
    const r = await searchDecisions(t.db, embeddings, { orgId: org.orgId, q: 'Germany sales team', k: 50 });
    expect(r.items.every((i) => [...ids.values()].includes(i.decision_id))).toBe(true);
    expect(r.items.some((i) => i.recommendation.startsWith('Other org'))).toBe(false);
    const theirs = await searchDecisions(t.db, embeddings, {
      orgId: other.orgId,
      q: 'Germany sales team',
      k: 50,
    });
    expect(theirs.items.map((i) => i.recommendation)).toEqual(['Other org: stay home.']);
  });

  it('finds by meaning without shared words (vector side) and by words without an embedding (keyword side)', async (ctx) => {
    if (!vector) ctx.skip();
    // "datacentre" shares no full-text lexeme with "data centre", but the embedding's character 3-grams do
    const byMeaning = await searchDecisions(t.db, embeddings, { orgId: org.orgId, q: 'datacentre', k: 3 });
    expect(byMeaning.items[0]?.decision_id).toBe(ids.get('cloud'));
    expect(byMeaning.items[0]?.keyword_score).toBe(0);
    expect(byMeaning.items[0]?.vector_score).toBeGreaterThan(0);

    const byWords = await searchDecisions(t.db, embeddings, { orgId: org.orgId, q: 'CRM spreadsheet', k: 3 });
    const hit = byWords.items.find((i) => i.decision_id === ids.get('unembedded'));
    expect(hit).toBeDefined();
    expect(hit?.vector_score).toBe(0);
    expect(hit?.keyword_score).toBe(1);
  });

  it('honours configurable weights (weighted fusion, all keyword → pure full-text order)', async () => {
    const r = await searchDecisions(
      t.db,
      embeddings,
      { orgId: org.orgId, q: 'Germany', k: 5 },
      { ...DEFAULT_RETRIEVAL_CONFIG, fusion: 'weighted', vectorWeight: 0, keywordWeight: 1 },
    );
    expect(r.items.length).toBeGreaterThan(0);
    for (const i of r.items) expect(i.score).toBeCloseTo(i.keyword_score, 6);
  });

  it('falls back to keyword-only when the embedder is down, without an error', async () => {
    // the real Bedrock SDK against a closed port: a genuine connection failure
    const down = unreachableEmbeddings();
    try {
      const r = await searchDecisions(t.db, down, { orgId: org.orgId, q: 'Germany sales', k: 3 });
      expect(r.mode).toBe('keyword');
      expect(r.fallback).toBe(vector ? 'embedding_failed' : 'no_vector_capability');
      expect(r.items[0]?.decision_id).toBe(ids.get('germany'));
    } finally {
      down.close();
    }
  });

  it('is cacheable through the tiered cache (kind retrieval): the second identical search is an L1 hit', async () => {
    const stack = createCacheStack(testCacheConfig({ CACHE_L2: 'none' }));
    const params = { orgId: org.orgId, q: 'Should we hire a VP of Sales?', k: 3 };
    const first = await searchDecisionsCached(stack.tiered, t.db, embeddings, params);
    const second = await searchDecisionsCached(stack.tiered, t.db, embeddings, {
      ...params,
      q: 'should we hire a vp of sales',
    });
    expect(first.cache).toBe('source');
    expect(second.cache).toBe('l1');
    expect(second.items).toEqual(first.items);
    expect(first.items[0]?.decision_id).toBe(ids.get('hiring'));
    const otherOrg = await searchDecisionsCached(stack.tiered, t.db, embeddings, {
      ...params,
      orgId: other.orgId,
    });
    expect(otherOrg.cache).toBe('source');
    await stack.close();
  });

  it('embedDecision reports a missing decision and (without pgvector) a no-op', async () => {
    const r = await embedDecision(t.db, embeddings, {
      orgId: other.orgId,
      decisionId: ids.get('germany')!, // exists, but in another org
      text: 'x',
    });
    expect(r).toMatchObject({ embedded: false, reason: vector ? 'not_found' : 'no_vector_capability' });
  });
});
