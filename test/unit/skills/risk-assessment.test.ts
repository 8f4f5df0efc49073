import { describe, expect, it } from 'vitest';
import { assessRisks, RiskAssessmentInput, severityOf } from '#core/skills/builtin/risk-assessment';

describe('risk_assessment skill', () => {
  it('bands scores on the 5×5 matrix', () => {
    expect([1, 4, 5, 9, 10, 16, 17, 25].map(severityOf)).toEqual([
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
    ]);
  });

  it('scores likelihood × impact and ranks highest first, impact breaking ties', () => {
    const out = assessRisks(
      RiskAssessmentInput.parse({
        risks: [
          { name: 'churn', likelihood: 3, impact: 4, mitigation: 'grandfather key accounts' },
          { name: 'competitor', likelihood: 4, impact: 3 },
          { name: 'outage', likelihood: 5, impact: 5 },
          { name: 'typo', likelihood: 1, impact: 2 },
        ],
      }),
    );
    expect(out.risks.map((r) => [r.name, r.score, r.severity, r.rank])).toEqual([
      ['outage', 25, 'critical', 1],
      ['churn', 12, 'high', 2],
      ['competitor', 12, 'high', 3],
      ['typo', 2, 'low', 4],
    ]);
    expect(out.risks[1]?.mitigation).toBe('grandfather key accounts');
    expect(out.risks[0]?.mitigation).toMatch(/executive owner/);
    expect(out.counts).toEqual({ low: 1, medium: 0, high: 2, critical: 1 });
    // mean (25 + 12 + 12 + 2) / 4 = 12.75 → / 25
    expect(out.exposure).toBe(0.51);
    expect(out.top_risk).toBe('outage');
  });

  it('rejects likelihood or impact outside 1..5', () => {
    expect(RiskAssessmentInput.safeParse({ risks: [{ name: 'x', likelihood: 6, impact: 1 }] }).success).toBe(
      false,
    );
    expect(
      RiskAssessmentInput.safeParse({ risks: [{ name: 'x', likelihood: 2.5, impact: 1 }] }).success,
    ).toBe(false);
  });
});
