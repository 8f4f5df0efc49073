import { describe, expect, it } from 'vitest';
import { ScenarioSimulationInput, simulateScenario } from '#core/skills/builtin/scenario-simulation';
import { mulberry32, normalSampler, percentile } from '#core/skills/math/random';

describe('seeded randomness', () => {
  it('mulberry32 repeats for a seed and differs between seeds', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    for (const v of seqA) expect(v >= 0 && v < 1).toBe(true);
  });

  it('Box–Muller draws have mean ≈ 0 and sd ≈ 1', () => {
    const normal = normalSampler(mulberry32(1));
    const n = 20_000;
    const xs = Array.from({ length: n }, normal);
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });

  it('interpolates percentiles between ranks', () => {
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 20], 0.1)).toBe(11);
  });
});

describe('scenario_simulation skill', () => {
  const base = { revenue: { mean: 1000, sd: 200 }, cost: { mean: 900, sd: 100 }, trials: 20_000 };

  it('gives the same numbers for the same seed and different ones for another seed', () => {
    const a = simulateScenario(ScenarioSimulationInput.parse({ ...base, seed: 11 }));
    const b = simulateScenario(ScenarioSimulationInput.parse({ ...base, seed: 11 }));
    const c = simulateScenario(ScenarioSimulationInput.parse({ ...base, seed: 12 }));
    expect(b).toEqual(a);
    expect(c.p50).not.toBe(a.p50);
  });

  it('matches the analytic distribution of profit', () => {
    // profit = revenue − cost ~ N(100, sqrt(200² + 100²) = 223.6); P(loss) = Φ(−100/223.6) = 0.3274
    const out = simulateScenario(ScenarioSimulationInput.parse({ ...base, seed: 3 }));
    expect(out.mean).toBeGreaterThan(100 - 8);
    expect(out.mean).toBeLessThan(100 + 8);
    expect(out.sd).toBeGreaterThan(223.6 - 8);
    expect(out.sd).toBeLessThan(223.6 + 8);
    expect(Math.abs(out.probability_of_loss - 0.3274)).toBeLessThan(0.015);
    // P10 / P90 = mean ∓ 1.2816 sd = −186.6 / 386.6
    expect(Math.abs(out.p10 - -186.6)).toBeLessThan(12);
    expect(Math.abs(out.p90 - 386.6)).toBeLessThan(12);
    expect(out.p10).toBeLessThan(out.p50);
    expect(out.p50).toBeLessThan(out.p90);
  });

  it('is exact without uncertainty: years × (revenue − cost) − upfront', () => {
    const out = simulateScenario(
      ScenarioSimulationInput.parse({
        revenue: { mean: 800_000, sd: 0 },
        cost: { mean: 320_000, sd: 0 },
        years: 5,
        upfront_cost: 2_000_000,
        trials: 100,
      }),
    );
    expect([out.p10, out.p50, out.p90, out.mean]).toEqual([400_000, 400_000, 400_000, 400_000]);
    expect(out.probability_of_loss).toBe(0);
  });

  it('correlates revenue and cost draws and keeps negative incremental amounts when asked', () => {
    // fully correlated: profit = (m_r − m_c) + (s_r − s_c)·z → sd = |550 − 200| = 350
    const out = simulateScenario(
      ScenarioSimulationInput.parse({
        revenue: { mean: 120, sd: 550 },
        cost: { mean: -320, sd: 200 },
        correlation: 1,
        allow_negative: true,
        trials: 20_000,
        seed: 5,
      }),
    );
    expect(Math.abs(out.mean - 440)).toBeLessThan(10);
    expect(Math.abs(out.sd - 350)).toBeLessThan(10);
    // P(N(440, 350) < 0) = Φ(−1.257) = 0.1044
    expect(Math.abs(out.probability_of_loss - 0.1044)).toBeLessThan(0.01);
  });
});

