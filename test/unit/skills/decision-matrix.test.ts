import { describe, expect, it } from 'vitest';
import { DecisionMatrixInput, scoreDecisionMatrix } from '#core/skills/builtin/decision-matrix';

describe('decision_matrix skill', () => {
  it('ranks options by normalised weighted score', () => {
    const out = scoreDecisionMatrix(
      DecisionMatrixInput.parse({
        options: [
          { name: 'A', scores: { cost: 8, quality: 6 } },
          { name: 'B', scores: { cost: 5, quality: 9 } },
        ],
        // 3 : 2 → 0.6 / 0.4
        criteria: [
          { name: 'cost', weight: 3 },
          { name: 'quality', weight: 2 },
        ],
      }),
    );
    expect(out.weights).toEqual({ cost: 0.6, quality: 0.4 });
    // A = 0.6·8 + 0.4·6 = 7.2; B = 0.6·5 + 0.4·9 = 6.6
    expect(out.ranking.map((r) => [r.name, r.score])).toEqual([
      ['A', 7.2],
      ['B', 6.6],
    ]);
    expect(out.ranking[0]?.normalized).toBe(0.72);
    expect(out.margin).toBeCloseTo(0.6, 10);
    expect(out.robust).toBe(true);
    expect(out.sensitivity).toHaveLength(4);
  });

  it('flags a winner that changes when one weight moves by 20%', () => {
    const out = scoreDecisionMatrix(
      DecisionMatrixInput.parse({
        options: [
          { name: 'A', scores: { cost: 9, quality: 5 } },
          { name: 'B', scores: { cost: 6, quality: 8.5 } },
        ],
        criteria: [
          { name: 'cost', weight: 1 },
          { name: 'quality', weight: 1 },
        ],
      }),
    );
    // A = 7, B = 7.25 → B; cost ×1.2 → A 7.1818 vs B 7.1364; quality ×0.8 → A 7.2222 vs B 7.1111
    expect(out.winner).toBe('B');
    expect(out.robust).toBe(false);
    const flips = out.sensitivity.filter((s) => s.winner_changed).map((s) => [s.criterion, s.change]);
    expect(flips).toEqual([
      ['cost', 0.2],
      ['quality', -0.2],
    ]);
  });

  it('inverts criteria where lower is better', () => {
    const out = scoreDecisionMatrix(
      DecisionMatrixInput.parse({
        options: [
          { name: 'cheap', scores: { price: 2 } },
          { name: 'dear', scores: { price: 9 } },
        ],
        criteria: [{ name: 'price', weight: 1, higher_is_better: false }],
      }),
    );
    expect(out.winner).toBe('cheap');
    expect(out.ranking[0]?.score).toBe(8);
  });

  it('rejects missing and out-of-scale scores', () => {
    const missing = DecisionMatrixInput.safeParse({
      options: [
        { name: 'A', scores: { cost: 1 } },
        { name: 'B', scores: {} },
      ],
      criteria: [{ name: 'cost', weight: 1 }],
    });
    expect(missing.success).toBe(false);
    const outOfScale = DecisionMatrixInput.safeParse({
      options: [
        { name: 'A', scores: { cost: 11 } },
        { name: 'B', scores: { cost: 1 } },
      ],
      criteria: [{ name: 'cost', weight: 1 }],
    });
    expect(outOfScale.success).toBe(false);
  });
});
