import { describe, expect, it } from 'vitest';
import { FinancialProjectionInput, projectFinancials } from '#core/skills/builtin/financial-projection';
import { irr, npv, paybackPeriod } from '#core/skills/math/finance';

// Reference values computed by hand (and cross-checked with an independent bisection script).
const FLOWS = [-1000, 300, 400, 500, 200];

describe('financial maths', () => {
  it('discounts cash flows to a net present value', () => {
    // -1000 + 300/1.1 + 400/1.21 + 500/1.331 + 200/1.4641
    expect(npv(0.1, FLOWS)).toBeCloseTo(115.5659, 4);
    expect(npv(0, FLOWS)).toBe(400);
  });

  it('finds the internal rate of return where NPV is zero', () => {
    const rate = irr(FLOWS)!;
    expect(rate).toBeCloseTo(0.153221, 5);
    expect(npv(rate, FLOWS)).toBeCloseTo(0, 6);
    expect(irr([-2_000_000, 800_000, 800_000, 800_000, 800_000, 800_000])).toBeCloseTo(0.286493, 5);
  });

  it('returns null IRR when the cash flows never change sign', () => {
    expect(irr([100, 200, 300])).toBeNull();
    expect(irr([-100, -200])).toBeNull();
    expect(irr([0, 0, 0])).toBeNull();
  });

  it('handles a negative IRR (money lost even undiscounted)', () => {
    const rate = irr([-1000, 300, 300, 300])!;
    expect(rate).toBeLessThan(0);
    expect(npv(rate, [-1000, 300, 300, 300])).toBeCloseTo(0, 6);
  });

  it('computes fractional payback, plain and discounted', () => {
    // cumulative: -700, -300, +200 → 2 + 300/500
    expect(paybackPeriod(FLOWS)).toBeCloseTo(2.6, 10);
    // discounted cumulative after year 3: -21.0368; year 4 adds 136.6027
    expect(paybackPeriod(FLOWS, 0.1)).toBeCloseTo(3 + 21.0368144 / 136.6026911, 6);
    expect(paybackPeriod([-1000, 100, 100])).toBeNull();
    expect(paybackPeriod([0, 100])).toBe(0);
  });
});

describe('financial_projection skill', () => {
  it('expands an investment with a level yearly cash flow and reports the key figures', () => {
    const input = FinancialProjectionInput.parse({
      initial_investment: 2_000_000,
      annual_cash_flow: 800_000,
      years: 5,
      discount_rate: 0.1,
    });
    const out = projectFinancials(input);
    expect(out.cash_flows).toEqual([-2_000_000, 800_000, 800_000, 800_000, 800_000, 800_000]);
    expect(out.npv).toBeCloseTo(1_032_629.42, 2);
    expect(out.irr).toBeCloseTo(0.286493, 5);
    expect(out.payback_years).toBe(2.5);
    // 2M / annuity factor 3.790787
    expect(out.break_even_annual_cash_flow).toBeCloseTo(527_594.96, 2);
    expect(out.total_undiscounted).toBe(2_000_000);
  });

  it('applies yearly growth to the cash flow', () => {
    const out = projectFinancials(
      FinancialProjectionInput.parse({
        initial_investment: 100,
        annual_cash_flow: 50,
        years: 3,
        growth_rate: 0.1,
      }),
    );
    expect(out.cash_flows[0]).toBe(-100);
    expect(out.cash_flows[1]).toBe(50);
    expect(out.cash_flows[2]).toBeCloseTo(55, 10);
    expect(out.cash_flows[3]).toBeCloseTo(60.5, 10);
  });

  it('rejects input with neither cash flows nor a yearly cash flow', () => {
    expect(FinancialProjectionInput.safeParse({ discount_rate: 0.1 }).success).toBe(false);
    expect(FinancialProjectionInput.safeParse({ cash_flows: [1] }).success).toBe(false);
  });
});
