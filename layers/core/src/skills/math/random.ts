/** Deterministic randomness for simulations: the same seed gives the same numbers on every runtime. */

/** mulberry32: a tiny, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller, using both values of each pair. */
export function normalSampler(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    spare = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  };
}

/** Percentile of an ascending-sorted array, linear interpolation between closest ranks (p in 0..1). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = (sorted.length - 1) * p;
  const lower = Math.floor(index);
  const upper = Math.ceil(index);
  const a = sorted[lower]!;
  const b = sorted[upper]!;
  return a + (b - a) * (index - lower);
}

/**
 * The k-th smallest value (0-based) of `a`, partially reordering `a` in place (Hoare quickselect with a
 * median-of-three pivot), searching only a[lo..hi]. O(n) on average, against O(n log n) for a full sort.
 */
export function selectKth(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as the pivot
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * Percentiles (p in 0..1, ascending) with the same linear interpolation as `percentile` on the sorted values,
 * without sorting: each needs the two order statistics around its rank. Reorders `a` in place.
 */
export function percentilesOf(a: Float64Array, ps: readonly number[]): number[] {
  const n = a.length;
  if (n === 0) return ps.map(() => Number.NaN);
  return ps.map((p) => {
    const index = (n - 1) * p;
    const lower = Math.floor(index);
    const upper = Math.ceil(index);
    const lo = selectKth(a, lower);
    // after selecting `lower`, everything above it is in a[lower+1..]: its minimum is the next order statistic
    let hi = lo;
    if (upper !== lower) {
      hi = Number.POSITIVE_INFINITY;
      for (let i = lower + 1; i < n; i++) if (a[i]! < hi) hi = a[i]!;
    }
    return lo + (hi - lo) * (index - lower);
  });
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9), p in (0, 1).
 */
export function inverseNormal(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Latin hypercube standard normals: `n` draws per dimension, one in each of n equal-probability strata (a
 * uniform point inside the stratum), the strata of each dimension in an independent random order. For a
 * quantity that is close to additive in its inputs (profit = years × (revenue − cost) − upfront), the
 * estimates' variance is a fraction of plain Monte Carlo's at the same n.
 */
export function latinHypercubeNormals(n: number, dims: number, uniform: () => number): Float64Array[] {
  const out: Float64Array[] = [];
  const order = new Int32Array(n);
  for (let d = 0; d < dims; d++) {
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(uniform() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // (stratum + U) / n lies in (0, 1) except at U = 0 of stratum 0: nudge it inside
      const u = (order[i]! + uniform()) / n;
      z[i] = inverseNormal(Math.min(1 - 1e-12, Math.max(1e-12, u)));
    }
    out.push(z);
  }
  return out;
}
