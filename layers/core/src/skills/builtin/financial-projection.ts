import * as z from 'zod';
import { breakEvenCashFlow, irr, npv, paybackPeriod } from '../math/finance';
import { defineSkill } from '../types';

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

export const FinancialProjectionInput = z
  .object({
    cash_flows: z
      .array(z.number().finite())
      .min(2)
      .max(60)
      .optional()
      .describe('Net cash flow per period; index 0 is today (usually the negative investment)'),
    initial_investment: z
      .number()
      .finite()
      .nonnegative()
      .optional()
      .describe(
        'Up-front investment (positive number), used with annual_cash_flow when cash_flows is absent',
      ),
    annual_cash_flow: z
      .number()
      .finite()
      .optional()
      .describe('Net cash flow of the first year after investing'),
    years: z.number().int().min(1).max(50).default(5).describe('Horizon in years for annual_cash_flow'),
    growth_rate: z
      .number()
      .min(-0.9)
      .max(5)
      .default(0)
      .describe('Yearly growth of annual_cash_flow, 0.05 = 5%'),
    discount_rate: z.number().min(0).max(5).default(0.1).describe('Discount rate per period, 0.1 = 10%'),
  })
  .refine((v) => v.cash_flows !== undefined || v.annual_cash_flow !== undefined, {
    message: 'give cash_flows, or initial_investment with annual_cash_flow',
  });

export type FinancialProjectionInput = z.infer<typeof FinancialProjectionInput>;

export interface FinancialProjectionOutput {
  cash_flows: number[];
  discount_rate: number;
  npv: number;
  /** null when the cash flows never change sign */
  irr: number | null;
  /** fractional periods; null when it never pays back */
  payback_years: number | null;
  discounted_payback_years: number | null;
  /** level yearly cash flow needed for NPV = 0 over the same horizon */
  break_even_annual_cash_flow: number | null;
  total_undiscounted: number;
}

export function expandCashFlows(input: FinancialProjectionInput): number[] {
  if (input.cash_flows) return [...input.cash_flows];
  const flows = [-(input.initial_investment ?? 0)];
  for (let y = 1; y <= input.years; y++) {
    flows.push((input.annual_cash_flow ?? 0) * (1 + input.growth_rate) ** (y - 1));
  }
  return flows;
}

export function projectFinancials(input: FinancialProjectionInput): FinancialProjectionOutput {
  const flows = expandCashFlows(input);
  const rate = input.discount_rate;
  const rawIrr = irr(flows);
  const payback = paybackPeriod(flows);
  const discounted = paybackPeriod(flows, rate);
  const breakEven = breakEvenCashFlow(flows, rate);
  return {
    cash_flows: flows,
    discount_rate: rate,
    npv: round(npv(rate, flows)),
    irr: rawIrr === null ? null : round(rawIrr, 6),
    payback_years: payback === null ? null : round(payback, 3),
    discounted_payback_years: discounted === null ? null : round(discounted, 3),
    break_even_annual_cash_flow: breakEven === null ? null : round(breakEven),
    total_undiscounted: round(flows.reduce((a, b) => a + b, 0)),
  };
}

export const financialProjection = defineSkill({
  name: 'financial_projection',
  version: '1.0.0',
  dependsOn: 'pure',
  description:
    'Discounted cash flow analysis of an investment: NPV, IRR, payback and discounted payback period (fractional years) and the break-even yearly cash flow. Give cash_flows (index 0 = today) or initial_investment + annual_cash_flow + years.',
  input: FinancialProjectionInput,
  run: async (input) => projectFinancials(input),
  figures: (o: FinancialProjectionOutput) => ({
    npv: o.npv,
    irr: o.irr,
    payback_years: o.payback_years,
    discounted_payback_years: o.discounted_payback_years,
    break_even_annual_cash_flow: o.break_even_annual_cash_flow,
    discount_rate: o.discount_rate,
  }),
});
