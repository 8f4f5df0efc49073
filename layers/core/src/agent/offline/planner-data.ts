import * as z from 'zod';
// named imports: the bundler keeps only these keys (the file's `$comment`s stay out of the Lambda bundles)
import { defaults, matrices, risks } from './planner-data.json';

/** The offline model's tables (`planner-data.json`), validated once at load: a bad edit fails at start-up. */
const Score = z.number().min(0).max(10);
const Scores = z.record(z.string(), Score);
const Criteria = z.array(z.object({ name: z.string().min(1), weight: z.number().positive() })).min(1);
const Level = z.number().int().min(1).max(5);
const Risk = z.object({
  name: z.string().min(1),
  /** a level, or one per size of a price change */
  likelihood: z.union([Level, z.object({ small: Level, medium: Level, big: Level })]),
  impact: Level,
  mitigation: z.string().min(1),
});
const RiskList = z.array(Risk).min(1);

const PlannerData = z.object({
  defaults: z.object({
    discountRate: z.number(),
    years: z.number().int().positive(),
    costRatio: z.number(),
    expansionCostRatio: z.number(),
    revenueSd: z.number(),
    expansionRevenueSd: z.number(),
    costSd: z.number(),
    investment: z.number().positive(),
    revenueToInvestment: z.number(),
    pricingBaseRevenue: z.number().positive(),
    elasticity: z.number(),
    elasticitySd: z.number(),
    variableCostRatio: z.number(),
    repricingCostRatio: z.number(),
    pricingChange: z.number(),
    seed: z.number().int(),
    trials: z.number().int().positive(),
  }),
  matrices: z.object({
    buildVsBuy: z.object({
      build: Scores,
      buy: Scores,
      criteria: Criteria,
      whenCore: z.object({
        build: Scores,
        buy: Scores,
        weights: z.record(z.string(), z.number().positive()),
      }),
    }),
    namedOptions: z.object({ scores: Scores, criteria: Criteria }),
    proposal: z.object({
      options: z.array(z.object({ name: z.string(), scores: Scores })).min(2),
      criteria: Criteria,
    }),
  }),
  risks: z.object({
    pricing: RiskList,
    buildVsBuy: RiskList,
    expansion: RiskList,
    investment: RiskList,
    general: RiskList,
  }),
});

export type PlannerData = z.infer<typeof PlannerData>;
export type PlannedRisk = z.infer<typeof Risk>;

export const PLANNER_DATA: PlannerData = PlannerData.parse({ defaults, matrices, risks });
