/** Recall of an approximate nearest-neighbour search against exact search, with ties at equal distance. */
export interface Hit {
  decision_id: string;
  /** distance to the query (smaller is nearer) */
  d: number;
}

/** Distances closer than this are equal (both sides come from the same float computation). */
export const TIE_EPSILON = 1e-9;

/**
 * Whether the exact top k is one pick among equals: `exactPlusOne` holds the exact k + 1 nearest, and the
 * (k+1)th is as close as the kth.
 */
export function tiedAtBoundary(exactPlusOne: readonly Hit[], k: number): boolean {
  const kth = exactPlusOne[k - 1];
  const next = exactPlusOne[k];
  return kth !== undefined && next !== undefined && Math.abs(next.d - kth.d) < TIE_EPSILON;
}

/**
 * Recall@k of `got` against `exact` (the exact top k), counted two ways: `byIds`, results whose id is in the
 * exact top k; `byDistance`, results as close as the exact kth (a tie broken the other way is not a miss).
 * Both are fractions of min(k, |exact|), so a query with fewer than k candidates can still reach 1.
 */
export function recallAt(
  k: number,
  got: readonly Hit[],
  exact: readonly Hit[],
): { byIds: number; byDistance: number } {
  const want = exact.slice(0, k);
  if (want.length === 0) return { byIds: 1, byDistance: 1 };
  const ids = new Set(want.map((x) => x.decision_id));
  const kth = want[want.length - 1]!.d;
  const top = got.slice(0, k);
  const byIds = top.filter((x) => ids.has(x.decision_id)).length;
  const byDistance = top.filter((x) => x.d <= kth + TIE_EPSILON).length;
  return { byIds: byIds / want.length, byDistance: Math.min(1, byDistance / want.length) };
}
