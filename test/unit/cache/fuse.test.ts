import { describe, expect, it } from 'vitest';
import { fuseScores } from '#core/retrieval/fuse';

const c = (id: string, score: number) => ({ id, item: { id }, score });

describe('hybrid score fusion', () => {
  it('normalises each side to 0..1 and weights them 0.7 / 0.3', () => {
    const out = fuseScores(
      [c('a', 0.9), c('b', 0.5), c('c', -0.2)],
      [c('b', 0.4), c('d', 0.1)],
      { vector: 0.7, keyword: 0.3 },
      10,
    );
    const byId = Object.fromEntries(out.map((f) => [f.id, f]));
    expect(byId.a?.score).toBeCloseTo(0.7 * 0.9, 10);
    expect(byId.b?.score).toBeCloseTo(0.7 * 0.5 + 0.3 * 1, 10);
    expect(byId.c?.vectorScore).toBe(0); // negative cosine clamped
    expect(byId.d?.keywordScore).toBeCloseTo(0.25, 10);
    expect(out.map((f) => f.id)).toEqual(['b', 'a', 'd', 'c']);
  });

  it('keeps the top k and handles an empty side', () => {
    expect(
      fuseScores([c('a', 0.3), c('b', 0.2)], [], { vector: 0.7, keyword: 0.3 }, 1).map((f) => f.id),
    ).toEqual(['a']);
    const kwOnly = fuseScores([], [c('x', 2), c('y', 1)], { vector: 0, keyword: 1 }, 5);
    expect(kwOnly.map((f) => [f.id, f.score])).toEqual([
      ['x', 1],
      ['y', 0.5],
    ]);
  });
});
