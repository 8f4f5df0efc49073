/**
 * Company data of your own: POST /api/v1/org/metrics (admin only; JSON or CSV; validated, transactional,
 * upsert by metric and period) and GET /api/v1/org/metrics, over HTTP through the local runtime on the offline
 * model. An import bumps the org's data version, so the next analysis uses the new figures and the answer
 * cached from the old data is not served; an org without data is told so in its answer.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_COMPANY_DATA_NOTICE } from '#core/analysis/data-notice';
import { hashPassword } from '#core/auth/password';
import { createUser } from '#core/auth/users';
import { createOrg } from '#core/orgs/orgs';
import { addUser, startTestApi, type TestUser } from '../support/api';

type Api = Awaited<ReturnType<typeof startTestApi>>;
const METRICS = '/api/v1/org/metrics';
const ANALYZE = '/api/v1/decision/analyze';

async function addAdmin(api: Api): Promise<TestUser> {
  const orgId = randomUUID();
  await createOrg(api.db, { orgId, name: `admin org ${orgId.slice(0, 8)}` });
  const user = {
    orgId,
    userId: randomUUID(),
    email: `admin-${orgId.slice(0, 8)}@example.test`,
    password: 'pw-123456',
  };
  await createUser(api.db, { ...user, passwordHash: await hashPassword(user.password), role: 'admin' });
  return user;
}

const months = (metric: string, unit: string, values: number[]) =>
  values.map((value, i) => ({ metric, period: `2026-0${i + 1}`, value, unit }));

describe('company data of your own', () => {
  let api: Api;
  let admin: TestUser;
  let adminToken: string;

  beforeAll(async () => {
    api = await startTestApi();
    admin = await addAdmin(api);
    adminToken = await api.login(admin);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('an org without data is told so in its answer, not silently given defaults', async () => {
    const r = await api.call('POST', ANALYZE, {
      token: adminToken,
      body: { query: 'Should we invest $2M in a new product line with expected revenue of $800k per year?' },
    });
    expect(r.status).toBe(200);
    const metrics = (r.json.skills as Array<{ name: string; figures: Record<string, unknown> }>).find(
      (s) => s.name === 'company_metrics',
    );
    expect(metrics?.figures.metrics_found).toBe(0);
    expect(r.json.notices).toEqual([NO_COMPANY_DATA_NOTICE]);
    expect(r.json.rationale).toContain(NO_COMPANY_DATA_NOTICE);
  });

  it('imports JSON, reads it back, and re-importing the same rows changes nothing (upsert, same version)', async () => {
    const rows = [
      ...months('revenue', 'USD', [100_000, 110_000, 120_000]),
      ...months('Gross Margin', 'ratio', [0.6, 0.62, 0.64]),
    ];
    const first = await api.call('POST', METRICS, { token: adminToken, body: { metrics: rows } });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      received: 6,
      inserted: 6,
      updated: 0,
      unchanged: 0,
      metrics: ['gross_margin', 'revenue'],
    });
    const version = first.json.data_version as number;

    const again = await api.call('POST', METRICS, { token: adminToken, body: { metrics: rows } });
    expect(again.json).toMatchObject({ inserted: 0, updated: 0, unchanged: 6, data_version: version });

    const got = await api.call('GET', METRICS, { token: adminToken });
    expect(got.status).toBe(200);
    expect(got.json.data_version).toBe(version);
    expect(got.json.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const revenue = (got.json.metrics as Array<{ metric: string; unit: string; points: unknown[] }>).find(
      (m) => m.metric === 'revenue',
    );
    expect(revenue).toEqual({
      metric: 'revenue',
      unit: 'USD',
      points: [
        { period: '2026-01-01', value: 100_000 },
        { period: '2026-02-01', value: 110_000 },
        { period: '2026-03-01', value: 120_000 },
      ],
    });
    const one = await api.call('GET', `${METRICS}?metric=gross_margin`, { token: adminToken });
    expect((one.json.metrics as unknown[]).length).toBe(1);
  });

  it('imports CSV; an invalid import lists every issue and writes nothing', async () => {
    const csv =
      'metric,period,value,unit\nheadcount,2026-01-01,40,people\n"active_customers",2026-01,120,count\n';
    const ok = await api.call('POST', METRICS, {
      token: adminToken,
      raw: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ received: 2, inserted: 2, metrics: ['active_customers', 'headcount'] });

    const before = await api.call('GET', METRICS, { token: adminToken });
    const bad = await api.call('POST', METRICS, {
      token: adminToken,
      body: {
        metrics: [
          { metric: 'revenue', period: '2026-04-01', value: 1 },
          { metric: 'revenue', period: '2026-13-01', value: 'lots' },
          { metric: 'revenue', period: '2026-04-01', value: 2 },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.code).toBe('validation_error');
    expect((bad.json.error?.details as unknown[] | undefined)?.length).toBeGreaterThanOrEqual(2);
    const badCsv = await api.call('POST', METRICS, {
      token: adminToken,
      raw: 'metric,when,value\nrevenue,2026-01-01,1\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(badCsv.status).toBe(400);
    const after = await api.call('GET', METRICS, { token: adminToken });
    expect(after.json).toEqual(before.json);
  });

  it('is admin only: a member gets 403 and cannot write; anyone in the org can read', async () => {
    const member = await addUser(api.db, admin.orgId);
    const token = await api.login(member);
    const r = await api.call('POST', METRICS, {
      token,
      body: { metrics: [{ metric: 'revenue', period: '2026-05-01', value: 1 }] },
    });
    expect(r.status).toBe(403);
    expect(r.json.error?.code).toBe('forbidden');
    const read = await api.call('GET', METRICS, { token });
    expect(read.status).toBe(200);
    expect(read.json.org_id).toBe(admin.orgId);
  });

  it("an import changes the next analysis's figures, and the answer cached from the old data is not served", async () => {
    const query = 'Should we expand to new markets?';
    const first = await api.call('POST', ANALYZE, { token: adminToken, body: { query } });
    expect(first.json.answered_from).toBe('agent');
    const cached = await api.call('POST', ANALYZE, { token: adminToken, body: { query } });
    expect(cached.json.answered_from).not.toBe('agent');
    const figures = (r: typeof first) =>
      (r.json.skills as Array<{ name: string; figures: Record<string, unknown> }>).find(
        (s) => s.name === 'company_metrics',
      )!.figures;
    expect(figures(first).revenue_latest).toBe(120_000);

    const imported = await api.call('POST', METRICS, {
      token: adminToken,
      body: { metrics: [{ metric: 'revenue', period: '2026-04-01', value: 150_000, unit: 'USD' }] },
    });
    expect(imported.json.inserted).toBe(1);

    const next = await api.call('POST', ANALYZE, { token: adminToken, body: { query } });
    expect(next.json.answered_from).toBe('agent');
    expect(figures(next).revenue_latest).toBe(150_000);
    expect(next.json.notices).toEqual([]);
  });
});
