import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompanyMetricsInput,
  companyMetrics,
  queryCompanyMetrics,
} from '#core/skills/builtin/company-metrics';
import { PastDecisionsInput, searchPastDecisions, toAnyWordQuery } from '#core/skills/builtin/past-decisions';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { seedDecision, seedMetric, seedOrg } from './seed';

describe.each(dbTargets())('database skills on %s', (kind) => {
  let t: TestDb;
  let acme: { orgId: string; userId: string };
  let other: { orgId: string; userId: string };

  beforeAll(async () => {
    t = await createTestDb(kind);
    acme = await seedOrg(t.db, 'Acme');
    other = await seedOrg(t.db, 'Other');
    await seedMetric(t.db, acme.orgId, 'revenue', 'USD', [
      ['2026-01-31', 900_000],
      ['2026-02-28', 1_000_000],
      ['2026-03-31', 1_100_000],
      ['2026-04-30', 1_200_000],
      ['2026-05-31', 1_250_000],
    ]);
    await seedMetric(t.db, acme.orgId, 'churn_rate', 'ratio', [
      ['2026-04-30', 0.05],
      ['2026-05-31', 0.04],
    ]);
    await seedMetric(t.db, other.orgId, 'revenue', 'USD', [['2026-05-31', 99]]);
    await seedMetric(t.db, other.orgId, 'secret_metric', 'USD', [['2026-05-31', 42]]);

    await seedDecision(
      t.db,
      acme,
      'Should we expand into the German market?',
      'Pilot in Berlin first',
      new Date('2026-01-01'),
    );
    await seedDecision(
      t.db,
      acme,
      'Raise prices for the enterprise plan?',
      'Raise by 5% at renewal',
      new Date('2026-02-01'),
    );
    await seedDecision(t.db, acme, 'Hire a VP of sales', 'Yes, in Q3', new Date('2026-03-01'));
    await seedDecision(
      t.db,
      other,
      'Expand into new markets in Asia',
      'Other org secret',
      new Date('2026-03-01'),
    );
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('company_metrics: latest value and trend over the last N periods, unknown names listed', async () => {
    const out = await queryCompanyMetrics(
      CompanyMetricsInput.parse({ metrics: ['Revenue', 'headcount'], periods: 4 }),
      {
        db: t.db,
        orgId: acme.orgId,
      },
    );
    expect(out.not_found).toEqual(['headcount']);
    expect(out.metrics).toHaveLength(1);
    const revenue = out.metrics[0]!;
    expect(revenue.latest).toEqual({ period: '2026-05-31', value: 1_250_000 });
    expect(revenue.series.map((p) => p.value)).toEqual([1_000_000, 1_100_000, 1_200_000, 1_250_000]);
    // 1.25M − 1.0M over the last 4 periods
    expect(revenue.change).toBe(250_000);
    expect(revenue.change_pct).toBe(0.25);
    expect(revenue.direction).toBe('up');
    expect(revenue.unit).toBe('USD');
  });

  it('company_metrics: without names, every metric of the caller org only', async () => {
    const out = await queryCompanyMetrics(CompanyMetricsInput.parse({}), { db: t.db, orgId: acme.orgId });
    expect(out.metrics.map((m) => m.metric)).toEqual(['churn_rate', 'revenue']);
    const churn = out.metrics[0]!;
    expect(churn.direction).toBe('down');
    expect(churn.change_pct).toBe(-0.2);
    expect(companyMetrics.figures(out)).toMatchObject({ metrics_found: 2, revenue_latest: 1_250_000 });
  });

  it('company_metrics: a metric name cannot inject SQL (it is a bound parameter)', async () => {
    const out = await queryCompanyMetrics(
      CompanyMetricsInput.parse({ metrics: ["revenue' OR '1'='1", 'secret_metric'] }),
      { db: t.db, orgId: acme.orgId },
    );
    expect(out.metrics).toEqual([]);
    expect(out.not_found).toHaveLength(2);
  });

  it('past_decisions: ranks the org’s related decisions by full-text relevance, org-scoped', async () => {
    const out = await searchPastDecisions(
      PastDecisionsInput.parse({ query: 'Should we expand to new markets?' }),
      {
        db: t.db,
        orgId: acme.orgId,
      },
    );
    expect(out.decisions.map((d) => d.query)).toEqual(['Should we expand into the German market?']);
    expect(out.decisions[0]?.recommendation).toBe('Pilot in Berlin first');
    expect(out.decisions[0]?.rank).toBeGreaterThan(0);

    const pricing = await searchPastDecisions(
      PastDecisionsInput.parse({ query: 'What are the risks of raising prices by 10%?', limit: 2 }),
      { db: t.db, orgId: acme.orgId },
    );
    expect(pricing.decisions[0]?.query).toBe('Raise prices for the enterprise plan?');

    const otherOrg = await searchPastDecisions(PastDecisionsInput.parse({ query: 'expand markets' }), {
      db: t.db,
      orgId: other.orgId,
    });
    expect(otherOrg.decisions.map((d) => d.recommendation)).toEqual(['Other org secret']);
  });

  it('past_decisions: query operators and quotes are neutralised', async () => {
    expect(toAnyWordQuery('"expand" -markets OR (prices)')).toBe('expand or markets or prices');
    const out = await searchPastDecisions(PastDecisionsInput.parse({ query: '"!!" -- ;' }), {
      db: t.db,
      orgId: acme.orgId,
    });
    expect(out.decisions).toEqual([]);
  });
});
