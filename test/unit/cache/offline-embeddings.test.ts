import { describe, expect, it } from 'vitest';
import { OfflineEmbeddings } from '#core/embeddings/offline';
import { cosine, toPgVector } from '#core/embeddings/vector';

const e = new OfflineEmbeddings();
const sim = async (a: string, b: string) => {
  const [x, y] = await e.embed([a, b]);
  return cosine(x!, y!);
};

describe('offline hashing embedder', () => {
  it('is deterministic, 256-dimensional and unit length', async () => {
    const [a, b] = await e.embed(['Should we expand into Germany?', 'Should we expand into Germany?']);
    expect(a).toHaveLength(256);
    expect(a).toEqual(b);
    expect(Math.sqrt(a!.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 10);
    expect(e.id).toBe('offline-hash-v1:256');
  });

  it.each([
    ['Should we expand into Germany?', 'Is expanding to Germany a good idea?'],
    ['Should we hire a VP of Sales this quarter?', 'Do we need to hire a VP of Sales this quarter?'],
    [
      'Should we cut prices by 15% to win market share?',
      'Would cutting our prices by 15% help us win market share?',
    ],
    ['Should we raise a $2M seed round?', 'Is raising a $2M seed round the right move?'],
  ])('scores paraphrases above its threshold: %s / %s', async (a, b) => {
    expect(await sim(a, b)).toBeGreaterThanOrEqual(e.paraphraseThreshold);
  });

  it.each([
    ['Should we expand to Germany next year?', 'What is our cash runway at the current burn rate?'],
    ['Should we hire a VP of Sales this quarter?', 'Should we migrate our infrastructure to the cloud?'],
    ['Should we raise a $2M seed round?', 'How do we reduce customer churn in the enterprise segment?'],
    ['Should we acquire our competitor Globex?', 'Should we launch a mobile app for consumers?'],
  ])('scores unrelated questions low: %s / %s', async (a, b) => {
    expect(await sim(a, b)).toBeLessThan(0.3);
  });

  it('writes pgvector literals', () => {
    expect(toPgVector([0.5, -0.25, 0])).toBe('[0.5000000,-0.2500000,0]');
    expect(() => toPgVector([Number.NaN])).toThrow();
  });
});
