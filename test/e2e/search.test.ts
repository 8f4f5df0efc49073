import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheStack } from '#core/cache/index';
import { getConfig } from '#core/config';
import { createServices, type Services, setServices } from '#core/runtime/services';
import { deletePrefix, redisCacheConfig, uniquePrefix } from '../integration/cache/redis-support';
import { addUser, startTestApi, type TestUser } from '../support/api';
import { dbTargets } from '../support/db';

type Api = Awaited<ReturnType<typeof startTestApi>>;

interface SearchItem {
  decision_id: string;
  query: string;
  recommendation: string;
  confidence: number;
  created_at: string;
  score: number;
  vector_score: number;
  keyword_score: number;
}
interface SearchBody {
  mode: 'hybrid' | 'keyword';
  items: SearchItem[];
  cache: 'l1' | 'l2' | 'source';
}

const EXPAND = 'Should we expand to new markets?';
/** Shares no full-text match with EXPAND (it has no "overseas"): only the vector side can find it. */
const PARAPHRASE = 'expanding into new markets overseas';

/**
 * One "instance" of the services (own L1, Redis L2 under this file's key prefix), installed for the local
 * runtime's handlers. Two of them behave like two warm Lambdas sharing Redis.
 */
function instance(api: Api, prefix: string): Services {
  const metrics = { count() {}, timing() {} };
  const cache = createCacheStack(redisCacheConfig(prefix), metrics);
  return createServices(getConfig(), api.db, { cache, metrics });
}

async function analyze(api: Api, token: string, query: string): Promise<string> {
  const r = await api.call('POST', '/api/v1/decision/analyze', { token, body: { query } });
  expect(r.status, r.text).toBe(200);
  return r.json.decision_id as string;
}

async function search(api: Api, token: string, qs: Record<string, string>) {
  const r = await api.call('GET', `/api/v1/decisions/search?${new URLSearchParams(qs)}`, { token });
  return { ...r, body: r.json as unknown as SearchBody };
}

