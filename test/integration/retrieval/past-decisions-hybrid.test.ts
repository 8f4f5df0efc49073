import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheStack, loadCacheConfig } from '#core/cache/index';
import { getConfig } from '#core/config';
import type { Db } from '#core/db/types';
import { embedDecision } from '#core/decisions/embedding';
import { OfflineEmbeddings } from '#core/embeddings/offline';
import { createServices, type Services } from '#core/runtime/services';
import { createBuiltinRegistry } from '#core/skills/builtin/index';
import {
  createHybridPastDecisionsSkill,
  createPastDecisionsSkill,
  PastDecisionsInput,
  type PastDecisionsOutput,
  pastDecisions,
  searchPastDecisions,
} from '#core/skills/builtin/past-decisions';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { unreachableEmbeddings } from '../../support/unreachable-embeddings';
import { seedDecision, seedOrg } from '../llm/seed';

const embeddings = new OfflineEmbeddings();
const noMetrics = { count() {}, timing() {} };

/** Shares "expand", "new" and "markets" with one decision, and no word at all with the others. */
const PARAPHRASE = 'Expanding into new markets overseas?';

describe.each(dbTargets())('past_decisions on hybrid retrieval (%s)', (kind) => {
  let t: TestDb;
  let vector: boolean;
  let acme: { orgId: string; userId: string };
  let other: { orgId: string; userId: string };
  const ids: Record<string, string> = {};
  const ctx = (orgId: string) => ({
    db: t.db,
    orgId,
    userId: acme.userId,
    now: new Date(),
    signal: new AbortController().signal,
  });

  beforeAll(async () => {
    t = await createTestDb(kind);
    vector = (await t.db.capabilities()).vector;
    acme = await seedOrg(t.db, 'Acme');
    other = await seedOrg(t.db, 'Other');
    const seed = async (
      key: string,
      org: { orgId: string; userId: string },
      q: string,
      rec: string,
      day: number,
    ) => {
      ids[key] = await seedDecision(t.db, org, q, rec, new Date(Date.UTC(2026, 0, day)));
      await embedDecision(t.db, embeddings, { orgId: org.orgId, decisionId: ids[key] });
    };
    await seed('germany', acme, 'Should we expand to new markets?', 'Pilot in Berlin first', 1);
    await seed('pricing', acme, 'Raise prices for the enterprise plan?', 'Raise by 5% at renewal', 2);
    await seed('hiring', acme, 'Hire a VP of sales', 'Yes, in Q3', 3);
    await seed('foreign', other, 'Should we expand to new markets?', 'Other org secret', 4);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('ranks by meaning and words where there are vectors, by words alone elsewhere', async () => {
    const skill = createHybridPastDecisionsSkill({ db: t.db, embeddings });
    const input = PastDecisionsInput.parse({ query: PARAPHRASE });
    const hybrid = (await skill.run(input, ctx(acme.orgId))) as PastDecisionsOutput;
    const keyword = await searchPastDecisions(input, ctx(acme.orgId));
    if (!vector) {
      expect(hybrid).toEqual(keyword);
      expect(hybrid.mode).toBe('keyword');
      return;
    }
    expect(hybrid.mode).toBe('hybrid');
    expect(hybrid.decisions[0]?.decision_id).toBe(ids.germany);
    expect(hybrid.decisions.map((d) => d.decision_id)).not.toContain(ids.foreign);
    expect(hybrid.decisions.map((d) => d.decision_id)).not.toContain(ids.hiring); // unrelated: below the floor
    // above 0.3 only with the vector side's share (the keyword side weighs 0.3 at most)
    expect(hybrid.decisions[0]!.rank).toBeGreaterThan(0.3);
    expect(hybrid.decisions[0]!.rank).toBeLessThanOrEqual(1);
    expect(skill.figures(hybrid)).toEqual({
      matches: hybrid.decisions.length,
      top_match: 'Should we expand to new markets?',
      mode: 'hybrid',
    });
  });

  it('is org-scoped by the caller context and honours limit', async () => {
    const skill = createHybridPastDecisionsSkill({ db: t.db, embeddings });
    const theirs = (await skill.run(
      PastDecisionsInput.parse({ query: PARAPHRASE, limit: 10 }),
      ctx(other.orgId),
    )) as PastDecisionsOutput;
    expect(theirs.decisions.map((d) => d.decision_id)).toEqual([ids.foreign]);
    const one = (await skill.run(
      PastDecisionsInput.parse({ query: 'prices markets', limit: 1 }),
      ctx(acme.orgId),
    )) as PastDecisionsOutput;
    expect(one.decisions).toHaveLength(1);
  });

  it('without an embedding of the query it answers exactly like the full-text search', async () => {
    const down = unreachableEmbeddings();
    const skill = createHybridPastDecisionsSkill({ db: t.db, embeddings: down });
    for (const query of [PARAPHRASE, 'What are the risks of raising prices by 10%?']) {
      const input = PastDecisionsInput.parse({ query, limit: 3 });
      const out = await skill.run(input, ctx(acme.orgId));
      expect(out).toEqual(await searchPastDecisions(input, ctx(acme.orgId)));
      expect((out as PastDecisionsOutput).mode).toBe('keyword');
    }
  });

  it('without the vector capability it sends the full-text statement alone, with the full-text answer', async () => {
    const sent: string[] = [];
    const noVector: Db = {
      ...t.db,
      query: (sql, params) => {
        sent.push(sql);
        return t.db.query(sql, params);
      },
      capabilities: async () => ({ vector: false }),
    };
    const skill = createHybridPastDecisionsSkill({ db: noVector, embeddings });
    const input = PastDecisionsInput.parse({ query: PARAPHRASE, limit: 2 });
    const out = await skill.run(input, { ...ctx(acme.orgId), db: noVector });
    expect(sent).toHaveLength(1);
    expect(out).toEqual(await searchPastDecisions(input, ctx(acme.orgId)));
    expect((out as PastDecisionsOutput).decisions[0]?.decision_id).toBe(ids.germany);
  });

  it('sends each statement once: the hybrid half and the any-word half share the full-text one', async () => {
    const sent: string[] = [];
    const counted: Db = {
      ...t.db,
      query: (sql, params) => {
        sent.push(`${sql} ${JSON.stringify(params)}`);
        return t.db.query(sql, params);
      },
    };
    const input = PastDecisionsInput.parse({ query: PARAPHRASE, limit: 3 });
    const out = await createHybridPastDecisionsSkill({ db: counted, embeddings }).run(input, {
      ...ctx(acme.orgId),
      db: counted,
    });
    expect(sent).toHaveLength(vector ? 2 : 1); // cosine + full text; full text alone without pgvector
    expect(new Set(sent).size).toBe(sent.length);
    // the same answer as with two databases (nothing shared between them)
    const apart = await createHybridPastDecisionsSkill({ db: t.db, embeddings }).run(input, {
      ...ctx(acme.orgId),
      db: { ...t.db },
    });
    expect(out).toEqual(apart);
    if (vector) expect((out as PastDecisionsOutput).decisions[0]?.decision_id).toBe(ids.germany);
  });

  it('versions: full text 1.3.0 by default, hybrid 2.3.0; the registry keeps the tool order', () => {
    expect(pastDecisions.version).toBe('1.3.0');
    expect(createPastDecisionsSkill().version).toBe('1.3.0');
    const hybrid = createHybridPastDecisionsSkill({ db: t.db, embeddings });
    expect(hybrid.version).toBe('2.3.0');
    const names = (r: ReturnType<typeof createBuiltinRegistry>) =>
      r.list().map((s) => `${s.name}@${s.version}`);
    const base = names(createBuiltinRegistry());
    const swapped = names(createBuiltinRegistry({ pastDecisions: hybrid }));
    expect(swapped).toEqual(base.map((n) => (n === 'past_decisions@1.3.0' ? 'past_decisions@2.3.0' : n)));
    expect(() => createBuiltinRegistry({ pastDecisions: { ...hybrid, name: 'other' } })).toThrow(
      /past_decisions/,
    );
  });

  describe('through the services (createServices registers the hybrid skill)', () => {
    let services: Services;
    beforeAll(() => {
      const cache = createCacheStack(loadCacheConfig({ CACHE_L2: 'none' } as NodeJS.ProcessEnv), noMetrics);
      services = createServices(getConfig(), t.db, { cache, embeddings, metrics: noMetrics });
    });
    afterAll(async () => {
      await services?.cache.close();
    });

    it('the agent’s past_decisions returns hybrid results where pgvector exists', async () => {
      expect(services.agent.skillVersions.past_decisions).toBe('2.3.0');
      const r = await services.agent.analyze({ query: PARAPHRASE, orgId: acme.orgId, userId: acme.userId });
      const past = r.analysis.skills.find((s) => s.name === 'past_decisions');
      expect(past?.ok).toBe(true);
      expect(past?.figures).toMatchObject({
        mode: vector ? 'hybrid' : 'keyword',
        top_match: 'Should we expand to new markets?',
      });
      if (vector) expect(r.analysis.rationale).toContain('Pilot in Berlin first');
    });
  });
});
