/** Small vector helpers shared by the embedders, the semantic cache and retrieval. */
export function l2Normalize(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm === 0) return v.map(() => 0);
  return v.map((x) => x / norm);
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`vector sizes differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

/** pgvector text literal `[x,y,…]`, bound as a parameter and cast with `::vector`. */
export function toPgVector(v: readonly number[]): string {
  for (const x of v) if (!Number.isFinite(x)) throw new RangeError('vector contains a non-finite value');
  return `[${v.map((x) => (Math.abs(x) < 1e-12 ? '0' : x.toPrecision(7))).join(',')}]`;
}