describe('GET /api/v1/decisions/search on PGlite (hybrid)', () => {
  let api: Api;
  const prefix = uniquePrefix('search-e2e');
  let one: Services;
  let two: Services;
  let alice: TestUser;
  let carol: TestUser; // alice's colleague (same org)
  let bob: TestUser; // another org
  let aliceToken: string;
  let carolToken: string;
  let bobToken: string;
  let expandId: string;
  const writes = async () => {
    const r = await api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM decisions');
    return Number(r.rows[0]!.n);
  };

  beforeAll(async () => {
    api = await startTestApi({ kind: 'pglite' });
    one = instance(api, prefix);
    two = instance(api, prefix);
    setServices(one);
    alice = await addUser(api.db);
    carol = await addUser(api.db, alice.orgId);
    bob = await addUser(api.db);
    [aliceToken, carolToken, bobToken] = await Promise.all([
      api.login(alice),
      api.login(carol),
      api.login(bob),
    ]);
    expandId = await analyze(api, aliceToken, EXPAND);
    await analyze(api, aliceToken, 'Build vs buy for our CRM: which option?');
  });
  afterAll(async () => {
    await Promise.all([one?.cache.close(), two?.cache.close()]);
    await api?.close();
    await deletePrefix(prefix);
  });

  it('finds an analysed decision by a paraphrase, org-wide (a colleague finds it), by meaning', async () => {
    expect((await api.db.capabilities()).vector).toBe(true);
    const r = await search(api, carolToken, { q: PARAPHRASE });
    expect(r.status, r.text).toBe(200);
    expect(r.body.mode).toBe('hybrid');
    expect(r.body.cache).toBe('source');
    expect(r.body.items.map((i) => i.decision_id)).toEqual([expandId]);
    const hit = r.body.items[0]!;
    expect(Object.keys(hit).sort()).toEqual(
      [
        'confidence',
        'created_at',
        'decision_id',
        'keyword_score',
        'query',
        'recommendation',
        'score',
        'vector_score',
      ].sort(),
    );
    expect(hit.query).toBe(EXPAND);
    // 3 of its 4 words match ("expand", "new", "markets"): the keyword side scores it too (issue #10;
    // the all-words query used to give 0 here), and so does the vector side
    expect(hit.keyword_score).toBe(1);
    expect(hit.vector_score).toBeGreaterThan(0.2);
    expect(hit.score).toBeCloseTo(0.7 * hit.vector_score + 0.3 * hit.keyword_score, 5);
    expect(Date.parse(hit.created_at)).not.toBeNaN();

    const again = await search(api, aliceToken, { q: `  ${PARAPHRASE.toUpperCase()} ` });
    expect(again.body.cache).toBe('l1'); // same org, same normalised query, nothing new: cached
    expect(again.body.items).toEqual(r.body.items);
  });

  it('ranks words and meaning together, honours k, and returns nothing for an unrelated query', async () => {
    const words = await search(api, aliceToken, { q: 'expand new markets', k: '1' });
    expect(words.status).toBe(200);
    expect(words.body.items).toHaveLength(1);
    expect(words.body.items[0]).toMatchObject({ decision_id: expandId, keyword_score: 1 });
    expect(words.body.items[0]!.vector_score).toBeGreaterThan(0);

    const unrelated = await search(api, aliceToken, { q: 'office snacks budget' });
    expect(unrelated.status).toBe(200);
    expect(unrelated.body).toMatchObject({ mode: 'hybrid', items: [] });
  });

  it("never returns another org's decisions, even for identical queries", async () => {
    const before = await search(api, bobToken, { q: PARAPHRASE });
    expect(before.status).toBe(200);
    expect(before.body.items).toEqual([]);

    const bobsId = await analyze(api, bobToken, EXPAND);
    for (const q of [PARAPHRASE, EXPAND, 'expand new markets']) {
      const [a, b] = await Promise.all([
        search(api, aliceToken, { q, k: '50' }),
        search(api, bobToken, { q, k: '50' }),
      ]);
      const aliceIds = a.body.items.map((i) => i.decision_id);
      const bobIds = b.body.items.map((i) => i.decision_id);
      expect(aliceIds).toContain(expandId);
      expect(aliceIds).not.toContain(bobsId);
      expect(bobIds).toEqual([bobsId]);
    }
    const owners = await api.db.query<{ decision_id: string; org_id: string }>(
      'SELECT decision_id, org_id FROM decisions WHERE decision_id = ANY($1::uuid[])',
      [[expandId, bobsId]],
    );
    expect(Object.fromEntries(owners.rows.map((o) => [o.decision_id, o.org_id]))).toEqual({
      [expandId]: alice.orgId,
      [bobsId]: bob.orgId,
    });
  });

  it('a freshly analysed decision shows up in the next search, on this instance and on another', async () => {
    const q = 'raising our prices';
    const first = await search(api, aliceToken, { q });
    expect(first.body.items).toEqual([]);
    const cached = await search(api, aliceToken, { q });
    expect(cached.body.cache).toBe('l1');

    const pricing = await analyze(api, carolToken, 'What are the risks of raising prices by 10%?');
    const fresh = await search(api, aliceToken, { q });
    expect(fresh.body.cache).toBe('source');
    expect(fresh.body.items.map((i) => i.decision_id)).toEqual([pricing]);

    // another warm instance (own L1, same Redis) analyses; this one still holds the old answer in L1
    const paraphrase = 'pricing increase for customers';
    await search(api, aliceToken, { q: paraphrase });
    expect((await search(api, aliceToken, { q: paraphrase })).body.cache).toBe('l1');
    setServices(two);
    const increase = await analyze(api, aliceToken, 'Should we increase pricing for enterprise customers?');
    setServices(one);
    const seen = await search(api, aliceToken, { q: paraphrase });
    expect(seen.body.items.map((i) => i.decision_id)).toContain(increase);
  });

  it('rejects bad input with a 4xx JSON error and writes nothing', async () => {
    const before = await writes();
    const bad: Array<[Record<string, string>, string]> = [
      [{}, 'q'],
      [{ q: 'a' }, 'q'],
      [{ q: '   a   ' }, 'q'],
      [{ q: 'x'.repeat(501) }, 'q'],
      [{ q: 'markets', k: '0' }, 'k'],
      [{ q: 'markets', k: '51' }, 'k'],
      [{ q: 'markets', k: '2.5' }, 'k'],
      [{ q: 'markets', k: 'ten' }, 'k'],
      [{ q: 'markets', user_id: bob.userId }, ''],
      [{ q: 'markets', org_id: bob.orgId }, ''],
    ];
    for (const [qs, path] of bad) {
      const r = await search(api, aliceToken, qs);
      expect(r.status, JSON.stringify(qs)).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expect(r.json.error?.code).toBe('validation_error');
      const details = r.json.error?.details as Array<{ in: string; path: string }>;
      expect(details[0]).toMatchObject({ in: 'query', path });
    }
    expect((await search(api, aliceToken, { q: 'x'.repeat(500) })).status).toBe(200);
    expect((await search(api, aliceToken, { q: 'ok', k: '50' })).status).toBe(200);

    const anonymous = await api.call('GET', '/api/v1/decisions/search?q=markets');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error?.code).toBe('unauthorized');
    const forged = await search(api, 'not-a-jwt', { q: 'markets' });
    expect(forged.status).toBe(401);
    expect(forged.json.error?.code).toBe('invalid_token');
    const post = await api.call('POST', '/api/v1/decisions/search?q=markets', {
      token: aliceToken,
      body: {},
    });
    expect(post.status).toBe(405);

    expect(await writes()).toBe(before);
  });
});

