import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '#core/agent/agent';
import { loadAgentConfig } from '#core/agent/config';
import type { AgentEvent } from '#core/agent/events';
import type { Analysis } from '#core/decisions/types';
import { loadLlmConfig } from '#core/llm/config';
import { createTestDb, dbTargets, type TestDb } from '../../support/db';
import { seedDecision, seedMetric, seedOrg } from './seed';

const figures = (a: Analysis, skill: string) => a.skills.find((s) => s.name === skill)?.figures ?? {};
const ran = (a: Analysis) => a.skills.map((s) => `${s.name}:${s.ok}`).sort();

describe.each(dbTargets())('offline model on %s', (kind) => {
  let t: TestDb;
  let acme: { orgId: string; userId: string };
  let empty: { orgId: string; userId: string };
  let agent: Agent;
  const durations: Array<[string, number]> = [];

  beforeAll(async () => {
    t = await createTestDb(kind);
    acme = await seedOrg(t.db, 'Acme');
    empty = await seedOrg(t.db, 'Empty');
    // monthly revenue: latest 1.25M → 15M a year
    await seedMetric(t.db, acme.orgId, 'revenue', 'USD', [
      ['2026-06-30', 1_100_000],
      ['2026-07-31', 1_150_000],
      ['2026-08-31', 1_200_000],
      ['2026-09-30', 1_250_000],
    ]);
    await seedDecision(t.db, acme, 'Should we expand into the German market?', 'Pilot in Berlin first');
    agent = createAgent({
      db: t.db,
      config: { llm: loadLlmConfig({}), agent: loadAgentConfig({}) },
      onSkillResult: (name, _ok, ms) => durations.push([name, ms]),
    });
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('is chosen when no API key or base URL is configured, and costs nothing', async () => {
    expect(agent.provider).toBe('offline');
    const r = await agent.analyze({ query: 'Should we expand to new markets?', ...acme });
    expect(r.model).toBe('offline');
    expect(r.usage).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      cost_usd: 0,
    });
  });

  it('"Should we invest $2M … $800k per year?": DCF and Monte Carlo from the question’s numbers', async () => {
    const { analysis } = await agent.analyze({
      query: 'Should we invest $2M in a new product line with expected revenue of $800k per year?',
      ...acme,
    });
    expect(ran(analysis)).toEqual([
      'company_metrics:true',
      'financial_projection:true',
      'past_decisions:true',
      'risk_assessment:true',
      'scenario_simulation:true',
    ]);
    // cash flow 800k − 40% costs = 480k a year for 5 years at 10%: 480k × 3.790787 − 2M
    const fin = figures(analysis, 'financial_projection');
    expect(fin.npv).toBeCloseTo(-180_422.37, 1);
    expect(fin.payback_years).toBeCloseTo(4.167, 3);
    expect(fin.break_even_annual_cash_flow).toBeCloseTo(527_594.96, 1);
    expect(figures(analysis, 'scenario_simulation').probability_of_loss).toBeGreaterThan(0.1);
    expect(analysis.recommendation).toMatch(/^Do not approve the \$2\.00M investment as proposed/);
    expect(analysis.recommendation).toContain('−$180k');
    expect(analysis.rationale).toContain('operating costs of 40% of revenue');
    expect(analysis.options.map((o) => o.name)).toContain('Invest $2.00M as proposed');
    expect(analysis.risks[0]).toMatchObject({ name: 'Revenue ramps slower than planned', score: 12 });
  });

  it('"Should we expand to new markets?": staged pilot, financials sized from company metrics', async () => {
    const r = await agent.analyze({ query: 'Should we expand to new markets?', ...acme });
    const { analysis } = r;
    expect(r.steps).toBe(3); // two tool turns, then the submission
    expect(ran(analysis)).toEqual([
      'company_metrics:true',
      'decision_matrix:true',
      'financial_projection:true',
      'past_decisions:true',
      'risk_assessment:true',
      'scenario_simulation:true',
    ]);
    expect(figures(analysis, 'decision_matrix')).toMatchObject({ winner: 'Staged pilot', robust: true });
    expect(figures(analysis, 'company_metrics')).toMatchObject({ revenue_latest: 1_250_000 });
    // 15M annual revenue → 1.5M entry, 1.2M revenue at 55% cost = 540k a year: 540k × 3.790787 − 1.5M
    expect(figures(analysis, 'financial_projection').npv).toBeCloseTo(547_024.86, 1);
    expect(figures(analysis, 'past_decisions')).toMatchObject({ matches: 1 });
    expect(analysis.recommendation).toMatch(/^Expand to new markets through a staged pilot/);
    expect(analysis.options[0]?.name).toBe('Staged pilot');
    expect(analysis.rationale).toContain('Pilot in Berlin first');
    expect(analysis.rationale).toContain('entry investment of $1.50M');
  });

  it('"Build vs buy for our CRM": the decision matrix picks Buy, robustly', async () => {
    const { analysis } = await agent.analyze({ query: 'Build vs buy for our CRM: which option?', ...acme });
    expect(ran(analysis)).toEqual([
      'company_metrics:true',
      'decision_matrix:true',
      'past_decisions:true',
      'risk_assessment:true',
    ]);
    // Buy: .3·7 + .25·9 + .2·6 + .15·8 + .1·8 = 7.55; Build: .3·4 + .25·3 + .2·7 + .15·4 + .1·3 = 4.25
    expect(figures(analysis, 'decision_matrix')).toMatchObject({
      winner: 'Buy',
      winner_score: 7.55,
      runner_up: 'Build',
      robust: true,
    });
    expect(analysis.recommendation).toMatch(/^Choose Buy: it scores 7\.55\/10 against 4\.25 for Build/);
    expect(analysis.options.map((o) => [o.name, o.score])).toEqual([
      ['Buy', 0.755],
      ['Build', 0.425],
    ]);
  });

  it('"What are the risks of raising prices by 10%?": ranked risks and the profit impact', async () => {
    const { analysis } = await agent.analyze({
      query: 'What are the risks of raising prices by 10%?',
      ...acme,
    });
    expect(ran(analysis)).toEqual([
      'company_metrics:true',
      'financial_projection:true',
      'past_decisions:true',
      'risk_assessment:true',
      'scenario_simulation:true',
    ]);
    expect(figures(analysis, 'risk_assessment')).toMatchObject({
      top_risk: 'Churn of price-sensitive customers',
      top_score: 12,
    });
    expect(analysis.risks).toHaveLength(5);
    expect(analysis.risks.map((r) => r.score)).toEqual(
      [...analysis.risks.map((r) => r.score)].sort((a, b) => b - a),
    );
    // base 15M: revenue 15M·(1.1·0.92 − 1) = +180k, variable cost 0.4·15M·(−8%) = −480k → profit +660k a year
    expect(analysis.rationale).toContain('revenue +$180k, variable costs −$480k, profit +$660k a year');
    expect(analysis.recommendation).toMatch(/^Raise prices by 10%, phased in/);
  });

  it('falls back to labelled defaults when the org has no metrics', async () => {
    const { analysis } = await agent.analyze({
      query: 'What are the risks of raising prices by 10%?',
      ...empty,
    });
    expect(analysis.rationale).toContain('No company metrics are on record');
    expect(analysis.rationale).toContain('annual revenue base of $10.00M (no revenue metric on record)');
    expect(analysis.rationale).toContain('profit +$440k a year');
  });

  it('streams the same events and ends with the same analysis as a plain run', async () => {
    const query = 'Should we invest $2M in a new product line with expected revenue of $800k per year?';
    const plain = await agent.analyze({ query, ...acme });
    const events: AgentEvent[] = [];
    const streamed = await agent.analyze({ query, ...acme, onEvent: (e) => events.push(e) });
    const strip = (a: Analysis) => ({ ...a, skills: a.skills.map(({ duration_ms: _d, ...s }) => s) });
    expect(strip(streamed.analysis)).toEqual(strip(plain.analysis));
    const started = events.filter((e) => e.type === 'skill_started').map((e) => ('name' in e ? e.name : ''));
    const finished = events
      .filter((e) => e.type === 'skill_finished')
      .map((e) => ('name' in e ? e.name : ''));
    expect(started.sort()).toEqual(finished.sort());
    expect(started).toHaveLength(5);
    const text = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
    expect(text.endsWith(plain.analysis.rationale)).toBe(true);
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(10);
    expect(durations.length).toBeGreaterThan(0);
  });
});
