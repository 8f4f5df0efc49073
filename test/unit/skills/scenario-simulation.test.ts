import { describe, expect, it } from 'vitest';
import {
  ScenarioSimulationInput,
  simulateScenario,
} from '../../../layers/core/src/skills/builtin/scenario-simulation';
import { mulberry32, normalSampler, percentile } from '../../../layers/core/src/skills/math/random';

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
