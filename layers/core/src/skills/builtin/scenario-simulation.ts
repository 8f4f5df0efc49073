import * as z from 'zod';
import { mulberry32, normalSampler, percentile } from '../math/random';
import { defineSkill } from '../types';

const Distribution = z.object({
  mean: z.number().finite(),
  sd: z.number().finite().nonnegative().describe('Standard deviation (same unit as mean)'),
});

export const ScenarioSimulationInput = z.object({
  revenue: Distribution.describe('Yearly revenue, normally distributed (negative draws are clipped to 0)'),
  cost: Distribution.describe(
    'Yearly operating cost, normally distributed (negative draws are clipped to 0)',
  ),
  years: z.number().int().min(1).max(30).default(1),
  upfront_cost: z.number().finite().nonnegative().default(0).describe('One-off cost at the start'),
  correlation: z.number().min(-1).max(1).default(0).describe('Correlation of the revenue and cost draws'),
  allow_negative: z
    .boolean()
    .default(false)
    .describe('Keep negative draws (for incremental amounts); otherwise draws are clipped at 0'),
  trials: z.number().int().min(100).max(50_000).default(10_000),
  seed: z.number().int().min(0).max(0xffffffff).default(42).describe('Same seed → same numbers'),
});

export type ScenarioSimulationInput = z.infer<typeof ScenarioSimulationInput>;

export interface ScenarioSimulationOutput {
  trials: number;
  seed: number;
  years: number;
  /** profit = years × (revenue − cost) − upfront_cost, per trial */
  p10: number;
  p50: number;
  p90: number;
  mean: number;
  sd: number;
  probability_of_loss: number;
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * Seeded Monte Carlo: each trial draws one yearly revenue and one yearly cost (assumption uncertainty, held
 * for the whole horizon) and computes the total profit.
 */
export function simulateScenario(input: ScenarioSimulationInput): ScenarioSimulationOutput {
  const normal = normalSampler(mulberry32(input.seed));
  const rho = input.correlation;
  const residual = Math.sqrt(1 - rho * rho);
  const clip = input.allow_negative ? (v: number) => v : (v: number) => Math.max(0, v);
  const profits = new Float64Array(input.trials);
  let sum = 0;
  let losses = 0;
  for (let i = 0; i < input.trials; i++) {
    const z1 = normal();
    const z2 = rho * z1 + residual * normal();
    const revenue = clip(input.revenue.mean + input.revenue.sd * z1);
    const cost = clip(input.cost.mean + input.cost.sd * z2);
    const profit = input.years * (revenue - cost) - input.upfront_cost;
    profits[i] = profit;
    sum += profit;
    if (profit < 0) losses++;
  }
  const mean = sum / input.trials;
  let squares = 0;
  for (const p of profits) squares += (p - mean) ** 2;
  const sorted = Array.from(profits).sort((a, b) => a - b);
  return {
    trials: input.trials,
    seed: input.seed,
    years: input.years,
    p10: round(percentile(sorted, 0.1)),
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    mean: round(mean),
    sd: round(Math.sqrt(squares / Math.max(1, input.trials - 1))),
    probability_of_loss: round(losses / input.trials, 4),
  };
}

export const scenarioSimulation = defineSkill({
  name: 'scenario_simulation',
  version: '1.0.0',
  dependsOn: 'pure',
  description:
    'Seeded Monte Carlo over yearly revenue and cost assumptions (normal distributions, optionally correlated) for a horizon of years with an optional up-front cost: P10/P50/P90 and mean of total profit and the probability of a loss. The same seed always gives the same numbers.',
  input: ScenarioSimulationInput,
  run: async (input) => simulateScenario(input),
  figures: (o: ScenarioSimulationOutput) => ({
    p10: o.p10,
    p50: o.p50,
    p90: o.p90,
    probability_of_loss: o.probability_of_loss,
    trials: o.trials,
    seed: o.seed,
  }),
});
