/** Pure discounted-cash-flow maths. `cashFlows[0]` is at t = 0 (undiscounted), one entry per period after that. */

export function npv(rate: number, cashFlows: readonly number[]): number {
  let total = 0;
  for (let t = 0; t < cashFlows.length; t++) total += (cashFlows[t] ?? 0) / (1 + rate) ** t;
  return total;
}

function npvDerivative(rate: number, cashFlows: readonly number[]): number {
  let total = 0;
  for (let t = 1; t < cashFlows.length; t++) total -= (t * (cashFlows[t] ?? 0)) / (1 + rate) ** (t + 1);
  return total;
}

const IRR_LOW = -0.9999;
const IRR_HIGH = 100;
const TOLERANCE = 1e-10;

/**
 * Internal rate of return: the rate where NPV = 0. Returns null when the cash flows never change sign (no IRR
 * exists) or no root lies in (-100 %, 10 000 %). With several sign changes, the root nearest above -100 % that a
 * scan finds is returned. Bracketing + bisection, polished with Newton steps that stay inside the bracket.
 */
export function irr(cashFlows: readonly number[]): number | null {
  const hasPositive = cashFlows.some((c) => c > 0);
  const hasNegative = cashFlows.some((c) => c < 0);
  if (!hasPositive || !hasNegative) return null;

  // Scan for a bracket [lo, hi] with a sign change, on a grid dense near 0.
  const grid: number[] = [IRR_LOW];
  for (let r = -0.99; r < 1; r += 0.01) grid.push(r);
  for (let r = 1; r <= IRR_HIGH; r *= 1.1) grid.push(r);
  let lo = Number.NaN;
  let hi = Number.NaN;
  let prev = npv(grid[0]!, cashFlows);
  for (let i = 1; i < grid.length; i++) {
    const value = npv(grid[i]!, cashFlows);
    if (value === 0) return grid[i]!;
    if (Number.isFinite(prev) && Number.isFinite(value) && Math.sign(prev) !== Math.sign(value)) {
      lo = grid[i - 1]!;
      hi = grid[i]!;
      break;
    }
    prev = value;
  }
  if (Number.isNaN(lo)) return null;

  let fLo = npv(lo, cashFlows);
  let x = (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const fx = npv(x, cashFlows);
    if (Math.abs(fx) < TOLERANCE || hi - lo < TOLERANCE) return x;
    if (Math.sign(fx) === Math.sign(fLo)) {
      lo = x;
      fLo = fx;
    } else {
      hi = x;
    }
    const d = npvDerivative(x, cashFlows);
    const newton = d !== 0 ? x - fx / d : Number.NaN;
    x = newton > lo && newton < hi ? newton : (lo + hi) / 2;
  }
  return x;
}

/**
 * Periods until the cumulative cash flow turns non-negative, interpolated linearly within the period
 * (e.g. 2.6 = during the third year). `rate` > 0 gives the discounted payback. Null when it never pays back.
 */
export function paybackPeriod(cashFlows: readonly number[], rate = 0): number | null {
  let cumulative = 0;
  for (let t = 0; t < cashFlows.length; t++) {
    const flow = (cashFlows[t] ?? 0) / (1 + rate) ** t;
    const before = cumulative;
    cumulative += flow;
    if (cumulative >= 0 && (t === 0 || before < 0)) {
      if (t === 0) return 0;
      return t - 1 + -before / flow;
    }
  }
  return null;
}

/** Sum of discount factors for periods 1..n: PV of 1 per period. */
export function annuityFactor(rate: number, periods: number): number {
  let total = 0;
  for (let t = 1; t <= periods; t++) total += 1 / (1 + rate) ** t;
  return total;
}

/**
 * The level per-period cash flow (periods 1..n) that makes NPV zero for the same t = 0 flow:
 * the break-even annual cash flow. Null when there is no later period.
 */
export function breakEvenCashFlow(cashFlows: readonly number[], rate: number): number | null {
  const periods = cashFlows.length - 1;
  if (periods < 1) return null;
  return -(cashFlows[0] ?? 0) / annuityFactor(rate, periods);
}
