import type { FakeReply, RecordedRequest } from './fake-anthropic';

/**
 * A ready-made Claude behaviour for benchmarks and end-to-end runs: the first turn asks for four skills at
 * once (company_metrics, past_decisions, financial_projection, scenario_simulation), the next submits an
 * analysis. Deterministic, so answers are comparable between runs.
 */
export function twoTurnAnalysis(request: RecordedRequest): FakeReply {
  const messages = request.body?.messages ?? [];
  const last = messages.at(-1);
  const hasResults =
    Array.isArray(last?.content) && last.content.some((b: { type: string }) => b.type === 'tool_result');
  const forced = request.body?.tool_choice?.type === 'tool';
  if (!hasResults && !forced) {
    const question = typeof messages.at(-1)?.content === 'string' ? messages.at(-1).content : 'the decision';
    return {
      content: [
        { type: 'text', text: 'Gathering the company data and modelling the investment.' },
        { type: 'tool_use', name: 'company_metrics', input: { periods: 4 } },
        { type: 'tool_use', name: 'past_decisions', input: { query: question, limit: 3 } },
        {
          type: 'tool_use',
          name: 'financial_projection',
          input: { initial_investment: 2e6, annual_cash_flow: 480e3, years: 5, discount_rate: 0.1 },
        },
        {
          type: 'tool_use',
          name: 'scenario_simulation',
          input: {
            revenue: { mean: 8e5, sd: 1.6e5 },
            cost: { mean: 3.2e5, sd: 4.8e4 },
            years: 5,
            upfront_cost: 2e6,
            trials: 10_000,
          },
        },
      ],
    };
  }
  return {
    content: [
      { type: 'text', text: 'The projection is slightly negative at a 10% discount rate.' },
      {
        type: 'tool_use',
        name: 'submit_analysis',
        input: {
          recommendation: 'Do not approve the $2M investment as proposed; revisit if margins exceed 66%.',
          options: [
            {
              name: 'Do not proceed',
              summary: 'Keep the capital',
              score: 0.55,
              pros: ['No capital at risk'],
              cons: [],
            },
            {
              name: 'Invest $2M',
              summary: 'As proposed',
              score: 0.4,
              pros: ['Pays back in 4.2 years'],
              cons: ['NPV −$180k at 10%'],
            },
          ],
          risks: [
            {
              name: 'Revenue ramps slower than planned',
              likelihood: 3,
              impact: 4,
              mitigation: 'Stage the funding',
            },
          ],
          confidence: 0.6,
          rationale: 'NPV −$180k at 10% (IRR 6.4%), payback 4.2 years; break-even needs $528k a year.',
        },
      },
    ],
  };
}

export const SCENARIOS = { 'two-turn-analysis': twoTurnAnalysis } as const;
export type ScenarioName = keyof typeof SCENARIOS;
