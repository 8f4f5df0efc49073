import type { Analyzer, AnalyzerInput, AnalyzerOutput } from './analyzer';
import { type Analysis, ZERO_USAGE } from './types';

/**
 * A first deterministic analysis: the same question always gives the same answer, computed from the org's
 * latest revenue and margin. The agent (skills + Claude or the offline planner) replaces it.
 */
export const basicOfflineAnalyzer: Analyzer = {
  async analyze(input: AnalyzerInput): Promise<AnalyzerOutput> {
    const r = await input.db.query<{ metric: string; value: number }>(
      `SELECT DISTINCT ON (metric) metric, value FROM company_metrics
       WHERE org_id = $1 AND metric IN ('revenue', 'gross_margin') ORDER BY metric, period DESC`,
      [input.orgId],
    );
    const m = Object.fromEntries(r.rows.map((x) => [x.metric, Number(x.value)]));
    const margin = m.gross_margin ?? 0.5;
    const proceed = Math.min(0.9, Math.max(0.1, margin));
    const analysis: Analysis = {
      recommendation:
        proceed >= 0.5
          ? `Proceed in a staged way: "${input.query}" — start with a limited pilot and expand on evidence.`
          : `Hold: "${input.query}" — margins do not yet support the commitment; revisit next quarter.`,
      options: [
        {
          name: 'Staged pilot',
          summary: 'Limited pilot with explicit go/no-go metrics',
          score: round(proceed),
          pros: ['Caps downside', 'Learns fast'],
          cons: ['Slower full impact'],
        },
        {
          name: 'Full commitment',
          summary: 'Commit the full budget now',
          score: round(proceed * 0.8),
          pros: ['Fastest impact'],
          cons: ['Largest downside'],
        },
        {
          name: 'Do nothing',
          summary: 'Keep the current course',
          score: round(1 - proceed),
          pros: ['No new cost'],
          cons: ['Opportunity cost'],
        },
      ],
      risks: [
        {
          name: 'Execution risk',
          likelihood: 3,
          impact: 3,
          score: 9,
          mitigation: 'Stage gates and a named owner',
        },
        {
          name: 'Market risk',
          likelihood: 2,
          impact: 4,
          score: 8,
          mitigation: 'Validate demand in the pilot',
        },
      ],
      confidence: round(0.55 + margin * 0.2),
      rationale: `Latest monthly revenue ${m.revenue ?? 'unknown'} and gross margin ${margin}: a staged approach keeps the downside bounded.`,
      skills: [],
    };
    return { analysis, model: 'offline', usage: { ...ZERO_USAGE } };
  },
};

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
