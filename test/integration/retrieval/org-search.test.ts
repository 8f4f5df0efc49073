import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheStack } from '#core/cache/index';
import { embedDecision } from '#core/decisions/embedding';
import { decisionsVersion, VERSION_WINDOW } from '#core/decisions/store';
import { OfflineEmbeddings } from '#core/embeddings/offline';
import { DEFAULT_RETRIEVAL_CONFIG } from '#core/retrieval/config';
import { type OrgSearchDeps, relatedVectorFloor, searchOrgDecisions } from '#core/retrieval/org-search';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { deletePrefix, redisCacheConfig, uniquePrefix } from '../cache/redis-support';
import { seedDecision, seedOrg } from '../llm/seed';

const embeddings = new OfflineEmbeddings();

describe('relatedVectorFloor', () => {
  it('is a third of the embedder’s paraphrase threshold', () => {
    expect(relatedVectorFloor(embeddings)).toBeCloseTo(0.2, 6);
    expect(relatedVectorFloor({ paraphraseThreshold: 0.85 })).toBeCloseTo(0.2833, 4);
  });
});

describe.each(dbTargets())('org decision search with a versioned retrieval cache on %s', (kind) => {
  let t: TestDb;
  let vector: boolean;
  let deps: OrgSearchDeps;
  let close: () => Promise<void>;
  const prefix = uniquePrefix('org-search');

  beforeAll(async () => {
    t = await createTestDb(kind);
    vector = (await t.db.capabilities()).vector;
    const stack = createCacheStack(redisCacheConfig(prefix));
    deps = { db: t.db, cache: stack.tiered, embeddings, retrieval: DEFAULT_RETRIEVAL_CONFIG };
    close = () => stack.close();
  });
  afterAll(async () => {
    await close?.();
    await t?.dispose();
    await deletePrefix(prefix);
  });

  it('the version moves with each new decision, and (with pgvector) when its embedding lands', async () => {
    const org = await seedOrg(t.db);
    expect(await decisionsVersion(t.db, org.orgId)).toBe('empty');
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const first = await seedDecision(t.db, org, 'Hire a VP of sales', 'Yes, in Q3', at(1));
    const v1 = await decisionsVersion(t.db, org.orgId);
    expect(v1).toBe(`${first}.${vector ? 1 : 0}`);
    const second = await seedDecision(t.db, org, 'Open an office in Lisbon?', 'Not this year', at(2));
    const v2 = await decisionsVersion(t.db, org.orgId);
    expect(v2.startsWith(`${second}.`)).toBe(true);
    if (vector) {
      expect(v2).toBe(`${second}.2`);
      // the older one is embedded first (analyses finish out of order): still a new version
      await embedDecision(t.db, embeddings, { orgId: org.orgId, decisionId: first });
      expect(await decisionsVersion(t.db, org.orgId)).toBe(`${second}.1`);
      await embedDecision(t.db, embeddings, { orgId: org.orgId, decisionId: second });
      expect(await decisionsVersion(t.db, org.orgId)).toBe(`${second}.0`);
    }
    // another org's decisions never move this org's version
    const other = await seedOrg(t.db, 'Other');
    await seedDecision(t.db, other, 'Hire a VP of sales', 'No', at(3));
    expect((await decisionsVersion(t.db, org.orgId)).startsWith(`${second}.`)).toBe(true);
    expect(VERSION_WINDOW).toBeGreaterThanOrEqual(4);
  });

  it('a decision embedded after it was stored becomes findable by meaning at once (no stale cache)', async () => {
    const org = await seedOrg(t.db);
    const q = 'expanding into new markets overseas';
    const id = await seedDecision(t.db, org, 'Should we expand to new markets?', 'Run a staged pilot first');
    const before = await searchOrgDecisions(deps, { orgId: org.orgId, q, k: 5 });
    // found by its words at once (2 of 4 words match: any word counts), not yet by meaning
    expect(before.items.map((i) => [i.decision_id, i.vector_score])).toEqual([[id, 0]]);
    expect(before.items[0]!.keyword_score).toBeGreaterThan(0);
    expect((await searchOrgDecisions(deps, { orgId: org.orgId, q, k: 5 })).cache).toBe('l1');

    const embedded = await embedDecision(t.db, embeddings, { orgId: org.orgId, decisionId: id });
    expect(embedded.embedded).toBe(vector);
    const after = await searchOrgDecisions(deps, { orgId: org.orgId, q, k: 5 });
    expect(after.mode).toBe(vector ? 'hybrid' : 'keyword');
    if (vector) {
      expect(after.cache).toBe('source');
      expect(after.items.map((i) => i.decision_id)).toEqual([id]);
      expect(after.items[0]!.vector_score).toBeGreaterThan(0);
    } else {
      expect(after.cache).toBe('l1'); // nothing changed for a keyword-only search
      expect(after.items.map((i) => i.decision_id)).toEqual([id]);
    }
  });

  it('the keyword side finds exact words in either mode; another org with the same words stays apart', async () => {
    const a = await seedOrg(t.db, 'A');
    const b = await seedOrg(t.db, 'B');
    const ida = await seedDecision(
      t.db,
      a,
      'Should we migrate to the cloud?',
      'Move stateless services first',
    );
    const idb = await seedDecision(t.db, b, 'Should we migrate to the cloud?', 'Stay on premises');
    for (const org of [a, b]) {
      for (const d of [ida, idb]) await embedDecision(t.db, embeddings, { orgId: org.orgId, decisionId: d });
    }
    const ra = await searchOrgDecisions(deps, { orgId: a.orgId, q: 'migrate cloud', k: 10 });
    const rb = await searchOrgDecisions(deps, { orgId: b.orgId, q: 'migrate cloud', k: 10 });
    expect(ra.items.map((i) => i.decision_id)).toEqual([ida]);
    expect(rb.items.map((i) => i.decision_id)).toEqual([idb]);
    expect(ra.items[0]).toMatchObject({ keyword_score: 1, recommendation: 'Move stateless services first' });
    expect(ra.items[0]).not.toHaveProperty('model');
  });
});
