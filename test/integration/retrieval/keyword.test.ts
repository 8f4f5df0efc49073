import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeywordQueryLimits, queryKeywordCandidates } from '#core/decisions/keyword-query';
import { keywordCandidates, keywordQueryPlan } from '#core/retrieval/keyword';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { seedDecision, seedOrg } from '../llm/seed';

/**
 * The keyword half's candidate statement (decisions/keyword-query.ts): the newest-decisions window, the
 * rare-word and all-word lookups through `decision_keyword_ids` (migration 0010), and org scope in each.
 * A small window (5) stands in for a large org, so the parts beyond the window are exercised on a few rows.
 */
describe.each(dbTargets())('keyword candidates on %s', (kind) => {
  let t: TestDb;
  let acme: { orgId: string; userId: string };
  let rival: { orgId: string; userId: string };
  const ids: Record<string, string> = {};
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  const limits = (o: Partial<KeywordQueryLimits> = {}): KeywordQueryLimits => ({
    n: 10,
    cap: 50,
    window: 5,
    rareMax: 5000,
    enough: 10,
    ...o,
  });
  const run = (q: string, o: Partial<KeywordQueryLimits> = {}, orgId = acme.orgId) => {
    const plan = keywordQueryPlan({ orgId, q });
    if (!plan) throw new Error('no words');
    return queryKeywordCandidates(t.db, plan, limits(o));
  };
  const found = async (q: string, o: Partial<KeywordQueryLimits> = {}, orgId?: string) =>
    (await run(q, o, orgId)).map((r) => r.decision_id);

  beforeAll(async () => {
    t = await createTestDb(kind);
    acme = await seedOrg(t.db, 'Acme');
    rival = await seedOrg(t.db, 'Rival');
    // oldest first: the two old ones are outside a window of 5
    ids.zeppelin = await seedDecision(
      t.db,
      acme,
      'Should we lease a zeppelin hangar?',
      'Lease it for a year',
      at(1),
    );
    ids.allOld = await seedDecision(
      t.db,
      acme,
      'Cut the travel budget in Spain?',
      'Cut travel by a third',
      at(2),
    );
    for (let i = 0; i < 6; i++) {
      ids[`recent${i}`] = await seedDecision(
        t.db,
        acme,
        `Should we raise prices for customers in region ${i}?`,
        'Raise them in two steps and watch the budget',
        at(10 + i),
      );
    }
    ids.rivalZeppelin = await seedDecision(t.db, rival, 'Should we buy a zeppelin hangar?', 'Buy it', at(3));
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('ranks a small org in full: more words matched first, then rank, newest on ties', async () => {
    const r = await keywordCandidates(t.db, { orgId: acme.orgId, q: 'raise prices budget' }, 10);
    expect(r).toHaveLength(6);
    // all six match the three words; the same text ranks the same, so the newest comes first
    expect(r.map((x) => x.decision_id)).toEqual([5, 4, 3, 2, 1, 0].map((i) => ids[`recent${i}`]));
    expect(Number(r[0]!.score)).toBeGreaterThan(3);
    expect(Number(r[0]!.score)).toBeLessThan(4);
    // three or more words: at least two in a decision ("travel" alone does not qualify the old one)
    expect(await found('travel prices zeppelin')).toEqual([]);
    // excluded words stay excluded
    expect(await found('budget -spain', { window: 100 })).not.toContain(ids.allOld);
    expect(await found('budget', { window: 100 })).toContain(ids.allOld);
  });

  it('a rare word finds a decision older than the window, through the GIN lookup', async () => {
    expect(await found('zeppelin')).toEqual([ids.zeppelin]);
    // the same search with the lookup off (no word counts as rare): only the window, which lacks it
    expect(await found('zeppelin', { rareMax: -1, enough: 0 })).toEqual([]);
    // with three words, the rare word needs a second one: "zeppelin hangar" qualifies, "zeppelin" alone not
    expect(await found('zeppelin hangar opera')).toEqual([ids.zeppelin]);
    expect(await found('zeppelin opera ballet')).toEqual([]);
  });

  it('decisions matching all the words are looked up beyond the window when it holds too few', async () => {
    // "cut travel spain": no word is rare for this test (rareMax -1); all three words are in the old one only
    expect(await found('cut travel spain', { rareMax: -1 })).toEqual([ids.allOld]);
    // when the window already holds enough all-word matches, the lookup is skipped
    expect(await found('cut travel spain', { rareMax: -1, enough: 0 })).toEqual([]);
  });

  it('never returns another org’s decisions, in the window or through the lookups', async () => {
    expect(await found('zeppelin hangar', {}, rival.orgId)).toEqual([ids.rivalZeppelin]);
    expect(await found('zeppelin hangar')).toEqual([ids.zeppelin]);
    expect(await found('raise prices', {}, rival.orgId)).toEqual([]);
    const direct = await t.db.query<{ id: string }>(
      "SELECT id FROM decision_keyword_ids($1, NULL, to_tsquery('english', 'zeppelin'), 10) AS id",
      [rival.orgId],
    );
    expect(direct.rows.map((r) => r.id)).toEqual([ids.rivalZeppelin]);
    await expect(
      t.db.query("SELECT * FROM decision_keyword_ids(NULL, NULL, to_tsquery('english', 'zeppelin'), 10)"),
    ).rejects.toThrow(/org is required/);
  });

  it('checks the org per row for an org holding most of the table, with the same answer', async () => {
    for (const onHeap of [false, true]) {
      const r = await t.db.query<{ id: string }>(
        "SELECT id FROM decision_keyword_ids($1, NULL, to_tsquery('english', 'zeppelin'), 10, $2) AS id",
        [acme.orgId, onHeap],
      );
      expect(r.rows.map((x) => x.id)).toEqual([ids.zeppelin]);
    }
    await t.db.exec('ANALYZE decisions');
    const share = await t.db.query<{ a: number; b: number }>(
      'SELECT decision_org_share($1) AS a, decision_org_share($2) AS b',
      [acme.orgId, rival.orgId],
    );
    expect(Number(share.rows[0]!.a)).toBeCloseTo(8 / 9, 2);
    expect(Number(share.rows[0]!.b)).toBeLessThan(0.5);
    // Acme now counts as holding most of the table: the lookups check its org per row, same results
    expect(await found('zeppelin')).toEqual([ids.zeppelin]);
    expect(await found('cut travel spain', { rareMax: -1 })).toEqual([ids.allOld]);
  });

  it('a user filter stays inside the org', async () => {
    const plan = keywordQueryPlan({ orgId: acme.orgId, q: 'zeppelin hangar', userId: rival.userId });
    expect(await queryKeywordCandidates(t.db, plan!, limits())).toEqual([]);
  });
});

describe('keywordQueryPlan', () => {
  it('builds per-word lookups (a word plus one more of the words for longer questions), exclusions kept', () => {
    const p = keywordQueryPlan({ orgId: 'o', q: 'raise prices "in Germany" -france' })!;
    expect(p.words).toEqual(['raise', 'prices', 'germany']);
    expect(p.minMatch).toBe(2);
    expect(p.anyQuery).toBe('(raise | prices | germany) & !france');
    expect(p.rareQueries).toEqual([
      'raise & (prices | germany) & !france',
      'prices & (raise | germany) & !france',
      'germany & (raise | prices) & !france',
    ]);
    const two = keywordQueryPlan({ orgId: 'o', q: 'zeppelin hangar' })!;
    expect(two.minMatch).toBe(1);
    expect(two.rareQueries).toEqual(['zeppelin', 'hangar']);
    expect(keywordQueryPlan({ orgId: 'o', q: '"!!" -- ;' })).toBeNull();
  });

  it('looks up at most the first 8 words one by one', () => {
    const p = keywordQueryPlan({ orgId: 'o', q: 'a1 b2 c3 d4 e5 f6 g7 h8 i9 j10' })!;
    expect(p.words).toHaveLength(10);
    expect(p.rareQueries).toHaveLength(8);
  });
});