describe('scenario_simulation: Latin hypercube at 2,000 samples vs plain Monte Carlo at 10,000', () => {
  /** The estimator the skill used before: plain Monte Carlo, Box–Muller draws, `trials` samples. */
  function plainMonteCarlo(input: ScenarioSimulationInput) {
    const normal = normalSampler(mulberry32(input.seed));
    const rho = input.correlation;
    const residual = Math.sqrt(1 - rho * rho);
    const profits: number[] = [];
    let losses = 0;
    for (let i = 0; i < input.trials; i++) {
      const z1 = normal();
      const z2 = rho * z1 + residual * normal();
      const revenue = Math.max(0, input.revenue.mean + input.revenue.sd * z1);
      const cost = Math.max(0, input.cost.mean + input.cost.sd * z2);
      const p = input.years * (revenue - cost) - input.upfront_cost;
      profits.push(p);
      if (p < 0) losses++;
    }
    profits.sort((a, b) => a - b);
    return {
      p10: percentile(profits, 0.1),
      p50: percentile(profits, 0.5),
      p90: percentile(profits, 0.9),
      probability_of_loss: losses / input.trials,
    };
  }

  const rmse = (xs: number[], truth: number) =>
    Math.sqrt(xs.reduce((a, x) => a + (x - truth) ** 2, 0) / xs.length);

  it.each([
    { correlation: 0, label: 'independent' },
    { correlation: 0.6, label: 'correlated' },
  ])('has no larger error on P10/P50/P90 and P(loss) over 200 seeds ($label)', ({ correlation }) => {
    const spec = {
      revenue: { mean: 8e5, sd: 1.6e5 },
      cost: { mean: 3.2e5, sd: 4.8e4 },
      years: 5,
      upfront_cost: 2e6,
      correlation,
    };
    // analytic: profit = 5 × (revenue − cost) − 2M is normal (clipping at 0 is ~20 sd away here)
    const sdDiff = Math.sqrt(1.6e5 ** 2 + 4.8e4 ** 2 - 2 * correlation * 1.6e5 * 4.8e4);
    const mean = 5 * (8e5 - 3.2e5) - 2e6;
    const sd = 5 * sdDiff;
    const truth = { p10: mean - 1.281552 * sd, p50: mean, p90: mean + 1.281552 * sd };
    const erf = (x: number) => {
      // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7)
      const t = 1 / (1 + 0.3275911 * Math.abs(x));
      const y =
        1 -
        ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
          t *
          Math.exp(-x * x);
      return x >= 0 ? y : -y;
    };
    const pLoss = 0.5 * (1 + erf((0 - mean) / (sd * Math.SQRT2)));

    const lhs = { p10: [] as number[], p50: [] as number[], p90: [] as number[], loss: [] as number[] };
    const mc = { p10: [] as number[], p50: [] as number[], p90: [] as number[], loss: [] as number[] };
    for (let seed = 1; seed <= 200; seed++) {
      const a = simulateScenario(ScenarioSimulationInput.parse({ ...spec, trials: 10_000, seed }));
      expect(a.samples).toBe(2_000);
      lhs.p10.push(a.p10);
      lhs.p50.push(a.p50);
      lhs.p90.push(a.p90);
      lhs.loss.push(a.probability_of_loss);
      const b = plainMonteCarlo(ScenarioSimulationInput.parse({ ...spec, trials: 10_000, seed }));
      mc.p10.push(b.p10);
      mc.p50.push(b.p50);
      mc.p90.push(b.p90);
      mc.loss.push(b.probability_of_loss);
    }
    const rows = {
      p10: [rmse(lhs.p10, truth.p10), rmse(mc.p10, truth.p10)],
      p50: [rmse(lhs.p50, truth.p50), rmse(mc.p50, truth.p50)],
      p90: [rmse(lhs.p90, truth.p90), rmse(mc.p90, truth.p90)],
      loss: [rmse(lhs.loss, pLoss), rmse(mc.loss, pLoss)],
    };
    console.log(
      `[scenario_simulation ρ=${correlation}] RMSE over 200 seeds, LHS 2k vs MC 10k: ` +
        Object.entries(rows)
          .map(([k, [l, m]]) => `${k} ${l!.toPrecision(3)} vs ${m!.toPrecision(3)}`)
          .join(', '),
    );
    for (const [, [l, m]] of Object.entries(rows)) expect(l!).toBeLessThanOrEqual(m!);
  });
});
