import * as z from 'zod';
import type { Analysis, DecisionRisk } from '../decisions/types';
import { toInputSchema } from '../skills/registry';
import type { ToolDefinition } from '../skills/types';

/** The structured answer Claude must submit: `Analysis` minus `skills` (the agent fills that from the executor). */
export const SubmittedAnalysisSchema = z.object({
  recommendation: z
    .string()
    .trim()
    .min(1)
    .max(2_000)
    .describe('The recommended course of action, 1–3 sentences'),
  options: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(200),
        summary: z.string().max(1_000),
        score: z.number().min(0).max(1).describe('0..1, higher is better'),
        pros: z.array(z.string().max(400)).max(10),
        cons: z.array(z.string().max(400)).max(10),
      }),
    )
    .max(10)
    .describe('The options considered, best first'),
  risks: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(200),
        likelihood: z.number().int().min(1).max(5),
        impact: z.number().int().min(1).max(5),
        score: z.number().int().min(1).max(25).optional().describe('likelihood × impact (recomputed)'),
        mitigation: z.string().max(600),
      }),
    )
    .max(15)
    .describe('Key risks, highest first'),
  confidence: z.number().min(0).max(1).describe('0..1: how well the data supports the recommendation'),
  rationale: z.string().trim().min(1).max(8_000).describe('Why, citing the key figures from the tools'),
});

export type SubmittedAnalysis = z.infer<typeof SubmittedAnalysisSchema>;

export const SUBMIT_TOOL_NAME = 'submit_analysis';

export const SUBMIT_TOOL: ToolDefinition = {
  name: SUBMIT_TOOL_NAME,
  description:
    'Submit the final structured decision analysis. Call it exactly once, alone, after the tools you needed have returned.',
  input_schema: toInputSchema(SubmittedAnalysisSchema),
};

/** Validated submission → Analysis without skills; risk scores are always likelihood × impact. */
export function normaliseSubmission(s: SubmittedAnalysis): Omit<Analysis, 'skills'> {
  const risks: DecisionRisk[] = s.risks.map((r) => ({
    name: r.name,
    likelihood: r.likelihood,
    impact: r.impact,
    score: r.likelihood * r.impact,
    mitigation: r.mitigation,
  }));
  return {
    recommendation: s.recommendation,
    options: s.options.map((o) => ({
      name: o.name,
      summary: o.summary,
      score: o.score,
      pros: o.pros,
      cons: o.cons,
    })),
    risks,
    confidence: s.confidence,
    rationale: s.rationale,
  };
}
