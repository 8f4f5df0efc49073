import * as z from 'zod';
import { defineSkill } from '../types';

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

export const DecisionMatrixInput = z
  .object({
    options: z
      .array(
        z.object({
          name: z.string().min(1).max(120),
          scores: z
            .record(z.string(), z.number().finite())
            .describe('Score per criterion name, on the scale (default 0..10)'),
        }),
      )
      .min(2)
      .max(12),
    criteria: z
      .array(
        z.object({
          name: z.string().min(1).max(80),
          weight: z.number().positive().describe('Relative weight; weights are normalised to sum to 1'),
          higher_is_better: z.boolean().default(true),
        }),
      )
      .min(1)
      .max(12),
    scale_max: z.number().positive().default(10).describe('Scores run from 0 to scale_max'),
    perturbation: z
      .number()
      .min(0.01)
      .max(0.9)
      .default(0.2)
      .describe('Sensitivity: each weight ±this fraction'),
  })
  .superRefine((v, ctx) => {
    const names = new Set<string>();
    for (const c of v.criteria) {
      if (names.has(c.name)) ctx.addIssue({ code: 'custom', message: `duplicate criterion "${c.name}"` });
      names.add(c.name);
    }
    v.options.forEach((o, i) => {
      for (const c of v.criteria) {
        const s = o.scores[c.name];
        if (s === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['options', i, 'scores'],
            message: `missing score for "${c.name}"`,
          });
        } else if (s < 0 || s > v.scale_max) {
          ctx.addIssue({
            code: 'custom',
            path: ['options', i, 'scores', c.name],
            message: `score ${s} outside 0..${v.scale_max}`,
          });
        }
      }
    });
  });

export type DecisionMatrixInput = z.infer<typeof DecisionMatrixInput>;

export interface RankedOption {
  name: string;
  /** weighted score on the input scale */
  score: number;
  /** score / scale_max, 0..1 */
  normalized: number;
  rank: number;
}

export interface SensitivityCase {
  criterion: string;
  /** +0.2 = weight raised by 20 % */
  change: number;
  winner: string;
  winner_changed: boolean;
}

export interface DecisionMatrixOutput {
  weights: Record<string, number>;
  ranking: RankedOption[];
  winner: string;
  /** winner's lead over the runner-up, on the input scale */
  margin: number;
  sensitivity: SensitivityCase[];
  /** true when no ±perturbation of a single weight changes the winner */
  robust: boolean;
}

function normalise(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

function rank(input: DecisionMatrixInput, weights: readonly number[]): RankedOption[] {
  const scored = input.options.map((o, index) => {
    let score = 0;
    input.criteria.forEach((c, i) => {
      const raw = o.scores[c.name] ?? 0;
      const oriented = c.higher_is_better ? raw : input.scale_max - raw;
      score += (weights[i] ?? 0) * oriented;
    });
    return { name: o.name, score, index };
  });
  // Ties keep input order, so the result is deterministic.
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.map((s, i) => ({
    name: s.name,
    score: round(s.score),
    normalized: round(s.score / input.scale_max),
    rank: i + 1,
  }));
}

export function scoreDecisionMatrix(input: DecisionMatrixInput): DecisionMatrixOutput {
  const base = normalise(input.criteria.map((c) => c.weight));
  const ranking = rank(input, base);
  const winner = ranking[0]!.name;
  const sensitivity: SensitivityCase[] = [];
  for (let i = 0; i < input.criteria.length; i++) {
    for (const change of [-input.perturbation, input.perturbation]) {
      const raw = input.criteria.map((c, j) => (j === i ? c.weight * (1 + change) : c.weight));
      const w = rank(input, normalise(raw))[0]!.name;
      sensitivity.push({
        criterion: input.criteria[i]!.name,
        change,
        winner: w,
        winner_changed: w !== winner,
      });
    }
  }
  return {
    weights: Object.fromEntries(input.criteria.map((c, i) => [c.name, round(base[i]!)])),
    ranking,
    winner,
    margin: round(ranking[0]!.score - (ranking[1]?.score ?? 0)),
    sensitivity,
    robust: sensitivity.every((s) => !s.winner_changed),
  };
}

export const decisionMatrix = defineSkill({
  name: 'decision_matrix',
  version: '1.0.0',
  dependsOn: 'pure',
  description:
    'Weighted multi-criteria scoring of options (weights normalised to 1, criteria where lower is better supported) with a sensitivity check: each weight is moved ±20% and the result says whether the winner changes.',
  input: DecisionMatrixInput,
  run: async (input) => scoreDecisionMatrix(input),
  figures: (o: DecisionMatrixOutput) => ({
    winner: o.winner,
    winner_score: o.ranking[0]?.score ?? null,
    runner_up: o.ranking[1]?.name ?? null,
    margin: o.margin,
    robust: o.robust,
  }),
});
