import * as z from 'zod';
import { defineSkill } from '../types';

export const RiskAssessmentInput = z.object({
  risks: z
    .array(
      z.object({
        name: z.string().min(1).max(160),
        likelihood: z.number().int().min(1).max(5).describe('1 = rare … 5 = almost certain'),
        impact: z.number().int().min(1).max(5).describe('1 = negligible … 5 = severe'),
        mitigation: z.string().max(400).optional(),
      }),
    )
    .min(1)
    .max(30),
});

export type RiskAssessmentInput = z.infer<typeof RiskAssessmentInput>;

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface AssessedRisk {
  name: string;
  likelihood: number;
  impact: number;
  /** likelihood × impact, 1..25 */
  score: number;
  severity: Severity;
  mitigation: string;
  rank: number;
}

export interface RiskAssessmentOutput {
  risks: AssessedRisk[];
  counts: Record<Severity, number>;
  /** mean score / 25, 0..1 */
  exposure: number;
  top_risk: string;
}

/** 5×5 matrix bands: 1–4 low, 5–9 medium, 10–16 high, 17–25 critical. */
export function severityOf(score: number): Severity {
  if (score >= 17) return 'critical';
  if (score >= 10) return 'high';
  if (score >= 5) return 'medium';
  return 'low';
}

const DEFAULT_MITIGATION: Record<Severity, string> = {
  critical: 'Resolve or transfer before committing; assign an executive owner and a go/no-go checkpoint.',
  high: 'Mitigate actively: named owner, early-warning indicator and a contingency budget.',
  medium: 'Monitor with a named owner and review at each milestone.',
  low: 'Accept and review quarterly.',
};

export function assessRisks(input: RiskAssessmentInput): RiskAssessmentOutput {
  const scored = input.risks.map((r, index) => {
    const score = r.likelihood * r.impact;
    const severity = severityOf(score);
    return {
      name: r.name,
      likelihood: r.likelihood,
      impact: r.impact,
      score,
      severity,
      mitigation: r.mitigation?.trim() || DEFAULT_MITIGATION[severity],
      index,
    };
  });
  // Highest score first; equal scores: higher impact first, then input order.
  scored.sort((a, b) => b.score - a.score || b.impact - a.impact || a.index - b.index);
  const counts: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const r of scored) counts[r.severity]++;
  const mean = scored.reduce((a, r) => a + r.score, 0) / scored.length;
  return {
    risks: scored.map(({ index: _index, ...r }, i) => ({ ...r, rank: i + 1 })),
    counts,
    exposure: Math.round((mean / 25) * 1000) / 1000,
    top_risk: scored[0]!.name,
  };
}

export const riskAssessment = defineSkill({
  name: 'risk_assessment',
  version: '1.0.0',
  dependsOn: 'pure',
  description:
    'Scores risks as likelihood × impact (each 1–5), ranks them, assigns severity bands (low 1–4, medium 5–9, high 10–16, critical 17–25) and fills in a mitigation where none is given.',
  input: RiskAssessmentInput,
  run: async (input) => assessRisks(input),
  figures: (o: RiskAssessmentOutput) => ({
    top_risk: o.top_risk,
    top_score: o.risks[0]?.score ?? null,
    critical: o.counts.critical,
    high: o.counts.high,
    risks: o.risks.length,
    exposure: o.exposure,
  }),
});
