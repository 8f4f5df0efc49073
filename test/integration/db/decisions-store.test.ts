import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '#core/db/migrate';
import type { Queryable } from '#core/db/types';
import { getDecision, insertDecision, insertDecisions, listDecisions } from '#core/decisions/store';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { counting, makeDecision, makeTenant } from '../../support/fixtures';

describe.each(dbTargets())('decisions store on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(kind);
  });
  afterAll(() => t?.dispose());

  it('batch-inserts N decisions in one round trip', async () => {
    const tenant = await makeTenant(t.db, 'batch');
    const ds = Array.from({ length: 50 }, (_, i) => makeDecision(tenant, `batch question ${i}`));
    const c = counting(t.db);
    expect(await insertDecisions(c.q, ds)).toBe(50);
    expect(c.calls()).toBe(1);
    const got = await getDecision(t.db, { orgId: tenant.orgId, decisionId: ds[7]!.decisionId });
    expect(got?.query).toBe('batch question 7');
    expect(got?.usage.cost_usd).toBe(0.001);
  });

  it('pages newest first with no duplicates and no gaps while rows are inserted concurrently', async () => {
    const tenant = await makeTenant(t.db, 'pages');
    const initial = Array.from({ length: 57 }, (_, i) => makeDecision(tenant, `page question ${i}`));
    // one statement: many rows share a created_at, so the decision_id tie-break is exercised too
    await insertDecisions(t.db, initial.slice(0, 30));
    for (const d of initial.slice(30)) await insertDecision(t.db, d);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let inserted = 0;
    do {
      const page = await listDecisions(t.db, {
        orgId: tenant.orgId,
        userId: tenant.userId,
        limit: 10,
        cursor,
      });
      seen.push(...page.items.map((i) => i.decision_id));
      for (let i = 1; i < page.items.length; i++) {
        const a = page.items[i - 1]!;
        const b = page.items[i]!;
        expect(a.created_at >= b.created_at).toBe(true);
      }
      // new decisions arrive between page requests (they are newer than the cursor: never on later pages)
      await Promise.all(
        [0, 1, 2].map(() => insertDecision(t.db, makeDecision(tenant, `late ${inserted++}`))),
      );
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor && pages < 20);

    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(initial.map((d) => d.decisionId)));
    expect(pages).toBe(6);
  });

  it('scopes lists to the caller and hides other orgs', async () => {
    const a = await makeTenant(t.db, 'a');
    const b = await makeTenant(t.db, 'b');
    const colleague = { orgId: a.orgId, userId: randomUUID() };
    await t.db.query("INSERT INTO users (user_id, org_id, email, password_hash) VALUES ($1, $2, $3, 'x')", [
      colleague.userId,
      a.orgId,
      `colleague-${colleague.userId}@example.test`,
    ]);
    const da = makeDecision(a, 'secret plan of A');
    await insertDecisions(t.db, [
      da,
      makeDecision(b, 'plan of B'),
      makeDecision(colleague, 'colleague plan'),
    ]);

    const listB = await listDecisions(t.db, { orgId: b.orgId, userId: b.userId, limit: 100 });
    expect(listB.items.map((i) => i.query)).toEqual(['plan of B']);
    const listA = await listDecisions(t.db, { orgId: a.orgId, userId: a.userId, limit: 100 });
    expect(listA.items.map((i) => i.query)).toEqual(['secret plan of A']);
    expect(await getDecision(t.db, { orgId: b.orgId, decisionId: da.decisionId })).toBeUndefined();
    expect((await getDecision(t.db, { orgId: a.orgId, decisionId: da.decisionId }))?.query).toBe(
      'secret plan of A',
    );
  });

  it('orders by the timestamp column, never by its text rendering (which would bypass the keyset index)', async () => {
    const tenant = await makeTenant(t.db, 'plan');
    await insertDecisions(
      t.db,
      Array.from({ length: 30 }, (_, i) => makeDecision(tenant, `plan ${i}`)),
    );
    const first = await listDecisions(t.db, { orgId: tenant.orgId, userId: tenant.userId, limit: 10 });
    for (const cursor of [undefined, first.next_cursor ?? undefined]) {
      const seen: Array<{ sql: string; params: Parameters<Queryable['query']>[1] }> = [];
      const spy: Queryable = {
        query: (sql, params) => {
          seen.push({ sql, params: params ?? [] });
          return t.db.query(sql, params);
        },
        exec: (sql) => t.db.exec(sql),
      };
      await listDecisions(spy, { orgId: tenant.orgId, userId: tenant.userId, limit: 10, cursor });
      const q = seen[0]!;
      // The select list renders created_at as text under the same name; ORDER BY must not pick that up.
      const r = await t.db.query<Record<string, string>>(`EXPLAIN (VERBOSE) ${q.sql}`, q.params as string[]);
      const plan = r.rows.map((row) => Object.values(row)[0]).join('\n');
      expect(plan, plan).not.toMatch(/Sort Key: \(?to_char/);
    }
  });

  it("stores the answer as it is returned: created_at is the row's, and a read gives the answer back unchanged", async () => {
    const tenant = await makeTenant(t.db, 'asis');
    const d = makeDecision(tenant, 'stored as returned');
    await insertDecision(t.db, d);
    expect(await getDecision(t.db, { orgId: tenant.orgId, decisionId: d.decisionId })).toEqual(d.response);
    const page = await listDecisions(t.db, { orgId: tenant.orgId, userId: tenant.userId, limit: 1 });
    expect(page.items[0]?.created_at).toBe(d.response.created_at);
  });

  it('migration 0009 fills in created_at and notices of answers stored before they were part of the row', async () => {
    const tenant = await makeTenant(t.db, 'legacy');
    const d = makeDecision(tenant, 'an answer stored the old way');
    await insertDecision(t.db, d);
    const { created_at: _c, notices: _n, ...legacy } = d.response;
    await t.db.query('UPDATE decisions SET result = $2::jsonb WHERE decision_id = $1', [
      d.decisionId,
      JSON.stringify({ ...legacy, created_at: '' }),
    ]);
    const migration = (await readMigrations()).find((m) => m.version === '0009');
    await t.db.exec(migration!.sql);
    expect(await getDecision(t.db, { orgId: tenant.orgId, decisionId: d.decisionId })).toEqual(d.response);
  });
});