describe.skipIf(!dbTargets().includes('pg'))(
  'GET /api/v1/decisions/search on PostgreSQL without pgvector (keyword)',
  () => {
    let api: Api;
    const prefix = uniquePrefix('search-e2e-pg');
    let services: Services;
    let token: string;
    let other: string;
    let expandId: string;

    beforeAll(async () => {
      api = await startTestApi({ kind: 'pg' });
      services = instance(api, prefix);
      setServices(services);
      const alice = await addUser(api.db);
      const bob = await addUser(api.db);
      [token, other] = await Promise.all([api.login(alice), api.login(bob)]);
      expandId = await analyze(api, token, EXPAND);
      await analyze(api, other, EXPAND);
    });
    afterAll(async () => {
      await services?.cache.close();
      await api?.close();
      await deletePrefix(prefix);
    });

    it('falls back to full-text ranking, says so, and stays org-scoped', async () => {
      const vector = (await api.db.capabilities()).vector;
      const r = await search(api, token, { q: 'expand new markets' });
      expect(r.status, r.text).toBe(200);
      expect(r.body.mode).toBe(vector ? 'hybrid' : 'keyword');
      expect(r.body.items.map((i) => i.decision_id)).toEqual([expandId]);
      if (!vector) expect(r.body.items[0]).toMatchObject({ vector_score: 0, keyword_score: 1 });

      // a paraphrase sharing some of the words is found by them (any word counts, issue #10)
      const p = await search(api, token, { q: PARAPHRASE });
      expect(p.status).toBe(200);
      expect(p.body.items.map((i) => i.decision_id)).toEqual([expandId]);
      // a question sharing no word with it finds nothing in keyword mode: an empty answer, not an error
      const none = await search(api, token, { q: 'office snacks budget' });
      expect(none.status).toBe(200);
      if (!vector) expect(none.body.items).toEqual([]);

      // freshness without pgvector too
      const pricing = await analyze(api, token, 'Should we raise enterprise prices?');
      const fresh = await search(api, token, { q: 'enterprise prices' });
      expect(fresh.body.items.map((i) => i.decision_id)).toEqual([pricing]);
    });
  },
);
