import { describe, expect, it } from 'vitest';
import { annualRevenueFrom, planForQuestion } from '#core/agent/offline/planner';
import {
  detectIntent,
  parseAmounts,
  parseOptions,
  parsePercents,
  parseProposal,
  parseYears,
} from '#core/agent/offline/question';

describe('offline question reading', () => {
  it('reads money amounts with scale, role and periodicity', () => {
    const a = parseAmounts(
      'Should we invest $2M in a new product line with expected revenue of $800k per year?',
    );
    expect(a.map((x) => [x.value, x.role, x.yearly])).toEqual([
      [2_000_000, 'investment', false],
      [800_000, 'revenue', true],
    ]);
    const b = parseAmounts(
      'It costs $2,500,000 upfront, running costs of €120k a year, and saves 1.5 million annually',
    );
    expect(b.map((x) => [x.value, x.role, x.yearly])).toEqual([
      [2_500_000, 'investment', false],
      [120_000, 'cost', true],
      [1_500_000, 'savings', true],
    ]);
  });

  it('reads percentages, horizons, options and the proposal', () => {
    expect(parsePercents('raise prices by 10% at a 12.5 percent discount rate').map((p) => p.value)).toEqual([
      0.1, 0.125,
    ]);
    expect(parseYears('over 7 years')).toBe(7);
    expect(parseYears('no horizon')).toBeUndefined();
    expect(parseOptions('Build vs buy for our CRM: which option?')).toEqual(['Build', 'Buy']);
    expect(parseOptions('Our CRM: build versus buy?')).toEqual(['Build', 'Buy']);
    expect(parseOptions('Should we choose AWS or GCP for hosting?')).toEqual(['AWS', 'GCP']);
    expect(parseOptions('Decide between Lisbon and Madrid for the new office')).toEqual(['Lisbon', 'Madrid']);
    expect(parseProposal('Should we expand to new markets?')).toBe('expand to new markets');
  });

  it('detects the intent of the demo questions', () => {
    expect(detectIntent('What are the risks of raising prices by 10%?')).toMatchObject({
      pricing: true,
      risk: true,
    });
    expect(detectIntent('Build vs buy for our CRM: which option?')).toMatchObject({
      buildVsBuy: true,
      choice: true,
    });
    expect(detectIntent('Should we expand to new markets?')).toMatchObject({ expansion: true, yesNo: true });
  });
});

describe('offline planning', () => {
  const names = (q: string) => planForQuestion(q).plan.first.map((c) => c.name);

  it('always looks at company metrics and past decisions', () => {
    for (const q of [
      'Should we hire a COO?',
      'Build vs buy for our CRM?',
      'What are the risks of raising prices by 10%?',
    ]) {
      expect(names(q).slice(0, 2)).toEqual(['company_metrics', 'past_decisions']);
    }
  });

  it('plans financial skills for money questions, from the question’s numbers', () => {
    const { plan, details } = planForQuestion(
      'Should we invest $2M with revenue of $800k per year over 7 years at a 12% discount rate?',
    );
    expect(plan.kind).toBe('investment');
    const fin = plan.first.find((c) => c.name === 'financial_projection')!;
    expect(fin.input).toEqual({
      initial_investment: 2_000_000,
      annual_cash_flow: 480_000,
      years: 7,
      growth_rate: 0,
      discount_rate: 0.12,
    });
    expect(plan.first.find((c) => c.name === 'scenario_simulation')?.input).toMatchObject({
      upfront_cost: 2_000_000,
      years: 7,
      seed: 42,
      revenue: { mean: 800_000 },
    });
    expect(details.assumptions).toEqual(['operating costs of 40% of revenue ($320k a year; not given)']);
  });

  it('plans a second tool turn, sized from company metrics, for pricing and expansion', () => {
    const { plan, details } = planForQuestion('What are the risks of raising prices by 10%?');
    expect(plan.kind).toBe('pricing');
    expect(plan.first.map((c) => c.name)).not.toContain('financial_projection');
    const second = plan.second!({
      metrics: [
        {
          metric: 'revenue',
          unit: 'USD',
          latest: { period: '2026-06-30', value: 3_000_000 },
          series: [
            { period: '2026-03-31', value: 2_900_000 },
            { period: '2026-06-30', value: 3_000_000 },
          ],
          change: 100_000,
          change_pct: 0.0345,
          direction: 'up',
        },
      ],
      not_found: [],
    });
    expect(second.map((c) => c.name)).toEqual(['financial_projection', 'scenario_simulation']);
    // quarterly 3M → 12M a year
    expect(details.pricing?.baseRevenue).toBe(12_000_000);
    expect(details.pricing?.deltaProfit).toBe(528_000);
  });

  it('annualises revenue by the spacing of its periods', () => {
    const monthly = {
      metric: 'revenue',
      unit: 'USD',
      latest: { period: '2026-03-31', value: 100 },
      series: [
        { period: '2026-01-31', value: 90 },
        { period: '2026-02-28', value: 95 },
        { period: '2026-03-31', value: 100 },
      ],
      change: 10,
      change_pct: 0.11,
      direction: 'up' as const,
    };
    expect(annualRevenueFrom({ metrics: [monthly], not_found: [] })?.value).toBe(1200);
    expect(annualRevenueFrom({ metrics: [], not_found: [] })).toBeUndefined();
  });
});
